"""Leave one source out: route a kind of prompt the router never saw.

Nested cross-validation holds task families out, but every source still has families in
training. What a user meets is a kind of prompt from none of them. For each source,
:func:`leave_one_source_out` trains on all the others (models, the model-agnostic calibration,
and the placement of known models' levels with their shared share) and routes the one left
out: its model-agnostic replay beside one fixed budget at the same accuracy (every kind of
count of the source weighing the same), and, for the models run at levels on it, the
model-aware replay beside the best single level per model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.config import TrainConfig
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


def leave_one_source_out(
    observations: pd.DataFrame,
    targets: PromptTargets,
    emb: np.ndarray,
    config: TrainConfig,
) -> dict[str, Any]:
    """Route each source with everything trained on the other sources.

    Parameters
    ----------
    observations
        The training observations (with a ``source`` column).
    targets
        Their per-prompt targets; ``emb`` has one embedding per row of ``targets.prompts``.
    config
        Training options.

    Returns
    -------
    dict
        By source: ``model_agnostic`` (:func:`~budgetrouter.train.balanced.balanced_view`
        over the source's kinds of count) and ``model_aware`` (the mean over the models run at
        levels on it: kept, saved, and the best single level per model at that accuracy; absent
        when none was). Empty with fewer than two sources.
    """
    import numpy as np

    from budgetrouter.train.balanced import balanced_view
    from budgetrouter.train.calibration import PRICES, budget_grid
    from budgetrouter.train.fit import route_held_out

    if "source" not in targets.prompts or targets.prompts["source"].nunique() < 2:
        return {}
    sources = targets.prompts["source"].astype(str).to_numpy()
    prompts = targets.prompts["prompt"].astype(str).tolist()
    hidden = targets.prompts["hidden"].to_numpy(dtype="float64")
    grid = budget_grid(config)
    out: dict[str, Any] = {}
    for source in sorted(set(sources)):
        train, test = np.flatnonzero(sources != source), np.flatnonzero(sources == source)
        held = route_held_out(emb, prompts, hidden, targets, train, test, config)
        pred, policy = held.predictions, held.policy
        t_te = targets.subset(test)
        candidates = {"router": [policy.budgets(pred.success, pred.cost, p) for p in PRICES[::4]]}
        part: dict[str, Any] = {
            "model_agnostic": balanced_view(t_te, pred.budget, candidates, policy.tiers)
        }
        aware = _model_aware(
            observations, targets, train, test, held.train_success, pred.success, grid, config
        )
        if aware:
            part["model_aware"] = aware
        out[source] = part
        view = part["model_agnostic"]
        logger.info(
            "left out %s: keeps %.1f%% and saves %.1f%% (one fixed budget at that accuracy: "
            "%.1f%%)%s",
            source,
            100 * view["router"]["accuracy_kept"],
            100 * view["router"]["tokens_saved"],
            100 * (view["fixed"] or {}).get("tokens_saved", float("nan")),
            (
                f"; model-aware keeps {100 * aware['accuracy_kept']:.1f}% and saves "
                f"{100 * aware['tokens_saved']:.1f}% (best single level per model "
                f"{100 * aware['best_level_tokens_saved']:.1f}%)"
                if aware
                else ""
            ),
        )
    return out


def _model_aware(
    observations: pd.DataFrame,
    targets: PromptTargets,
    train: np.ndarray,
    test: np.ndarray,
    train_success: np.ndarray,
    test_success: np.ndarray,
    grid: np.ndarray,
    config: TrainConfig,
) -> dict[str, float]:
    """Levels placed on the training sources, replayed on the left-out source's level runs."""
    import numpy as np

    from budgetrouter.train.level_fit import fit_levels
    from budgetrouter.train.level_report import level_replay
    from budgetrouter.train.level_runs import known_models, runs_by_prompt_row

    source = str(targets.prompts["source"].iloc[test[0]])
    is_test = observations["source"].astype(str).to_numpy() == source
    test_runs, test_rows = runs_by_prompt_row(
        observations.loc[is_test],
        targets.prompts["prompt"].iloc[test],
        known_models(observations.loc[is_test]),
    )
    train_runs, train_rows = runs_by_prompt_row(
        observations.loc[~is_test],
        targets.prompts["prompt"].iloc[train],
        known_models(observations.loc[~is_test]),
    )
    shared = sorted(set(test_runs) & set(train_runs))
    if not shared:
        return {}
    fit = fit_levels(
        {m: train_runs[m] for m in shared},
        {m: train_success[train_rows[m]] for m in shared},
        grid,
        config.model_target_accuracy,
        config.n_outer_folds,
        config.upper_quantile,
    )
    rows = []
    for m in shared:
        r = test_runs[m]
        if r.levels != fit.model.models[m]:
            continue  # run at other levels there: nothing to compare
        chosen = fit.model.levels_for(test_success[test_rows[m]], grid, m)
        rows.append(level_replay(r, chosen))
    if not rows:
        return {}
    keys = ("accuracy_kept", "tokens_saved")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    mean["best_level_tokens_saved"] = float(
        np.mean([r["best_level"]["tokens_saved"] for r in rows])
    )
    mean["saved_over_best_level"] = mean["tokens_saved"] - mean["best_level_tokens_saved"]
    mean["models"] = float(len(rows))
    return mean


def loso_markdown(report: Mapping[str, Any]) -> list[str]:
    """The Markdown section of :func:`leave_one_source_out` (empty when there is none)."""
    from budgetrouter.train.metrics import pct

    if not report:
        return []
    lines = [
        "",
        "## Leave one source out",
        "",
        "Each source routed by models, calibration and level placement trained on the other "
        "sources only. Model-agnostic: its kinds of count weighing the same, beside one fixed "
        "budget at the same accuracy. Model-aware: mean over the models run at levels on it, "
        "beside the best single level per model (chosen with hindsight at each model's "
        "accuracy).",
        "",
        "| left out | kept | saved | fixed budget saves | tiers none / short / long | "
        "model-aware kept | saved | best single level saves |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for source, part in report.items():
        view, aware = part["model_agnostic"], part.get("model_aware") or {}
        tiers = view["router"]["tier_share"]
        fixed = (view.get("fixed") or {}).get("tokens_saved")
        lines.append(
            f"| {source} | {pct(view['router']['accuracy_kept'])} | "
            f"{pct(view['router']['tokens_saved'])} | {pct(fixed)} | "
            f"{pct(tiers['none'])} / {pct(tiers['short'])} / {pct(tiers['long'])} | "
            f"{pct(aware.get('accuracy_kept'))} | {pct(aware.get('tokens_saved'))} | "
            f"{pct(aware.get('best_level_tokens_saved'))} |"
        )
    return lines


def loso_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat metrics (``loso_<source>_*``) of :func:`leave_one_source_out`."""
    out: dict[str, float] = {}
    for source, part in report.items():
        name = f"loso_{source.replace('-', '_')}"
        view = part["model_agnostic"]
        out[f"{name}_accuracy_kept"] = view["router"]["accuracy_kept"]
        out[f"{name}_tokens_saved"] = view["router"]["tokens_saved"]
        out[f"{name}_saved_over_fixed"] = view["saved_over_fixed"]
        for key, value in (part.get("model_aware") or {}).items():
            out[f"{name}_model_aware_{key}"] = value
    return out

"""Fitting model-aware routing: each known model's levels on the demand scale, one share.

:func:`fit_model_levels` is what the trainer calls: it finds the known models of an observation
table (:func:`budgetrouter.train.level_runs.known_models`), places their levels and calibrates the
shared share with :func:`fit_levels`, and replays held-out decisions, model-aware and
model-agnostic, on the runs made at each model's levels
(:func:`budgetrouter.train.level_report.level_report`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from budgetrouter.train.level_runs import LevelRuns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.config import TrainConfig
    from budgetrouter.level_model import LevelModel
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


def _kept_saved(runs: LevelRuns, chosen: np.ndarray) -> tuple[float, float]:
    import numpy as np

    rows = np.arange(len(chosen))
    top = runs.levels.top
    top_acc, top_tok = runs.correct[:, top].mean(), runs.tokens[:, top].mean()
    acc, tok = runs.correct[rows, chosen].mean(), runs.tokens[rows, chosen].mean()
    return (acc / top_acc if top_acc > 0 else 1.0), (1.0 - tok / top_tok if top_tok > 0 else 0.0)


#: The shares a level must reach that calibration tries.
SHARES: tuple[float, ...] = tuple(k / 100 for k in range(101))


def calibrate_share(
    shares: Mapping[str, np.ndarray], runs: Mapping[str, LevelRuns], target_accuracy: float
) -> float:
    """The one share, for every model, that saves the most and keeps the target.

    Replays :meth:`~budgetrouter.level_model.LevelModel.choose` at every share of
    :data:`SHARES` on held-out curves read at each model's levels; keeps the lowest share (the
    most saved) whose accuracy against each model's top level, averaged over the models, is at
    least ``target_accuracy`` there and at every higher share (1.0, always the top level
    unless its curve says otherwise, when none is).

    Parameters
    ----------
    shares
        By model, the held-out curves read at what its levels buy, each ``(n, n_levels)``.
    runs
        By model, the runs the curves are for.
    target_accuracy
        Share of each model's top-level accuracy to keep, on average over the models.
    """
    import numpy as np

    from budgetrouter.level_model import LevelModel

    kept = np.array(
        [
            np.mean([_kept_saved(runs[m], LevelModel.choose(s, x))[0] for m, s in shares.items()])
            for x in SHARES
        ]
    )
    # from the top down: the lowest share such that every share above it keeps the target
    holds = np.minimum.accumulate((kept >= target_accuracy - 1e-12)[::-1])[::-1]
    return float(SHARES[int(np.argmax(holds))]) if holds.any() else 1.0


@dataclass(frozen=True)
class LevelFit:
    """What :func:`fit_levels` returns.

    Attributes
    ----------
    model
        The known models' levels placed on the demand scale, with the calibrated share.
    heldout
        By model, the level each prompt got from curves that never saw its family and a share
        calibrated on other prompts.
    """

    model: Any
    heldout: dict[str, np.ndarray]


def fit_levels(
    runs: dict[str, LevelRuns],
    success: dict[str, np.ndarray],
    grid: np.ndarray,
    target_accuracy: float,
    n_folds: int = 5,
    upper_quantile: float = 0.9,
) -> LevelFit:
    """Place each known model's levels on the demand scale and calibrate the shared share.

    A level buys the median reasoning tokens of the model's runs at it (0 for thinking off), and
    at least what the level below it buys.
    Prompts are split into ``n_folds`` folds (by a hash of the prompt text, so a prompt is in
    one fold for every model); each fold is routed at a share calibrated
    (:func:`calibrate_share`) on the other folds. The bundle's share is calibrated on all.

    Parameters
    ----------
    runs
        Each known model's runs (:func:`~budgetrouter.train.level_runs.level_runs`).
    success
        By model, held-out success curves of the prompts of its runs on ``grid``, each
        ``(n, g)``.
    grid
        The curves' budgets in tokens (``inf`` = no cap).
    target_accuracy
        Share of each model's top-level accuracy to keep, on average over the models.
    n_folds
        Number of prompt folds.
    upper_quantile
        The quantile of a level's runs' tokens recorded as its upper forecast.
    """
    import hashlib

    import numpy as np

    from budgetrouter.level_model import LevelModel

    def per_level(r: LevelRuns, q: float) -> list[float]:
        # a higher level buys at least what a lower one does (Gemini's 2,048 budget spent a
        # median 454 tokens on fact questions, its 1,024 budget 459)
        tokens = [
            0.0 if lv.off else float(np.quantile(r.tokens[:, k], q))
            for k, lv in enumerate(r.levels.levels)
        ]
        return [float(x) for x in np.maximum.accumulate(tokens)]

    buys = {m: per_level(r, 0.5) for m, r in runs.items()}
    upper = {m: per_level(r, upper_quantile) for m, r in runs.items()}
    model = LevelModel({m: r.levels for m, r in runs.items()}, buys, 1.0, upper)
    shares = {m: model.shares(success[m], grid, m) for m in runs}
    fold = {
        m: np.array(
            [int(hashlib.sha1(p.encode()).hexdigest()[:8], 16) % n_folds for p in r.prompts]
        )
        for m, r in runs.items()
    }
    heldout = {m: np.zeros(len(r.prompts), dtype=int) for m, r in runs.items()}
    for k in range(n_folds):
        rest = {m: np.flatnonzero(fold[m] != k) for m in runs}
        share = calibrate_share(
            {m: shares[m][rest[m]] for m in runs},
            {m: r.take(rest[m]) for m, r in runs.items()},
            target_accuracy,
        )
        for m in runs:
            rows = fold[m] == k
            heldout[m][rows] = LevelModel.choose(shares[m][rows], share)
    model.share = calibrate_share(shares, runs, target_accuracy)
    logger.info("a level pays when the prompt's curve reaches %.2f at what it buys", model.share)
    return LevelFit(model, heldout)


def provider_rows(model: str, control: str) -> list[dict[str, Any]]:
    """The capability rows of the named providers that cover ``model``, as JSON.

    Rows that match every model (the generic vLLM, SGLang and OpenRouter rows) are left out; a
    row whose control differs from the one seen in training (``control``) is logged.
    """
    from dataclasses import asdict

    from budgetrouter.errors import ConfigError
    from budgetrouter.providers import PROVIDERS, capability

    rows: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        try:
            cap = capability(provider, model)
        except ConfigError:
            continue
        if not cap.family or any(r["provider"] == cap.provider for r in rows):
            continue
        seen = {"budget": "budget", "effort": "effort", "adaptive": "effort"}.get(cap.style)
        if seen != control and not (control == "on_off" and cap.can_disable):
            logger.warning(
                "model %s: run at %s levels in training, but %s's table steers it by %s",
                model,
                control,
                cap.provider,
                cap.style,
            )
        rows.append(asdict(cap))
    return rows


@dataclass(frozen=True)
class ModelLevelsFit:
    """What :func:`fit_model_levels` returns.

    Attributes
    ----------
    model
        The known models' levels on the demand scale, with the calibrated share.
    report
        The held-out level report (:func:`budgetrouter.train.level_report.level_report`).
    """

    model: LevelModel
    report: dict[str, Any]


def fit_model_levels(
    observations: pd.DataFrame,
    targets: PromptTargets,
    heldout_success: np.ndarray,
    agnostic_budgets: np.ndarray,
    config: TrainConfig,
) -> ModelLevelsFit | None:
    """Model-aware routing for every known model of ``observations``, and its held-out report.

    Parameters
    ----------
    observations
        The training observations.
    targets
        Their per-prompt targets (the rows of ``X_route`` and ``agnostic_budgets``).
    heldout_success
        Each row of ``targets``' success curve on the budget grid, predicted by models that
        never saw its family, shape ``(n, g)``.
    agnostic_budgets
        The model-agnostic router's held-out budget for each row of ``targets``.
    config
        Training options (``model_target_accuracy``, LightGBM settings, folds, tiers).

    Returns
    -------
    ModelLevelsFit or None
        ``None`` when no model was run at two or more levels.
    """
    from budgetrouter.train.calibration import budget_grid
    from budgetrouter.train.level_report import level_report
    from budgetrouter.train.level_runs import known_models, runs_by_prompt_row

    models = known_models(observations)
    if not models:
        return None
    logger.info(
        "model-aware routing for %d models run at two or more levels: %s",
        len(models),
        ", ".join(f"{m} ({lv.control})" for m, lv in models.items()),
    )
    runs, rows = runs_by_prompt_row(observations, targets.prompts["prompt"], models)
    fit = fit_levels(
        runs,
        {m: heldout_success[rows[m]] for m in runs},
        budget_grid(config),
        config.model_target_accuracy,
        config.n_outer_folds,
        config.upper_quantile,
    )
    fit.model.capabilities = {m: provider_rows(m, lv.control) for m, lv in models.items()}
    report = level_report(
        runs,
        fit.heldout,
        {m: agnostic_budgets[rows[m]] for m in runs},
        budget_grid(config),
        config.tiers,
    )
    return ModelLevelsFit(fit.model, report)

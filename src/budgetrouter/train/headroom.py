"""Headroom: what a per-prompt budget could save with more knowledge than the prompt text.

Every policy is replayed on the same runs and compared with the best single fixed budget at
the same accuracy. Each curve policy is the router's own (expected success minus a price per
token, plus a margin), swept over price and margin and read at its best point at or above each
accuracy level: a hindsight choice that favours every row alike, so the rows compare what each
kind of knowledge allows.

* knowledge policies: the policy fed each prompt's real success and cost curves; its family's
  mean curves (knows which family is hard, not which prompt); and a gate that knows which
  prompts some run solves, with the best single budget for those;
* the router: out-of-family curve predictions (models fitted on the other families, the
  default features and settings), repeated over random assignments of families to folds,
  since which families share a fold moves the result by about a point.

Each row also says how well it predicts whether some run solves a prompt (ROC AUC), because
prompts that no run solves hold the largest share of the tokens that can be saved.
"""

from __future__ import annotations

import logging
import statistics
from typing import TYPE_CHECKING, Any

from budgetrouter.config import TrainConfig

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)

#: Accuracy levels (share of always-long accuracy) the headroom is read at.
LEVELS: tuple[float, ...] = (0.95, 0.98, 0.99)


def family_mean(values: np.ndarray, groups: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each row replaced by the run-weighted mean of its family's rows."""
    import numpy as np

    out = np.empty_like(values)
    for g in np.unique(groups):
        rows = groups == g
        out[rows] = (values[rows] * weight[rows, None]).sum(0) / weight[rows].sum()
    return out


def headroom(
    targets: PromptTargets,
    embeddings: np.ndarray,
    config: TrainConfig | None = None,
    repeats: int = 5,
    n_folds: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Points of always-long tokens saved beyond the best fixed budget, per kind of knowledge.

    Parameters
    ----------
    targets
        The prompts and their runs.
    embeddings
        Raw prompt embeddings, one row per prompt of ``targets``.
    config
        Model settings and budget grid; defaults to :class:`TrainConfig()`.
    repeats
        Random assignments of families to folds for the router's row.
    n_folds
        Folds of families (default ``config.n_outer_folds``).

    Returns
    -------
    dict
        ``best fixed budget`` (``saved_at_<level>``), one row per policy
        (``delta_at_<level>`` and ``solvable_auc``; the router's is the mean over repeats),
        and ``router spread`` (``sd``, ``min``, ``max`` of each router figure).
    """
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    from budgetrouter.features import prompt_features
    from budgetrouter.policy import TierPolicy
    from budgetrouter.projection import Projection
    from budgetrouter.train.calibration import MARGINS, budget_grid, tradeoff_curve
    from budgetrouter.train.fit import out_of_family_curves
    from budgetrouter.train.metrics import curve_summary, sweep
    from budgetrouter.train.replay import fixed_budget_for, replay

    cfg = config if config is not None else TrainConfig()
    p = targets.prompts
    groups = p["group"].to_numpy()
    weight = p["n_runs"].to_numpy(dtype="float64")
    solved = ~p["censored"].to_numpy()
    success, cost = targets.mean_curves(budget_grid(cfg))
    policy = TierPolicy(grid=tuple(budget_grid(cfg)), price=0.0)
    fixed = {lvl: fixed_budget_for(targets, lvl)[1].tokens_saved for lvl in LEVELS}
    none_kept = replay(targets, np.zeros(targets.n_prompts)).accuracy_kept

    def row(points: list[dict[str, float]], auc: float) -> dict[str, float]:
        summary = curve_summary(points, none_kept)
        deltas = {
            f"delta_at_{lvl:g}": summary[f"saved_at_{round(100 * lvl)}"] - fixed[lvl]
            for lvl in LEVELS
        }
        return {**deltas, "solvable_auc": auc}

    def curve_points(s: np.ndarray, c: np.ndarray) -> list[dict[str, float]]:
        return tradeoff_curve(policy, s, c, targets, margins=MARGINS)

    fam_s, fam_c = family_mean(success, groups, weight), family_mean(cost, groups, weight)
    caps = np.unique(np.quantile(targets.run_tokens, np.linspace(0, 1, 400)))
    out: dict[str, dict[str, Any]] = {
        "best fixed budget": {f"saved_at_{lvl:g}": fixed[lvl] for lvl in LEVELS},
        "knows each prompt's curves": row(curve_points(success, cost), 1.0),
        "knows its family's mean curves": row(
            curve_points(fam_s, fam_c), float(roc_auc_score(solved, fam_s[:, -1]))
        ),
        "knows which prompts some run solves": row(
            sweep(targets, [np.where(solved, cap, 0.0) for cap in caps]), 1.0
        ),
    }
    prompts = p["prompt"].astype(str).tolist()
    # The projection is unsupervised, fitted on every prompt (no outcome is used).
    X = prompt_features(prompts, embeddings, Projection.fit(embeddings))
    runs = []
    for seed in range(repeats):
        split = GroupKFold(n_splits=n_folds or cfg.n_outer_folds, shuffle=True, random_state=seed)
        s, c = out_of_family_curves(X, targets, cfg, split.split(X, groups=groups))
        runs.append(row(curve_points(s, c), float(roc_auc_score(solved, s[:, -1]))))
        logger.info("router, fold assignment %d: %s", seed, runs[-1])
    out["router (out of family)"] = {k: statistics.fmean(r[k] for r in runs) for k in runs[0]}
    out["router spread"] = {
        k: {
            "sd": statistics.stdev(r[k] for r in runs) if len(runs) > 1 else 0.0,
            "min": min(r[k] for r in runs),
            "max": max(r[k] for r in runs),
        }
        for k in runs[0]
    }
    return out

"""The held-out report: the router beside every baseline, trade-off curves, metrics.

Everything here works on replayed runs (:mod:`budgetrouter.train.replay`) and on predictions
made for prompts whose task family the models never saw. Nothing is typed in: every number is
recomputed from the runs. Single-machine training, Dask training and ``evaluate`` all build
their report with :func:`build_report`; the flat metrics logged to MLflow and kept in a
bundle's manifest come from it through :func:`report_metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.train.metrics import (
    breakdown,
    cheapest_at,
    confusion,
    curve_summary,
    policy_metrics,
    regression_metrics,
    sweep,
)
from budgetrouter.train.replay import fixed_budget_for, oracle_budgets, replay

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.model import Predictions
    from budgetrouter.policy import TierPolicy
    from budgetrouter.train.baselines import Baselines
    from budgetrouter.train.targets import PromptTargets


def operating_point(targets: PromptTargets, budgets: np.ndarray) -> dict[str, Any]:
    """The router's replay beside the best fixed budget and the oracle at its accuracy.

    Returns
    -------
    dict
        ``router``, ``fixed_at_router_accuracy`` (with its ``budget``),
        ``oracle_at_router_accuracy``, ``saved_over_fixed`` (points of always-long tokens) and
        ``oracle_share`` (the router's share of the oracle's saving).
    """
    router = replay(targets, budgets)
    kept = min(1.0, router.accuracy_kept)
    fixed_budget, fixed = fixed_budget_for(targets, kept)
    oracle = replay(targets, oracle_budgets(targets, kept))
    return {
        "router": router.to_dict(),
        "fixed_at_router_accuracy": {"budget": fixed_budget, **fixed.to_dict()},
        "oracle_at_router_accuracy": oracle.to_dict(),
        "saved_over_fixed": router.tokens_saved - fixed.tokens_saved,
        "oracle_share": (router.tokens_saved / oracle.tokens_saved) if oracle.tokens_saved else 0.0,
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def build_report(
    targets: PromptTargets,
    policy: TierPolicy,
    predictions: Predictions,
    *,
    baselines: Baselines | None = None,
    protocol: str = "",
    prices: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The full comparison of a router's held-out budgets with every baseline.

    Parameters
    ----------
    targets
        Held-out prompts and their runs.
    policy
        The router's policy (tier thresholds, grid, margin).
    predictions
        The router's predictions for every prompt of ``targets``, made without its family;
        ``predictions.budget`` is the router at its calibrated operating point.
    baselines
        Out-of-family baselines (kNN curves, needed-token regressions), when available.
    protocol
        One sentence on how the predictions were made (shown in the report).
    prices
        Prices to sweep (default: every fourth of
        :data:`budgetrouter.train.calibration.PRICES`).

    Returns
    -------
    dict
        ``operating_point`` (:func:`operating_point`), ``policies`` at their operating
        points, ``curves`` (sweeps and summaries), ``verdict``, ``regression``,
        ``confusion``, ``breakdown``, ``predicted_vs_needed``, and when the prompts come from
        several sources (and kinds of count) ``by_source`` (the operating point of each) and
        ``balanced`` (every source weighing the same, :func:`~budgetrouter.train.balanced.
        balanced_view`); JSON-ready.
    """
    import numpy as np

    from budgetrouter.train.balanced import balanced_view
    from budgetrouter.train.baselines import prompt_length_budgets, random_at_spend
    from budgetrouter.train.calibration import PRICES

    prices = list(PRICES[::4]) if prices is None else list(prices)
    n, budgets = targets.n_prompts, predictions.budget
    op = operating_point(targets, budgets)
    kept = min(1.0, op["router"]["accuracy_kept"])
    oracle_saved = op["oracle_at_router_accuracy"]["tokens_saved"]

    def share(saved: float) -> float:
        return saved / oracle_saved if oracle_saved > 0 else 0.0

    curves = {"router": (predictions.success, predictions.cost)}
    if baselines is not None:
        curves["knn"] = (baselines.knn_success, baselines.knn_cost)
    candidates = {
        name: [policy.budgets(s, c, price) for price in prices] for name, (s, c) in curves.items()
    }
    sweeps = {name: sweep(targets, budget_list) for name, budget_list in candidates.items()}
    tokens = np.unique(np.r_[0.0, targets.run_tokens])
    fixed_grid = np.unique(np.quantile(tokens, np.linspace(0, 1, 60)))
    sweeps["fixed budget"] = sweep(targets, [np.full(n, b) for b in fixed_grid])
    sweeps["prompt-length heuristic"] = sweep(targets, prompt_length_budgets(targets))
    sweeps["oracle"] = sweep(
        targets, [oracle_budgets(targets, lvl) for lvl in (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0)]
    )
    fixed = op["fixed_at_router_accuracy"]
    policies: dict[str, dict[str, float]] = {
        "router": {**op["router"], "oracle_share": op["oracle_share"]},
        "always-none": policy_metrics(targets, np.zeros(n)),
        "always-short": policy_metrics(targets, np.full(n, float(policy.tiers.short_max_tokens))),
        "always-long": policy_metrics(targets, np.full(n, np.inf)),
        "best fixed budget at router accuracy": {
            **fixed,
            "oracle_share": share(fixed["tokens_saved"]),
        },
        "random tiers at router spend": random_at_spend(targets, budgets),
        "oracle at router accuracy": {**op["oracle_at_router_accuracy"], "oracle_share": 1.0},
    }
    for name in ("prompt-length heuristic", "knn"):
        best = cheapest_at(sweeps.get(name, []), kept)
        if best is not None:
            policies[f"{name} at router accuracy"] = {
                **best,
                "oracle_share": share(best["tokens_saved"]),
            }
    none_kept = policies["always-none"]["accuracy_kept"]
    verdict = []
    for rival, policy_name in (
        ("the best fixed budget", "best fixed budget at router accuracy"),
        ("the prompt-length heuristic", "prompt-length heuristic at router accuracy"),
        ("the kNN baseline", "knn at router accuracy"),
    ):
        if policy_name not in policies:
            continue
        saved, mine = policies[policy_name]["tokens_saved"], op["router"]["tokens_saved"]
        gap = 100 * (mine - saved)
        outcome = (
            f"the router matches it ({gap:+.1f} points)"
            if abs(gap) < 0.05
            else f"the router beats it by {gap:.1f} points"
            if gap > 0
            else f"the router saves {-gap:.1f} points less"
        )
        verdict.append(
            f"At {_pct(kept)} of always-long accuracy the router saves {_pct(mine)} of "
            f"reasoning tokens; {rival} saves {_pct(saved)}: {outcome}."
        )

    p = targets.prompts
    solved = ~p["censored"].to_numpy()
    needed = p["needed_tokens"].to_numpy(dtype="float64")[solved]
    regression = regression_metrics(predictions.median[solved], needed, predictions.upper[solved])
    labels = p["no_thinking"].to_numpy(dtype=bool)
    if 0 < labels.sum() < len(labels):
        from sklearn.metrics import roc_auc_score

        regression["no_thinking_auc"] = float(roc_auc_score(labels, predictions.p_no_thinking))
    for name, values in (baselines.needed if baselines is not None else {}).items():
        ok = np.isfinite(values[solved])  # a fold with too few solved prompts has none
        for key, value in regression_metrics(values[solved][ok], needed[ok]).items():
            regression[f"{name}_{key}"] = value
    pick = np.random.default_rng(0).permutation(len(needed))[:3000]
    by_source = {}
    if "segment" in p and p["segment"].nunique() > 1:
        for segment, rows in p.groupby("segment").indices.items():
            rows = np.asarray(rows)
            by_source[str(segment)] = operating_point(targets.subset(rows), budgets[rows])
    balanced = (
        balanced_view(targets, budgets, candidates, policy.tiers)
        if "segment" in p and p["segment"].nunique() > 1
        else {}
    )
    return {
        "protocol": protocol,
        "balanced": balanced,
        "prompts": n,
        "runs": len(targets.run_tokens),
        "families": int(p["group"].nunique()),
        "operating_point": op,
        "by_source": by_source,
        "policies": policies,
        "curves": {
            name: {"summary": curve_summary(points, none_kept), "points": points}
            for name, points in sweeps.items()
        },
        "verdict": verdict,
        "regression": regression,
        "confusion": confusion(
            [policy.tier(float(b)).name for b in budgets],
            [policy.tier(float(b)).name for b in oracle_budgets(targets, 1.0)],
        ),
        "breakdown": {
            col: breakdown(targets, budgets, fixed["budget"], col)
            for col in ("category", "difficulty")
        },
        "predicted_vs_needed": {
            "spearman": regression.get("spearman", math.nan),
            "needed": needed[pick].tolist(),
            "predicted": predictions.median[solved][pick].tolist(),
        },
    }


def report_metrics(report: Mapping[str, Any], policy: TierPolicy | None = None) -> dict[str, float]:
    """Flat, finite metrics of a report, for MLflow and the bundle's manifest.

    ``heldout_*`` for the operating point and the needed-token predictions, ``price`` and
    ``margin_steps`` of the policy (when given), and ``curve_<policy>_<summary>`` for every
    sweep.
    """
    from budgetrouter.train.balanced import balanced_metrics
    from budgetrouter.train.loso import loso_metrics

    op = report["operating_point"]
    metrics = {
        "heldout_accuracy_kept": op["router"]["accuracy_kept"],
        "heldout_tokens_saved": op["router"]["tokens_saved"],
        "heldout_truncation_rate": op["router"]["truncation_rate"],
        "heldout_fixed_tokens_saved": op["fixed_at_router_accuracy"]["tokens_saved"],
        "heldout_fixed_budget": op["fixed_at_router_accuracy"]["budget"],
        "heldout_saved_over_fixed": op["saved_over_fixed"],
        "heldout_oracle_tokens_saved": op["oracle_at_router_accuracy"]["tokens_saved"],
        "heldout_oracle_share": op["oracle_share"],
        **({"price": policy.price, "margin_steps": policy.margin_steps} if policy else {}),
        **{f"heldout_{k}": v for k, v in report.get("regression", {}).items()},
    }
    for segment, part in report.get("by_source", {}).items():
        name = segment.replace(" (visible)", "_visible").replace("-", "_")
        metrics[f"source_{name}_accuracy_kept"] = part["router"]["accuracy_kept"]
        metrics[f"source_{name}_tokens_saved"] = part["router"]["tokens_saved"]
        metrics[f"source_{name}_fixed_tokens_saved"] = part["fixed_at_router_accuracy"][
            "tokens_saved"
        ]
    metrics.update(
        {
            f"curve_{name.replace(' ', '_').replace('-', '_')}_{key}": value
            for name, c in report["curves"].items()
            for key, value in c["summary"].items()
        }
    )
    metrics.update(balanced_metrics(report.get("balanced", {})))
    metrics.update(loso_metrics(report.get("leave_one_source_out", {})))
    return {k: float(v) for k, v in metrics.items() if math.isfinite(v)}

"""Metrics of replayed policies: curve summaries, regression quality, tier confusion.

Building blocks of the report (:mod:`budgetrouter.train.report`) and of analyses such as
``training/headroom.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.decision import TIER_NAMES
from budgetrouter.train.replay import oracle_budgets, replay

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.train.targets import PromptTargets

#: Accuracy levels (share of always-long accuracy) at which curves are read.
KEPT_LEVELS: tuple[float, ...] = (0.95, 0.98, 0.99, 1.0)


def pct(x: float | None) -> str:
    """A share as a percentage with one decimal (``n/a`` for ``None`` or NaN)."""
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def curve_table(
    curves: Mapping[str, Mapping[str, Mapping[str, float]]], levels: Sequence[float] = KEPT_LEVELS
) -> list[str]:
    """Markdown rows of the swept curves' summaries: saved at each level of kept, and area."""
    names = [f"saved at {round(100 * levels[0])}% kept"]
    names += [f"at {round(100 * x)}%" for x in levels[1:]]
    lines = [
        "| policy | " + " | ".join(names) + " | area under curve |",
        "|---" * (len(levels) + 2) + "|",
    ]
    for name, c in curves.items():
        s = c["summary"]
        saved = [pct(s[f"saved_at_{round(100 * x)}"]) for x in levels]
        lines.append(f"| {name} | " + " | ".join(saved) + f" | {s['auc']:.3f} |")
    return lines


def cheapest_at(points: Sequence[Mapping[str, Any]], kept: float) -> dict[str, Any] | None:
    """The swept point that saves the most tokens while keeping ``kept``; ``None`` if none does."""
    ok = [p for p in points if p["accuracy_kept"] >= kept - 1e-9]
    return dict(max(ok, key=lambda p: p["tokens_saved"])) if ok else None


def policy_metrics(targets: PromptTargets, budgets: np.ndarray) -> dict[str, float]:
    """Replay metrics of one policy plus its share of the oracle's saving at equal accuracy."""
    r = replay(targets, budgets).to_dict()
    oracle = replay(targets, oracle_budgets(targets, min(1.0, r["accuracy_kept"])))
    r["oracle_share"] = r["tokens_saved"] / oracle.tokens_saved if oracle.tokens_saved > 0 else 0.0
    return r


def sweep(targets: PromptTargets, candidates: Sequence[np.ndarray]) -> list[dict[str, float]]:
    """Replay each candidate budget vector: points of an accuracy-versus-tokens curve."""
    return [replay(targets, b).to_dict() for b in candidates]


def curve_summary(points: Sequence[Mapping[str, float]], none_kept: float) -> dict[str, float]:
    """Tokens saved at 95/98/99/100% of always-long accuracy, and the area under the curve.

    The area is that of the upper envelope of accuracy kept against the share of always-long
    tokens spent, from always-none ``(0, none_kept)`` to always-long ``(1, 1)``; 1 is perfect
    (all the accuracy for no tokens), a straight line between the two ends scores their mean.

    Parameters
    ----------
    points
        Replay results (``accuracy_kept``, ``tokens_saved``) of one policy's knob sweep.
    none_kept
        Accuracy kept by always-none on the same runs.
    """
    import numpy as np

    out: dict[str, float] = {}
    for level in KEPT_LEVELS:
        ok = [p["tokens_saved"] for p in points if p["accuracy_kept"] >= level - 1e-9]
        out[f"saved_at_{round(level * 100)}"] = max(ok) if ok else math.nan
    xs = [0.0, 1.0] + [1.0 - p["tokens_saved"] for p in points]
    ys = [none_kept, 1.0] + [p["accuracy_kept"] for p in points]
    order = np.argsort(xs, kind="stable")
    x, y = np.asarray(xs)[order], np.maximum.accumulate(np.asarray(ys)[order])
    keep = x <= 1.0
    x, y = np.r_[x[keep], 1.0], np.r_[y[keep], y[keep][-1]]
    out["auc"] = float(np.sum(np.diff(x) * y[:-1]))
    return out


def regression_metrics(
    predicted: np.ndarray, needed: np.ndarray, predicted_upper: np.ndarray | None = None
) -> dict[str, float]:
    """Spearman and MAE of ``log1p`` of needed-token predictions, and upper-quantile coverage."""
    import numpy as np
    from scipy.stats import spearmanr

    if len(needed) < 2:
        return {}
    rho = spearmanr(predicted, needed).statistic
    out = {
        "spearman": float(rho) if np.isfinite(rho) else 0.0,
        "mae_log1p": float(np.mean(np.abs(np.log1p(predicted) - np.log1p(needed)))),
    }
    if predicted_upper is not None:
        out["coverage_upper"] = float(np.mean(needed <= predicted_upper))
    return out


def confusion(
    router_tiers: Sequence[str], oracle_tiers: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Counts of prompts by (oracle tier, router tier)."""
    table = {o: dict.fromkeys(TIER_NAMES, 0) for o in TIER_NAMES}
    for r, o in zip(router_tiers, oracle_tiers, strict=True):
        table[o][r] += 1
    return table


def breakdown(
    targets: PromptTargets, budgets: np.ndarray, fixed_budget: float, column: str
) -> dict[str, dict[str, float]]:
    """Router and fixed-budget replay per value of a prompt column (category, difficulty)."""
    import numpy as np

    if column not in targets.prompts:
        return {}
    out = {}
    # Prompts without a value (outcome logs beside a dataset that has one) form their own row.
    values = targets.prompts[column].astype("string").fillna("(none)").to_numpy(dtype=object)
    for value in sorted(set(values)):
        rows = np.flatnonzero(values == value)
        sub = targets.subset(rows)
        router = replay(sub, budgets[rows])
        fixed = replay(sub, np.full(len(rows), fixed_budget))
        out[value] = {
            "prompts": len(rows),
            "accuracy_kept": router.accuracy_kept,
            "tokens_saved": router.tokens_saved,
            "fixed_accuracy_kept": fixed.accuracy_kept,
            "fixed_tokens_saved": fixed.tokens_saved,
        }
    return out

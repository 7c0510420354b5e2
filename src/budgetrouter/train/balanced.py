"""Replays in which every source weighs the same.

The bundled sources differ in size by two orders of magnitude (9,461 MMLU-Pro prompts beside
350 MiP-Overthinking ones), so a replay pooled over runs is a replay of the largest sources. The
operator's target is stated per source instead: keep the target share of always-long accuracy
on average over the sources (source and kind of count, each weighing the same), with none far
below it. :func:`balanced_replay` gives that view of one budget vector; :func:`balanced_view`
compares the router with one fixed budget and the kNN baseline in it, at the router's operating
point and along their swept trade-off curves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.train.metrics import (
    KEPT_LEVELS,
    cheapest_at,
    curve_summary,
    curve_table,
    pct,
)
from budgetrouter.train.replay import replay

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.decision import TierRules
    from budgetrouter.train.targets import PromptTargets


def segment_parts(targets: PromptTargets) -> list[tuple[str, np.ndarray, PromptTargets]]:
    """Each segment (source and kind of count): its name, prompt rows and targets.

    A segment with no correct run has no accuracy to keep and is left out (all of them when
    every segment is so).
    """
    import numpy as np

    if "segment" not in targets.prompts:
        return [("observations", np.arange(targets.n_prompts), targets)]
    out = []
    for name, rows in targets.prompts.groupby("segment").indices.items():
        rows = np.asarray(rows)
        out.append((str(name), rows, targets.subset(rows)))
    solved = [part for part in out if part[2].run_correct.sum() > 0]
    return solved or out


def balanced_replay(
    parts: Sequence[tuple[str, np.ndarray, PromptTargets]], budgets: np.ndarray
) -> dict[str, Any]:
    """One budget vector replayed per segment, averaged with every segment weighing the same.

    Returns ``accuracy_kept`` and ``tokens_saved`` (means over the segments),
    ``min_segment_kept`` and ``min_segment`` (the segment that keeps least).
    """
    import numpy as np

    kept, saved = [], []
    for _, rows, sub in parts:
        r = replay(sub, budgets[rows])
        kept.append(r.accuracy_kept)
        saved.append(r.tokens_saved)
    worst = int(np.argmin(kept))
    return {
        "accuracy_kept": float(np.mean(kept)),
        "tokens_saved": float(np.mean(saved)),
        "min_segment_kept": float(kept[worst]),
        "min_segment": parts[worst][0],
    }


def balanced_view(
    targets: PromptTargets,
    budgets: np.ndarray,
    swept: Mapping[str, Sequence[np.ndarray]],
    tiers: TierRules,
) -> dict[str, Any]:
    """The router beside one fixed budget and the swept baselines, every segment alike.

    Parameters
    ----------
    targets
        Held-out prompts and their runs.
    budgets
        The router's budget per prompt at its operating point.
    swept
        By policy name (``router``, ``knn``, …), its budget vectors along its knob.
    tiers
        The tier rules that name each budget's tier.

    Returns
    -------
    dict
        ``router`` (its balanced replay and the share of prompts per tier), ``fixed`` (the one
        budget that saves most at the router's balanced accuracy), ``<name>_at_router_accuracy``
        for each swept baseline, ``saved_over_fixed`` (points) and ``curves`` (summary and
        points per policy, ``fixed budget`` included).
    """
    import numpy as np

    parts = segment_parts(targets)
    router: dict[str, Any] = balanced_replay(parts, budgets)
    names = [tiers.tier(float(b)).name for b in budgets]
    router["tier_share"] = {t: names.count(t) / len(names) for t in ("none", "short", "long")}
    kept = min(1.0, router["accuracy_kept"])
    lengths = np.unique(np.r_[0.0, targets.run_tokens])
    fixed_grid = np.unique(np.r_[np.quantile(lengths, np.linspace(0, 1, 80)), np.inf])
    n = targets.n_prompts
    curves = {
        "fixed budget": [
            {"budget": float(b), **balanced_replay(parts, np.full(n, b))} for b in fixed_grid
        ]
    }
    for name, candidates in swept.items():
        curves[name] = [balanced_replay(parts, b) for b in candidates]
    none_kept = balanced_replay(parts, np.zeros(n))["accuracy_kept"]
    out: dict[str, Any] = {"router": router}
    fixed = cheapest_at(curves["fixed budget"], kept)
    out["fixed"] = fixed
    out["saved_over_fixed"] = router["tokens_saved"] - (fixed["tokens_saved"] if fixed else 0.0)
    for name in swept:
        if name != "router":
            out[f"{name}_at_router_accuracy"] = cheapest_at(curves[name], kept)
    out["curves"] = {
        name: {"summary": curve_summary(points, none_kept), "points": points}
        for name, points in curves.items()
    }
    return out


def balanced_markdown(view: Mapping[str, Any]) -> list[str]:
    """The Markdown section of a :func:`balanced_view` (empty for an empty view)."""
    if not view:
        return []
    router, fixed = view["router"], view.get("fixed") or {}
    tiers = router["tier_share"]
    lines = [
        "",
        "## Every source weighing the same",
        "",
        "Accuracy kept and tokens saved averaged over the sources (and kinds of count), the "
        "view the accuracy target is stated in.",
        "",
        "| policy | accuracy kept | tokens saved | worst source keeps |",
        "|---|---|---|---|",
        f"| router | {pct(router['accuracy_kept'])} | {pct(router['tokens_saved'])} | "
        f"{pct(router['min_segment_kept'])} ({router['min_segment']}) |",
    ]
    if fixed:
        lines.append(
            f"| one fixed budget ({fixed['budget']:.0f}) at router accuracy | "
            f"{pct(fixed['accuracy_kept'])} | {pct(fixed['tokens_saved'])} | "
            f"{pct(fixed['min_segment_kept'])} ({fixed['min_segment']}) |"
        )
    for key, value in view.items():
        if key.endswith("_at_router_accuracy") and value:
            lines.append(
                f"| {key.removesuffix('_at_router_accuracy')} at router accuracy | "
                f"{pct(value['accuracy_kept'])} | {pct(value['tokens_saved'])} | "
                f"{pct(value['min_segment_kept'])} ({value['min_segment']}) |"
            )
    lines += [
        "",
        f"Tiers of the held-out prompts: none {pct(tiers['none'])}, short "
        f"{pct(tiers['short'])}, long {pct(tiers['long'])}.",
        "",
    ]
    lines += curve_table(view["curves"], KEPT_LEVELS[:-1])
    return lines


def balanced_metrics(view: Mapping[str, Any]) -> dict[str, float]:
    """Flat metrics of a :func:`balanced_view` (``balanced_*``), for MLflow and the manifest."""
    if not view:
        return {}
    router = view["router"]
    out = {
        "balanced_accuracy_kept": router["accuracy_kept"],
        "balanced_tokens_saved": router["tokens_saved"],
        "balanced_min_source_kept": router["min_segment_kept"],
        "balanced_saved_over_fixed": view["saved_over_fixed"],
        **{f"balanced_tier_share_{t}": v for t, v in router["tier_share"].items()},
    }
    if view.get("fixed"):
        out["balanced_fixed_tokens_saved"] = view["fixed"]["tokens_saved"]
    for name, c in view["curves"].items():
        key = name.replace(" ", "_").replace("-", "_")
        out.update({f"balanced_curve_{key}_{k}": v for k, v in c["summary"].items()})
    return out

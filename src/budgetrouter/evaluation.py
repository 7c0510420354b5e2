"""Evaluation: the router beside trivial and strong baselines, trade-off curves, a report.

Everything here works on replayed runs (:mod:`budgetrouter.replay`) and on predictions made
for prompts whose task family the models never saw. Nothing is typed in: every number in the
report is recomputed from the runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.policy import TierPolicy
    from budgetrouter.targets import PromptTargets

KEPT_LEVELS: tuple[float, ...] = (0.95, 0.98, 0.99, 1.0)


def policy_metrics(targets: PromptTargets, budgets: np.ndarray) -> dict[str, float]:
    """Replay metrics of one policy plus its share of the oracle's saving at equal accuracy."""
    from budgetrouter.replay import oracle_budgets, replay

    r = replay(targets, budgets).to_dict()
    oracle = replay(targets, oracle_budgets(targets, min(1.0, r["accuracy_kept"])))
    r["oracle_share"] = r["tokens_saved"] / oracle.tokens_saved if oracle.tokens_saved > 0 else 0.0
    return r


def sweep(targets: PromptTargets, candidates: Sequence[np.ndarray]) -> list[dict[str, float]]:
    """Replay each candidate budget vector: points of an accuracy-versus-tokens curve."""
    from budgetrouter.replay import replay

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


def curve_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat, finite curve summaries of a report (``curve_<policy>_<summary>``), for MLflow."""
    return {
        f"curve_{name.replace(' ', '_').replace('-', '_')}_{key}": value
        for name, c in report["curves"].items()
        for key, value in c["summary"].items()
        if math.isfinite(value)
    }


def tier_of(policy: TierPolicy, budgets: np.ndarray) -> list[str]:
    """Tier names of budgets under a policy's tier boundaries."""
    return [policy.tier(float(b)).name for b in budgets]


def confusion(
    router_tiers: Sequence[str], oracle_tiers: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Counts of prompts by (oracle tier, router tier)."""
    names = ("none", "short", "long")
    table = {o: dict.fromkeys(names, 0) for o in names}
    for r, o in zip(router_tiers, oracle_tiers, strict=True):
        table[o][r] += 1
    return table


def breakdown(
    targets: PromptTargets, budgets: np.ndarray, fixed_budget: float, column: str
) -> dict[str, dict[str, float]]:
    """Router and fixed-budget replay per value of a prompt column (category, difficulty)."""
    import numpy as np

    from budgetrouter.replay import replay

    if column not in targets.prompts:
        return {}
    out = {}
    values = targets.prompts[column].astype(str).to_numpy()
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


def random_at_spend(
    targets: PromptTargets, budgets: np.ndarray, seeds: int = 20
) -> dict[str, float]:
    """Random tiers at the router's spend: the router's budgets shuffled across prompts."""
    import numpy as np

    from budgetrouter.replay import replay

    rng = np.random.default_rng(0)
    runs = [replay(targets, rng.permutation(budgets)).to_dict() for _ in range(seeds)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def write_report(report: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """Write ``report.json``, ``report.md`` and the PNG plots into ``folder``.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "report.json", folder / "report.md"]
    with open(files[0], "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, default=_json_default)
        handle.write("\n")
    files[1].write_text(markdown(report), encoding="utf-8")
    files += _plots(report, folder)
    return files


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def markdown(report: Mapping[str, Any]) -> str:
    """A Markdown summary of a report (tables of policies, curves and breakdowns)."""
    lines = [
        "# budgetrouter evaluation",
        "",
        f"{report['prompts']} prompts, {report['runs']} runs, {report['families']} task families. "
        f"{report['protocol']}",
        "",
        "## Policies at their operating point",
        "",
        "| policy | accuracy | mean tokens | accuracy kept | tokens saved | truncated | "
        "share of oracle saving |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in report["policies"].items():
        lines.append(
            f"| {name} | {m['accuracy']:.3f} | {m['mean_tokens']:.0f} | {_pct(m['accuracy_kept'])} "
            f"| {_pct(m['tokens_saved'])} | {_pct(m['truncation_rate'])} "
            f"| {_pct(m.get('oracle_share', math.nan))} |"
        )
    lines += [
        "",
        "## Trade-off curves (knob swept on the same held-out predictions)",
        "",
        "| policy | saved at 95% kept | at 98% | at 99% | at 100% | area under curve |",
        "|---|---|---|---|---|---|",
    ]
    for name, c in report["curves"].items():
        s = c["summary"]
        lines.append(
            f"| {name} | {_pct(s['saved_at_95'])} | {_pct(s['saved_at_98'])} | "
            f"{_pct(s['saved_at_99'])} | {_pct(s['saved_at_100'])} | {s['auc']:.3f} |"
        )
    verdict = report.get("verdict", [])
    if verdict:
        lines += ["", "## Verdict", ""] + [f"- {v}" for v in verdict]
    reg = report.get("regression", {})
    if reg:
        lines += [
            "",
            "## Needed-token predictions",
            "",
            "Spearman of predicted (median) vs needed tokens: "
            f"{reg.get('spearman', math.nan):.3f}; "
            f"share of prompts whose needed tokens fall below the upper quantile: "
            f"{_pct(reg.get('coverage_high', math.nan))}.",
        ]
    lines += [
        "",
        "## Tier confusion (rows: oracle tier, columns: router tier)",
        "",
        "| oracle \\ router | none | short | long |",
        "|---|---|---|---|",
    ]
    for o, row in report["confusion"].items():
        lines.append(f"| {o} | {row['none']} | {row['short']} | {row['long']} |")
    for column, table in report.get("breakdown", {}).items():
        if not table:
            continue
        lines += [
            "",
            f"## By {column}",
            "",
            f"| {column} | prompts | kept | saved | fixed kept | fixed saved |",
            "|---|---|---|---|---|---|",
        ]
        for value, m in table.items():
            lines.append(
                f"| {value} | {m['prompts']} | {_pct(m['accuracy_kept'])} | "
                f"{_pct(m['tokens_saved'])} | {_pct(m['fixed_accuracy_kept'])} | "
                f"{_pct(m['fixed_tokens_saved'])} |"
            )
    return "\n".join(lines) + "\n"


def _plots(report: Mapping[str, Any], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    files = []
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
    lowest = min(100 * m["accuracy_kept"] for m in report["policies"].values())
    for ax, ylim in zip(axes, ((max(0, lowest - 5), 101), (90, 100.5)), strict=True):
        markers = iter("os^vD<>P*")
        for name, c in report["curves"].items():
            pts = sorted(c["points"], key=lambda p: 1 - p["tokens_saved"])
            ax.plot(
                [100 * (1 - p["tokens_saved"]) for p in pts],
                [100 * p["accuracy_kept"] for p in pts],
                marker=next(markers, "."),
                markersize=3,
                linewidth=1.5,
                label=f"{name} (sweep)",
            )
        points = iter("ovsP*XDd^<>")
        for name, m in report["policies"].items():
            ax.scatter(
                100 * (1 - m["tokens_saved"]),
                100 * m["accuracy_kept"],
                s=60,
                marker=next(points, "o"),
                color="white",
                edgecolor="black",
                zorder=5,
                label=name,
            )
        ax.set_xlabel("reasoning tokens spent (% of always-long)")
        ax.set_ylabel("accuracy kept (% of always-long)")
        ax.set_xlim(0, 105)
        ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
    axes[0].set_title("Accuracy vs reasoning tokens on held-out task families")
    axes[1].set_title("Zoom: 90-100% of always-long accuracy")
    axes[1].legend(fontsize=7, loc="lower right", ncol=2)
    fig.tight_layout()
    files.append(folder / "tradeoff.png")
    fig.savefig(files[-1], dpi=110)
    plt.close(fig)

    scatter = report.get("predicted_vs_needed")
    if scatter and scatter["needed"]:
        fig, ax = plt.subplots(figsize=(6, 5.5))
        needed = np.asarray(scatter["needed"]) + 1
        pred = np.asarray(scatter["predicted"]) + 1
        ax.scatter(needed, pred, s=4, alpha=0.3)
        lim = [1, max(needed.max(), pred.max()) * 1.2]
        ax.plot(lim, lim, color="grey", linewidth=1, label="predicted = needed")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("needed reasoning tokens + 1 (fewest among correct runs)")
        ax.set_ylabel("predicted median + 1")
        ax.set_title(f"Predicted vs needed tokens (Spearman {scatter['spearman']:.2f})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        files.append(folder / "predicted_vs_needed.png")
        fig.savefig(files[-1], dpi=120)
        plt.close(fig)

    table = report.get("breakdown", {}).get("category")
    if table:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        names = list(table)
        x = np.arange(len(names))
        ax.bar(x - 0.2, [100 * table[n]["tokens_saved"] for n in names], 0.4, label="router")
        ax.bar(
            x + 0.2,
            [100 * table[n]["fixed_tokens_saved"] for n in names],
            0.4,
            label="best fixed budget (overall)",
        )
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_ylabel("reasoning tokens saved (%)")
        ax.set_title("Savings per category on held-out families")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.legend(fontsize=8)
        fig.tight_layout()
        files.append(folder / "savings_by_category.png")
        fig.savefig(files[-1], dpi=120)
        plt.close(fig)
    return files


def knn_curves(
    emb_train: np.ndarray,
    success_train: np.ndarray,
    cost_train: np.ndarray,
    weight_train: np.ndarray,
    emb_test: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Curves of the kNN baseline: run-weighted means over the k nearest training prompts.

    Neighbours are found by cosine distance on the embeddings.
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(emb_train))
    nn = NearestNeighbors(n_neighbors=k, metric="cosine").fit(emb_train)
    _, idx = nn.kneighbors(emb_test)
    w = weight_train[idx][..., None]
    s = (success_train[idx] * w).sum(axis=1) / w.sum(axis=1)
    c = (cost_train[idx] * w).sum(axis=1) / w.sum(axis=1)
    return s, c


def _cheapest_at(points: Sequence[Mapping[str, float]], kept: float) -> dict[str, float] | None:
    ok = [p for p in points if p["accuracy_kept"] >= kept - 1e-9]
    return dict(min(ok, key=lambda p: p["mean_tokens"])) if ok else None


def build_report(
    targets: PromptTargets,
    policy: TierPolicy,
    budgets: np.ndarray,
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    predicted: np.ndarray | None = None,
    predicted_high: np.ndarray | None = None,
    protocol: str = "",
    prices: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The full comparison of a router's held-out budgets with every baseline.

    Parameters
    ----------
    targets
        Held-out prompts and their runs.
    policy
        The router's policy (tier boundaries, grid, margin).
    budgets
        The router's budget for each prompt at its calibrated operating point.
    curves
        Predicted (success, cost) curves on ``policy.grid`` by policy name: the router's own
        and, when available, the kNN baseline's; each is swept over prices.
    predicted, predicted_high
        Median and upper-quantile needed-token predictions per prompt, if available.
    protocol
        One sentence on how the predictions were made (shown in the report).
    prices
        Prices to sweep (default: every fourth of :data:`budgetrouter.policy.PRICES`).
    """
    import numpy as np
    from scipy.stats import spearmanr

    from budgetrouter.policy import PRICES
    from budgetrouter.replay import fixed_budget_for, oracle_budgets, replay

    prices = list(PRICES[::4]) if prices is None else list(prices)
    n = targets.n_prompts
    router = policy_metrics(targets, budgets)
    kept = min(1.0, router["accuracy_kept"])
    none_kept = replay(targets, np.zeros(n)).accuracy_kept

    sweeps: dict[str, list[dict[str, float]]] = {}
    for name, (s, c) in curves.items():
        sweeps[name] = sweep(targets, [policy.budgets(s, c, lam) for lam in prices])
    tokens = np.unique(np.r_[0.0, targets.run_tokens])
    fixed_grid = np.unique(np.quantile(tokens, np.linspace(0, 1, 60)))
    sweeps["fixed budget"] = sweep(targets, [np.full(n, b) for b in fixed_grid])
    chars = targets.prompts["prompt"].astype(str).str.len().to_numpy(dtype="float64")
    sweeps["prompt-length heuristic"] = sweep(
        targets, [np.round(f * chars) for f in np.geomspace(0.01, 100, 60)]
    )
    sweeps["oracle"] = sweep(
        targets, [oracle_budgets(targets, lvl) for lvl in (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0)]
    )

    fixed_budget, _ = fixed_budget_for(targets, kept)
    policies: dict[str, dict[str, float]] = {
        "router": router,
        "always-none": policy_metrics(targets, np.zeros(n)),
        "always-short": policy_metrics(targets, np.full(n, float(policy.short_max_tokens))),
        "always-long": policy_metrics(targets, np.full(n, np.inf)),
        "best fixed budget at router accuracy": {
            "budget": fixed_budget,
            **policy_metrics(targets, np.full(n, fixed_budget)),
        },
        "random tiers at router spend": random_at_spend(targets, budgets),
        "oracle at router accuracy": policy_metrics(targets, oracle_budgets(targets, kept)),
    }
    for name in ("prompt-length heuristic", "knn"):
        if name in sweeps:
            best = _cheapest_at(sweeps[name], kept)
            if best is not None:
                policies[f"{name} at router accuracy"] = best
    curve_report = {
        name: {"summary": curve_summary(points, none_kept), "points": points}
        for name, points in sweeps.items()
    }

    verdict = []
    fixed_saved = policies["best fixed budget at router accuracy"]["tokens_saved"]
    for rival, saved in (
        ("the best fixed budget", fixed_saved),
        (
            "the prompt-length heuristic",
            policies.get("prompt-length heuristic at router accuracy", {}).get("tokens_saved"),
        ),
        ("the kNN baseline", policies.get("knn at router accuracy", {}).get("tokens_saved")),
    ):
        if saved is None:
            continue
        diff = router["tokens_saved"] - saved
        word = "beats" if diff > 0 else "does not beat"
        verdict.append(
            f"At {_pct(kept)} of always-long accuracy the router saves "
            f"{_pct(router['tokens_saved'])} of reasoning tokens; {rival} saves {_pct(saved)}: "
            f"the router {word} it by {100 * diff:+.1f} points."
        )

    oracle_full = oracle_budgets(targets, 1.0)
    report: dict[str, Any] = {
        "protocol": protocol,
        "prompts": n,
        "runs": len(targets.run_tokens),
        "families": int(targets.prompts["group"].nunique()),
        "policies": policies,
        "curves": curve_report,
        "verdict": verdict,
        "confusion": confusion(tier_of(policy, budgets), tier_of(policy, oracle_full)),
        "breakdown": {
            col: breakdown(targets, budgets, fixed_budget, col)
            for col in ("category", "difficulty")
        },
    }
    if predicted is not None:
        solved = ~targets.prompts["censored"].to_numpy()
        needed = targets.prompts["needed_tokens"].to_numpy(dtype="float64")[solved]
        pred = np.asarray(predicted)[solved]
        rho = float(spearmanr(pred, needed).statistic) if len(needed) > 1 else math.nan
        regression = {"spearman": rho}
        if predicted_high is not None:
            regression["coverage_high"] = float(
                np.mean(needed <= np.asarray(predicted_high)[solved])
            )
        report["regression"] = regression
        pick = np.random.default_rng(0).permutation(len(needed))[:3000]
        report["predicted_vs_needed"] = {
            "spearman": rho,
            "needed": needed[pick].tolist(),
            "predicted": pred[pick].tolist(),
        }
    return report

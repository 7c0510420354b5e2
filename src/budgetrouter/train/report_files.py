"""Writing a report: ``report.json``, a Markdown summary and PNG plots.

The report itself is built by :func:`budgetrouter.train.report.build_report`; this module only
renders it (matplotlib is imported on first use).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from budgetrouter.decision import TIER_NAMES


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


def _cell(text: str) -> str:
    """A value for a Markdown table cell (a ``|`` in it would split the row)."""
    return text.replace("|", "\\|")


def _pct(x: float) -> str:
    from budgetrouter.train.metrics import pct

    return pct(x)


def _by_source(report: Mapping[str, Any]) -> list[str]:
    by_source = report.get("by_source") or {}
    if not by_source:
        return []
    lines = [
        "",
        "## By source (model-agnostic decisions)",
        "",
        "| source | kept | saved | best fixed budget saves | oracle saves |",
        "|---|---|---|---|---|",
    ]
    for name, op in by_source.items():
        lines.append(
            f"| {name} | {_pct(op['router']['accuracy_kept'])} | "
            f"{_pct(op['router']['tokens_saved'])} | "
            f"{_pct(op['fixed_at_router_accuracy']['tokens_saved'])} | "
            f"{_pct(op['oracle_at_router_accuracy']['tokens_saved'])} |"
        )
    return lines


def _levels(report: Mapping[str, Any]) -> list[str]:
    levels = report.get("levels") or {}
    if not levels:
        return []
    lines = [
        "",
        "## Runs at each model's own levels",
        "",
        "Decisions replayed as a provider receives them: each selects the model's run at the "
        "setting it maps to. Kept and saved are against the model's top level; the best single "
        "level is chosen per model, with hindsight, at the decisions' accuracy on that model.",
        "",
        "| source | model | decisions | kept | saved | best single level | its saving | "
        "oracle saves |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for source, part in levels.items():
        for model, kinds in part["models"].items():
            for kind, r in kinds.items():
                if kind == "known":
                    continue
                label = kind.replace("_", "-")
                if kind == "model_aware" and not kinds.get("known", True):
                    label += " (unknown model: model-agnostic)"
                lines.append(
                    f"| {source} | {model} | {label} | "
                    f"{_pct(r['accuracy_kept'])} | {_pct(r['tokens_saved'])} | "
                    f"{r['best_level']['level']} | {_pct(r['best_level']['tokens_saved'])} | "
                    f"{_pct(r['oracle']['tokens_saved'])} |"
                )
        for kind, m in part["mean"].items():
            single = m.get("best_single_decision")
            extra = (
                f" (best single decision for every prompt: budget "
                f"{'no cap' if single['budget'] is None else int(single['budget'])}, "
                f"{_pct(single['tokens_saved'])})"
                if single
                else ""
            )
            lines.append(
                f"| {source} | **mean over models** | {kind.replace('_', '-')} | "
                f"{_pct(m['accuracy_kept'])} | {_pct(m['tokens_saved'])}{extra} | per model | "
                f"{_pct(m['best_level_tokens_saved'])} | {_pct(m['oracle_tokens_saved'])} |"
            )
    return lines


def markdown(report: Mapping[str, Any]) -> str:
    """A Markdown summary of a report (tables of policies, curves and breakdowns)."""
    from budgetrouter.train.balanced import balanced_markdown
    from budgetrouter.train.loso import loso_markdown
    from budgetrouter.train.metrics import curve_table

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
    ]
    lines += curve_table(report["curves"])
    lines += balanced_markdown(report.get("balanced", {}))
    lines += loso_markdown(report.get("leave_one_source_out", {}))
    lines += _by_source(report) + _levels(report)
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
            f"{_pct(reg.get('coverage_upper', math.nan))}.",
        ]
    lines += [
        "",
        "## Tier confusion (rows: oracle tier, columns: router tier)",
        "",
        "| oracle \\ router | " + " | ".join(TIER_NAMES) + " |",
        "|---" * (len(TIER_NAMES) + 1) + "|",
    ]
    for o, row in report["confusion"].items():
        lines.append(f"| {o} | " + " | ".join(str(row[t]) for t in TIER_NAMES) + " |")
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
                f"| {_cell(value)} | {m['prompts']} | {_pct(m['accuracy_kept'])} | "
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

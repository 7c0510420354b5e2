"""What routing is doing, from an outcome log: levels, spend, agreement, cut-offs, drift.

:func:`monitor` summarises routed calls per model and level (the ``budget`` or ``effort``
sent): how many calls, their reasoning tokens against the model's top level (measured on the
log's own top-level runs and shadows), the agreement rate of shadow-labelled rows, the
truncation and escalation rates; and, given the training data, how far the log's prompts
have drifted from it: the held-out AUC of a classifier told to separate the two by the router's
own features (0.5: no drift; 1: a different mix). :func:`write_monitor` writes ``monitor.json``,
``monitor.md`` and ``monitor.png``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from budgetrouter.router import Router


def _level(budget: Any, effort: Any) -> str:
    if isinstance(effort, str):
        return f"effort {effort}"
    if budget is None or (isinstance(budget, float) and math.isnan(budget)):
        return "no cap"
    return "off" if int(budget) == 0 else f"budget {int(budget)}"


def _top_level(rows: pd.DataFrame) -> str | None:
    """A model's top level among its rows' levels: no cap, else the highest effort or budget."""
    from budgetrouter.decision import EFFORTS

    levels = set(rows["level"])
    if "no cap" in levels:
        return "no cap"
    efforts = [e for e in EFFORTS if f"effort {e}" in levels]
    if efforts:
        return f"effort {efforts[-1]}"
    budgets = [int(x.split()[1]) for x in levels if x.startswith("budget ")]
    return f"budget {max(budgets)}" if budgets else None


def level_table(log: pd.DataFrame) -> pd.DataFrame:
    """Calls, tokens, agreement, truncation and escalation per (model, level) sent."""
    import numpy as np
    import pandas as pd

    frame = log.copy()
    nothing = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    frame["level"] = [
        _level(b, e)
        for b, e in zip(frame.get("budget", nothing), frame.get("effort", nothing), strict=True)
    ]
    frame["model"] = frame.get("model", nothing).fillna("(model not named)")
    source = frame.get("correct_source", nothing)
    frame["_agreement"] = np.where(source.eq("agreement"), frame["correct"], np.nan)
    frame["_truncated"] = frame.get("status", nothing).eq("truncated")
    frame["_escalated"] = frame.get("escalated_from", nothing).notna()
    table = (
        frame.groupby(["model", "level"], sort=True)
        .agg(
            calls=("prompt", "size"),
            mean_reasoning_tokens=("reasoning_tokens", "mean"),
            agreement_rate=("_agreement", "mean"),
            agreement_rows=("_agreement", "count"),
            truncated_rate=("_truncated", "mean"),
            escalated_rate=("_escalated", "mean"),
        )
        .reset_index()
    )
    rank = [_rank(level) for level in table["level"]]
    order = sorted(range(len(table)), key=lambda i: (str(table["model"][i]), rank[i]))
    return table.iloc[order].reset_index(drop=True)


def _rank(level: str) -> tuple[int, float]:
    """Lowest level first: off, budgets, efforts, no cap."""
    from budgetrouter.decision import EFFORTS

    kind, _, value = level.partition(" ")
    if level == "off":
        return (0, 0.0)
    if kind == "budget":
        return (1, float(value))
    if kind == "effort":
        return (2, float(EFFORTS.index(value)) if value in EFFORTS else 99.0)
    return (3, 0.0)


def spend_against_top(log: pd.DataFrame, table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per model: reasoning tokens spent, and what the same calls would spend at the top level.

    The top level's mean tokens per call come from the log's calls sent there and its shadow
    runs (``shadow_reasoning_tokens``); a model with neither has no comparison.
    """
    import numpy as np

    out = {}
    for model, rows in table.groupby("model"):
        spent = float((rows["calls"] * rows["mean_reasoning_tokens"]).sum())
        calls = int(rows["calls"].sum())
        top = _top_level(rows)
        samples: list[float] = []
        if top is not None:
            hit = rows.loc[rows["level"] == top]
            samples += [float(hit["mean_reasoning_tokens"].iloc[0])] * int(hit["calls"].iloc[0])
        if "shadow_reasoning_tokens" in log:
            mine = log.loc[log["model"].eq(model), "shadow_reasoning_tokens"].dropna()
            samples += mine.astype(float).tolist()
        top_mean = float(np.mean(samples)) if samples else None
        out[str(model)] = {
            "calls": calls,
            "reasoning_tokens": spent,
            "top_level": top,
            "top_level_tokens_per_call": top_mean,
            "share_of_top": None if not top_mean else spent / (top_mean * calls),
        }
    return out


def prompt_drift(router: Router, logged: list[str], reference: list[str], seed: int = 0) -> dict:
    """How well the router's features tell logged prompts from training prompts (held-out AUC).

    A logistic regression on the features, scored by 5-fold cross-validated ROC AUC on a
    balanced sample (at most 2,000 of each, each prompt once; a logged prompt that is in the
    training data counts as training data): 0.5 means the mix has not moved.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    reference = list(dict.fromkeys(reference))
    shared = set(reference)
    logged = [p for p in dict.fromkeys(logged) if p not in shared]  # each prompt once, one side
    n = min(len(logged), len(reference), 2000)
    if n < 20:
        return {
            "auc": None,
            "note": f"too few prompts to compare: {len(logged)} logged prompts outside the "
            f"training data, {len(reference)} training prompts (20 of each needed)",
        }
    a = [logged[i] for i in rng.choice(len(logged), n, replace=False)]
    b = [reference[i] for i in rng.choice(len(reference), n, replace=False)]
    X = np.vstack([router.features(a), router.features(b)])
    y = np.r_[np.ones(n), np.zeros(n)]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    auc = cross_val_score(model, X, y, cv=5, scoring="roc_auc").mean()
    return {"auc": round(float(auc), 4), "prompts_each": n}


def monitor(
    log: pd.DataFrame, router: Router | None = None, reference: list[str] | None = None
) -> dict[str, Any]:
    """The monitoring report of an outcome log (JSON-ready).

    Parameters
    ----------
    log
        Outcome rows (:func:`budgetrouter.train.read_observations` of the log files).
    router
        The bundle that routes the traffic; needed for the drift check.
    reference
        Prompts the bundle was trained on, for the drift check (skipped without them).
    """
    table = level_table(log)
    report: dict[str, Any] = {
        "calls": len(log),
        "levels": json.loads(table.to_json(orient="records")),
        "spend": spend_against_top(log, table),
        "truncated_rate": float(log["status"].eq("truncated").mean()) if "status" in log else None,
        "escalated_rate": float(log["escalated_from"].notna().mean())
        if "escalated_from" in log
        else 0.0,
        "explored_rate": float(log["explored"].fillna(False).astype(bool).mean())
        if "explored" in log
        else 0.0,
    }
    if router is not None and reference:
        report["drift"] = prompt_drift(router, log["prompt"].astype(str).tolist(), reference)
    else:
        report["drift"] = {"auc": None, "note": "pass the training data (--reference) to check"}
    return report


def write_monitor(report: dict[str, Any], out: str | Path) -> list[Path]:
    """Write ``monitor.json``, ``monitor.md`` and ``monitor.png`` into ``out``; their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "monitor.json", out / "monitor.md", out / "monitor.png"]
    paths[0].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Routing monitor ({report['calls']} calls)",
        "",
        "| model | level | calls | mean reasoning tokens | agreement | truncated | escalated |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["levels"]:
        agree = "" if r["agreement_rate"] is None else f"{r['agreement_rate']:.2f}"
        lines.append(
            f"| {r['model']} | {r['level']} | {r['calls']} | {r['mean_reasoning_tokens']:.0f} | "
            f"{agree} ({r['agreement_rows']}) | {r['truncated_rate']:.2%} | "
            f"{r['escalated_rate']:.2%} |"
        )
    lines += ["", "| model | tokens spent | at the top level | share of top |", "|---|---|---|---|"]
    for model, s in report["spend"].items():
        top = s["top_level_tokens_per_call"]
        share = "" if s["share_of_top"] is None else f"{s['share_of_top']:.2f}"
        at_top = "" if top is None else f"{top * s['calls']:.0f} ({s['top_level']})"
        lines.append(f"| {model} | {s['reasoning_tokens']:.0f} | {at_top} | {share} |")
    drift = report["drift"]
    lines += ["", f"Prompt drift against the training data: AUC {drift.get('auc')}"
              + (f" ({drift['note']})" if drift.get("note") else ""), ""]  # fmt: skip
    paths[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    levels = report["levels"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    names = [f"{r['model']}\n{r['level']}" for r in levels]
    axes[0].bar(names, [r["calls"] for r in levels])
    axes[0].set_title("calls per level")
    axes[1].bar(names, [r["agreement_rate"] or 0 for r in levels], color="tab:green")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("agreement with the top level (shadow rows)")
    for ax in axes:
        ax.tick_params(axis="x", labelsize=7, rotation=45)
    fig.tight_layout()
    fig.savefig(paths[2], dpi=100)
    plt.close(fig)
    return paths

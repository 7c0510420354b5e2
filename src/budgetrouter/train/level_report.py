"""The held-out report of decisions replayed on runs made at each model's own levels.

For each known model, a decision selects that model's run at the setting it maps to
(:meth:`budgetrouter.levels.ModelLevels.index_for`); :func:`level_report` replays model-aware
decisions (a level chosen for the model) and model-agnostic ones (one tier and budget per
prompt, mapped onto each model) side by side, per source, per model and on average over
models, against each model's top level, the best single level per model at the same accuracy,
the best single decision for every prompt, and the oracle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from budgetrouter.train.level_runs import LevelRuns

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.decision import TierRules


def level_replay(runs: LevelRuns, chosen: np.ndarray) -> dict[str, Any]:
    """Replay one level per prompt on a model's runs.

    Parameters
    ----------
    runs
        The model's runs (:func:`level_runs`).
    chosen
        The level index given to each prompt, shape ``(n,)``.

    Returns
    -------
    dict
        ``accuracy``, ``mean_tokens``, ``accuracy_kept`` and ``tokens_saved`` against the top
        level; ``top`` (its accuracy and tokens); ``best_level`` (the single level with the most
        tokens saved at the router's accuracy or above, the top level when none); ``oracle``
        (the cheapest correct level per prompt, the lowest when none is correct).
    """
    import numpy as np

    n, top = len(runs.prompts), runs.levels.top
    rows = np.arange(n)
    acc_by_level = runs.correct.mean(axis=0)
    tok_by_level = runs.tokens.mean(axis=0)
    top_acc, top_tok = float(acc_by_level[top]), float(tok_by_level[top])

    def scored(accuracy: float, tokens: float) -> dict[str, float]:
        return {
            "accuracy": accuracy,
            "mean_tokens": tokens,
            "accuracy_kept": accuracy / top_acc if top_acc > 0 else 1.0,
            "tokens_saved": 1.0 - tokens / top_tok if top_tok > 0 else 0.0,
        }

    router = scored(
        float(runs.correct[rows, chosen].mean()), float(runs.tokens[rows, chosen].mean())
    )
    enough = np.flatnonzero(acc_by_level >= router["accuracy"] - 1e-12)
    best = int(enough[np.argmin(tok_by_level[enough])]) if len(enough) else top
    ok = runs.correct >= 0.5
    cost = np.where(ok, runs.tokens, np.inf)
    oracle_k = np.where(ok.any(axis=1), np.argmin(cost, axis=1), 0)
    return {
        "prompts": n,
        **router,
        "top": scored(top_acc, top_tok),
        "best_level": {
            "level": runs.levels.levels[best].label,
            **scored(float(acc_by_level[best]), float(tok_by_level[best])),
        },
        "oracle": scored(
            float(runs.correct[rows, oracle_k].mean()), float(runs.tokens[rows, oracle_k].mean())
        ),
    }


def agnostic_levels(runs: LevelRuns, budgets: np.ndarray, rules: TierRules) -> np.ndarray:
    """The level each model-agnostic budget lands on for this model (one per prompt)."""
    import numpy as np

    out = np.empty(len(budgets), dtype=int)
    for i, b in enumerate(budgets):
        tier = rules.tier(float(b))
        out[i] = runs.levels.index_for(tier.name, tier.budget_tokens)
    return out


def _mean(rows: list[dict[str, Any]]) -> dict[str, float]:
    import numpy as np

    keys = ("accuracy_kept", "tokens_saved")
    out = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    for part in ("best_level", "oracle"):
        out[f"{part}_tokens_saved"] = float(np.mean([r[part]["tokens_saved"] for r in rows]))
        out[f"{part}_accuracy_kept"] = float(np.mean([r[part]["accuracy_kept"] for r in rows]))
    out["saved_over_best_level"] = out["tokens_saved"] - out["best_level_tokens_saved"]
    return out


def best_single_decision(
    runs: Mapping[str, LevelRuns], grid: np.ndarray, rules: TierRules, kept: float
) -> dict[str, Any]:
    """The best single decision for every prompt at an accuracy.

    The one budget of ``grid`` that, given to every prompt of every model, saves the most while
    keeping ``kept`` of the top levels' accuracy on average over models (the budget that keeps
    the most when none reaches it).
    """
    import numpy as np

    points = []
    for b in grid:
        rows = [
            level_replay(r, agnostic_levels(r, np.full(len(r.prompts), b), rules))
            for r in runs.values()
        ]
        points.append({"budget": None if np.isinf(b) else float(b), **_mean(rows)})
    ok = [p for p in points if float(p["accuracy_kept"] or 0.0) >= kept - 1e-9]
    if not ok:
        return max(points, key=lambda p: float(p["accuracy_kept"] or 0.0))
    return max(ok, key=lambda p: float(p["tokens_saved"] or 0.0))


def level_report(
    runs: Mapping[str, LevelRuns],
    aware: Mapping[str, np.ndarray],
    agnostic: Mapping[str, np.ndarray],
    grid: np.ndarray,
    rules: TierRules,
    known: set[str] | None = None,
) -> dict[str, Any]:
    """Model-aware and model-agnostic decisions replayed on every known model's level runs.

    Parameters
    ----------
    runs
        Each known model's runs (:func:`budgetrouter.train.level_runs.level_runs`).
    aware
        By model, the level index the model-aware router gave each prompt.
    agnostic
        By model, the model-agnostic budget each prompt got (tokens, ``inf`` = no cap).
    grid
        The budgets a single decision for every prompt may take.
    rules
        The bundle's tier rules (how a budget names its tier).
    known
        The models the router decided for on their own levels (default: all); for the others
        ``model_aware`` holds model-agnostic decisions and ``known`` says so.

    Returns
    -------
    dict
        By source: ``models`` (per model, ``model_aware`` and ``model_agnostic`` replays) and
        ``mean`` (the same averaged over models, with ``best_single_decision`` for the
        agnostic decisions); JSON-ready.
    """
    import numpy as np

    sources = sorted({s for r in runs.values() for s in r.sources})
    report: dict[str, Any] = {}
    for source in sources:
        part = {
            m: np.flatnonzero(r.sources == source)
            for m, r in runs.items()
            if (r.sources == source).any()
        }
        sub = {m: runs[m].take(rows) for m, rows in part.items()}
        models: dict[str, Any] = {}
        for m, r in sub.items():
            models[m] = {
                "known": known is None or m in known,
                "model_aware": level_replay(r, aware[m][part[m]]),
                "model_agnostic": level_replay(r, agnostic_levels(r, agnostic[m][part[m]], rules)),
            }
        mean: dict[str, dict[str, Any]] = {
            kind: dict(
                _mean(
                    [models[m][kind] for m in models if models[m]["known"]]
                    or [models[m][kind] for m in models]
                )
            )
            for kind in ("model_aware", "model_agnostic")
        }
        mean["model_agnostic"]["best_single_decision"] = best_single_decision(
            sub, grid, rules, mean["model_agnostic"]["accuracy_kept"]
        )
        report[source] = {"models": models, "mean": mean}
    return report


def level_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat metrics of a :func:`level_report` for MLflow.

    ``levels.<source>.<kind>.<metric>`` for the means over models and
    ``levels.<source>.<model>.<kind>.accuracy_kept`` / ``.tokens_saved`` /
    ``.best_level_tokens_saved`` per model.
    """
    out = {}
    for source, part in report.items():
        for model, kinds in part["models"].items():
            for kind, r in kinds.items():
                if not isinstance(r, Mapping):
                    continue
                name = f"levels.{source}.{model}.{kind}"
                out[f"{name}.accuracy_kept"] = float(r["accuracy_kept"])
                out[f"{name}.tokens_saved"] = float(r["tokens_saved"])
                out[f"{name}.best_level_tokens_saved"] = float(r["best_level"]["tokens_saved"])
        for kind, mean in part["mean"].items():
            for key, value in mean.items():
                if isinstance(value, float):
                    out[f"levels.{source}.{kind}.{key}"] = value
            single = mean.get("best_single_decision")
            if single:
                out[f"levels.{source}.{kind}.best_single_decision_tokens_saved"] = single[
                    "tokens_saved"
                ]
    return out

"""Runs made at a model's own levels: which models are known, and their runs by level.

:func:`known_models` reads, from the hidden-reasoning runs of an observation table, every model
run at two or more levels (thinking off, budgets, effort levels, natural thinking).
:func:`level_runs` lays each known model's runs out as a prompt-by-level table, which
:func:`budgetrouter.train.level_report.level_replay` replays a choice of level per prompt on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from budgetrouter.decision import TierRules
from budgetrouter.levels import Level, ModelLevels

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


logger = logging.getLogger(__name__)


def run_level(budget_tokens: float, effort: str | None, setting: str | None) -> Level:
    """The :class:`~budgetrouter.levels.Level` a run was made at (from its contract columns).

    ``budget_tokens`` is NaN when the run had no budget; the label is ``setting`` when given.
    """
    budget = None if math.isnan(budget_tokens) else int(budget_tokens)
    if setting:
        label = setting
    elif budget == 0:
        label = "off"
    elif budget is not None:
        label = f"budget{budget}"
    else:
        label = f"{effort}_effort" if effort else "on"
    return Level(label, budget, effort)


def _levels_frame(observations: pd.DataFrame) -> pd.DataFrame:
    """The hidden-reasoning runs, with their :class:`Level` and position.

    Columns ``level`` (a :class:`Level` per run) and ``_pos`` (the run's row in
    ``observations``) are added.
    """
    import numpy as np
    import pandas as pd

    from budgetrouter.train.runs import hidden_counts

    has_model = observations["model"].notna() if "model" in observations else False
    mask = np.asarray(hidden_counts(observations) & has_model, dtype=bool)
    runs = observations.loc[mask].assign(_pos=np.flatnonzero(mask))

    def column(name: str) -> pd.Series:
        if name not in runs:
            return pd.Series([None] * len(runs), index=runs.index, dtype=object)
        return runs[name].astype(object).where(runs[name].notna(), None)

    budgets = (
        runs["budget"].to_numpy(dtype="float64") if "budget" in runs else np.full(len(runs), np.nan)
    )
    levels = [
        run_level(b, e, s)
        for b, e, s in zip(budgets, column("effort"), column("setting"), strict=True)
    ]
    return runs.assign(level=pd.Series(levels, index=runs.index, dtype=object))


def level_intervals(
    levels: ModelLevels, tiers: TierRules | None = None
) -> list[tuple[float, float]]:
    """For each level of a model, the budgets ``[lo, hi)`` that land on it.

    Found by asking :meth:`~budgetrouter.levels.ModelLevels.index_for` which level each stretch
    of budgets (between 0, 1, ``short_max_tokens + 1`` and the levels' own budgets) lands on;
    ``hi = inf`` includes no cap. A level no budget lands on (a fourth effort level between the
    middle and the top) gets the empty interval ``(-1, -1)``.
    """
    rules = tiers if tiers is not None else TierRules()
    points = sorted(
        {
            0.0,
            1.0,
            rules.short_max_tokens + 1.0,
            *(float(lv.budget) for lv in levels.levels if lv.budget),
        }
    )
    owners = []
    for budget in points:
        tier = rules.tier(budget)
        owners.append(levels.index_for(tier.name, tier.budget_tokens))
    bounds = [*points[1:], math.inf]
    out = [(-1.0, -1.0)] * len(levels.levels)
    for start, end, k in zip(points, bounds, owners, strict=True):
        lo, hi = out[k]
        out[k] = (start, end) if lo < 0 else (min(lo, start), max(hi, end))
    return out


def run_intervals(
    observations: pd.DataFrame,
    tiers: TierRules | None = None,
    models: dict[str, ModelLevels] | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The budgets ``[lo, hi)`` that land on each run's level (:func:`level_intervals`).

    Runs of the known models (``models``, default :func:`known_models`) get their level's
    interval; every other run ``[0, inf)``, a run made without a cap. ``(None, None)`` when no
    model is known.
    """
    import numpy as np

    models = known_models(observations) if models is None else models
    if not models:
        return None, None
    lo = np.zeros(len(observations))
    hi = np.full(len(observations), math.inf)
    frame = _levels_frame(observations)
    for name, levels in models.items():
        runs = frame.loc[frame["model"] == name]
        intervals = level_intervals(levels, tiers)
        index = {lv: i for i, lv in enumerate(levels.levels)}
        ks = runs["level"].map(index).to_numpy(dtype=int)
        positions = runs["_pos"].to_numpy()
        lo[positions] = [intervals[k][0] for k in ks]
        hi[positions] = [intervals[k][1] for k in ks]
    return lo, hi


def known_models(observations: pd.DataFrame) -> dict[str, ModelLevels]:
    """Every model whose hidden-reasoning runs were made at two or more levels.

    Models run at one level only (nothing to choose between), or whose levels mix a budget
    with an effort, are left out and logged.

    Returns
    -------
    dict
        :class:`~budgetrouter.levels.ModelLevels` by model name.
    """
    from budgetrouter.errors import ConfigError

    if "model" not in observations:
        return {}
    frame = _levels_frame(observations)
    out: dict[str, ModelLevels] = {}
    for model, levels in frame.groupby("model", sort=True)["level"]:
        distinct = sorted(set(levels), key=Level.sort_key)
        if len(distinct) < 2:
            logger.debug("model %s: one level only (%s), not model-aware", model, distinct[0].label)
            continue
        try:
            out[str(model)] = ModelLevels(str(model), tuple(distinct))
        except ConfigError as exc:
            logger.warning("model %s left out of model-aware routing: %s", model, exc)
    logger.debug("models run at two or more levels: %s", ", ".join(out))
    return out


@dataclass(frozen=True)
class LevelRuns:
    """One known model's runs laid out by prompt and level.

    Attributes
    ----------
    levels
        The model's levels.
    prompts
        The prompt of each row, shape ``(n,)``.
    sources
        The dataset of each row, shape ``(n,)``.
    correct, tokens
        Mean correctness and reasoning tokens at each level, shape ``(n, n_levels)``.
    """

    levels: ModelLevels
    prompts: np.ndarray
    sources: np.ndarray
    correct: np.ndarray
    tokens: np.ndarray

    def take(self, rows: np.ndarray) -> LevelRuns:
        """The rows at positions ``rows``."""
        return LevelRuns(
            self.levels,
            self.prompts[rows],
            self.sources[rows],
            self.correct[rows],
            self.tokens[rows],
        )


def level_runs(observations: pd.DataFrame, models: dict[str, ModelLevels]) -> dict[str, LevelRuns]:
    """Each known model's runs as a prompt-by-level table.

    Only prompts with a run at every level of the model are kept (the others are counted and
    logged): a replay must be able to land on any level.
    """
    frame = _levels_frame(observations)
    out: dict[str, LevelRuns] = {}
    for name, levels in models.items():
        runs = frame.loc[frame["model"] == name]
        index = {lv: i for i, lv in enumerate(levels.levels)}
        k = runs["level"].map(index)
        source = runs["source"].fillna("observations") if "source" in runs else "observations"
        runs = runs.assign(_k=k.to_numpy(), _source=source)
        cols = list(range(len(levels.levels)))
        correct, tokens = (
            runs.pivot_table(
                index=["prompt", "_source"], columns="_k", values=v, aggfunc="mean"
            ).reindex(columns=cols)
            for v in ("correct", "reasoning_tokens")
        )
        complete = (correct.notna().all(axis=1) & tokens.notna().all(axis=1)).to_numpy()
        if not complete.all():
            logger.info(
                "model %s: %d prompts lack a run at some level, left out of its level replay",
                name,
                int((~complete).sum()),
            )
        keys = correct.index.to_frame(index=False).loc[complete]
        out[name] = LevelRuns(
            levels,
            keys["prompt"].astype(str).to_numpy(),
            keys["_source"].astype(str).to_numpy(),
            correct.to_numpy(dtype="float64")[complete],
            tokens.to_numpy(dtype="float64")[complete],
        )
    return out


def runs_by_prompt_row(
    observations: pd.DataFrame,
    prompts: Iterable[str],
    models: dict[str, ModelLevels] | None = None,
) -> tuple[dict[str, LevelRuns], dict[str, np.ndarray]]:
    """Each known model's level runs, and where their prompts are in ``prompts``.

    Models with no complete prompt are left out. ``models`` defaults to :func:`known_models`
    of ``observations``. Returns ``(runs, rows)``, both keyed by model; ``rows[m]`` has one row
    index per prompt of ``runs[m]``.
    """
    import numpy as np

    ladders = known_models(observations) if models is None else models
    runs = {m: r for m, r in level_runs(observations, ladders).items() if len(r.prompts)}
    row_of: dict[str, int] = {}
    for i, text in enumerate(map(str, prompts)):
        row_of.setdefault(text, i)
    rows = {m: np.array([row_of[p] for p in r.prompts], dtype=int) for m, r in runs.items()}
    return runs, rows

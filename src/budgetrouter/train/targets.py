"""From runs to what each prompt needs: the training targets.

For every distinct prompt of an observation table (and kind of reasoning count: a prompt with
both hidden-reasoning runs and visible step-by-step runs gives one row of each, told apart by
``hidden``, since the two counts are different quantities):

* ``needed_tokens``: the prompt's demand, the smallest budget that keeps half of the models
  that solved it (each with the fewest tokens it was correct with; :mod:`budgetrouter.train.
  demand`), on the hidden-reasoning scale (visible counts are scaled to it);
* ``censored``: no run was correct, so the prompt needs *at least* ``max_tokens`` (the most
  that was tried) and possibly more than any budget; such prompts are kept and flagged, never
  dropped (the needed-token regression learns ``max_tokens`` for them);
* ``no_thinking``: at least half of the solvers that could answer with no reasoning (thinking
  off, a visible answer) did;
* the success and cost curves on a budget grid: for budget ``b`` the summed success and cost of
  the runs that budget would have given (the replay of the design, below).

Two kinds of run. A run made without a cap (a visible step-by-step answer, natural thinking,
a model run at one setting only) tells what any budget gives: under budget ``b`` it succeeds when
it was correct and ``L <= b``, and costs ``min(L, b)``. A run of a model run at two or more of its
own levels (thinking off, budgets, effort levels; :mod:`budgetrouter.train.level_runs`) is a direct
observation of its level: it is what a budget gives when the budget lands on that level
(:meth:`budgetrouter.levels.ModelLevels.index_for`), with its own correctness and tokens, and it
says nothing about other budgets. Each such run carries the interval of budgets
``[run_lo, run_hi)`` that land on its level; a model's levels tile the budget axis, so every
budget sees one run of each (prompt, model).

:func:`~budgetrouter.train.runs.run_outcomes` and :func:`~budgetrouter.train.runs.run_curves`
define each run's share of these targets; the
single-machine aggregation here and the Dask group-by (runs without levels) both sum (or take the
min / max of) them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.decision import TierRules

from budgetrouter.train.demand import (
    DEMAND_SHARE,
    Solvers,
    to_hidden_scale,
    visible_log_ratio,
)
from budgetrouter.train.runs import (
    hidden_counts,
    run_curves,
    run_outcome,
    run_outcomes,
    success_shares,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromptTargets:
    """Per-prompt targets and the runs behind them.

    Attributes
    ----------
    prompts
        One row per distinct (prompt, kind of count): ``prompt``, ``hidden``, ``group``,
        ``source``, ``segment`` (source and kind of count, for per-source calibration),
        ``n_runs``, ``needed_tokens`` (NaN when censored), ``censored``,
        ``max_tokens``, ``no_thinking``, plus ``category``/``difficulty`` when the observations
        had them.
    run_prompt
        For each run, the row of its prompt in ``prompts``.
    run_tokens
        Reasoning tokens of each run.
    run_correct
        Correctness (or score in [0, 1]) of each run.
    run_lo, run_hi
        The budgets ``[lo, hi)`` that land on each run's level (``hi = inf`` includes no cap);
        ``None``: every run was made without a cap.
    solvers
        The models that solved each prompt and the fewest tokens each needed
        (:class:`~budgetrouter.train.demand.Solvers`); ``None``: curves from the runs alone.
    visible_log_ratio
        The factor (in ``log1p``) that put visible counts on the hidden scale
        (:func:`~budgetrouter.train.demand.visible_log_ratio`).
    """

    prompts: pd.DataFrame
    run_prompt: np.ndarray
    run_tokens: np.ndarray
    run_correct: np.ndarray
    run_lo: np.ndarray | None = None
    run_hi: np.ndarray | None = None
    solvers: Solvers | None = None
    visible_log_ratio: float = 0.0

    @property
    def leveled(self) -> bool:
        """Whether some runs were made at a model's own levels."""
        return self.run_lo is not None

    def outcomes(self, budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each run's success, cost and validity when its prompt gets ``budgets[prompt]``.

        Parameters
        ----------
        budgets
            One budget per prompt, in tokens (``inf`` = no cap).

        Returns
        -------
        success, cost, valid
            Per run; a leveled run is valid only when the budget lands on its level.
        """
        return run_outcome(
            self.run_tokens, self.run_correct, budgets[self.run_prompt], self.run_lo, self.run_hi
        )

    @property
    def n_prompts(self) -> int:
        """Number of distinct prompts."""
        return len(self.prompts)

    def curves(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Summed success and cost of each prompt's runs under each budget of ``grid``.

        Parameters
        ----------
        grid
            Budgets in tokens (``inf`` = no cap), shape ``(g,)``.

        Returns
        -------
        success, cost
            Arrays of shape ``(n_prompts, g)``; divide by :meth:`runs_at` for means.
        """
        import numpy as np

        run_success, run_cost, _ = run_curves(
            self.run_tokens, self.run_correct, grid, self.run_lo, self.run_hi
        )
        success = np.zeros((self.n_prompts, run_success.shape[1]))
        cost = np.zeros_like(success)
        np.add.at(success, self.run_prompt, run_success)
        np.add.at(cost, self.run_prompt, run_cost)
        return success, cost

    def runs_at(self, grid: np.ndarray) -> np.ndarray:
        """How many runs each budget of ``grid`` sees per prompt, shape ``(n_prompts, g)``.

        ``prompts["n_runs"]`` for every budget when no run was made at a level.
        """
        import numpy as np

        n = self.prompts["n_runs"].to_numpy(dtype="float64")[:, None]
        if not self.leveled:
            return np.repeat(n, len(grid), axis=1)
        _, _, valid = run_curves(self.run_tokens, self.run_correct, grid, self.run_lo, self.run_hi)
        out = np.zeros((self.n_prompts, len(grid)))
        np.add.at(out, self.run_prompt, valid)
        return np.maximum(out, 1.0)

    def mean_curves(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean success and mean cost per run of each prompt under each budget of ``grid``."""
        success, cost = self.curves(grid)
        n = self.runs_at(grid)
        return success / n, cost / n

    def model_curves(self, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the curve models learn: success shares, mean cost, and the shares' weights.

        ``grid`` must end with the uncapped option (``inf``). Returns the share of each
        prompt's solvers kept under each budget (:meth:`Solvers.shares
        <budgetrouter.train.demand.Solvers.shares>`; without solvers, the share of its
        uncapped success, :func:`success_shares`), the mean tokens paid per run, both
        ``(n_prompts, g)``, and the solvers (or correct runs) behind each share
        (``(n_prompts,)``, 0 for a prompt never solved).
        """
        success, cost = self.curves(grid)
        if self.solvers is not None:
            share, weight = self.solvers.shares(self.n_prompts, grid)
        else:
            share, weight = success_shares(success)
        return share, cost / self.runs_at(grid), weight

    def subset(self, rows: np.ndarray) -> PromptTargets:
        """Keep only the prompts at positions ``rows`` (and their runs)."""
        import numpy as np

        rows = np.asarray(rows)
        remap = np.full(self.n_prompts, -1)
        remap[rows] = np.arange(len(rows))
        keep = remap[self.run_prompt] >= 0
        return PromptTargets(
            prompts=self.prompts.iloc[rows].reset_index(drop=True),
            run_prompt=remap[self.run_prompt[keep]],
            run_tokens=self.run_tokens[keep],
            run_correct=self.run_correct[keep],
            run_lo=None if self.run_lo is None else self.run_lo[keep],
            run_hi=None if self.run_hi is None else self.run_hi[keep],
            solvers=None if self.solvers is None else self.solvers.take(remap),
            visible_log_ratio=self.visible_log_ratio,
        )


def build_targets(
    observations: pd.DataFrame, none_max_tokens: int = 0, tiers: TierRules | None = None
) -> PromptTargets:
    """Aggregate runs into per-prompt targets.

    Parameters
    ----------
    observations
        A canonical observation table (see :func:`budgetrouter.train.read_observations`).
    none_max_tokens
        A correct run with at most this many reasoning tokens means the prompt is solved
        with no thinking.
    tiers
        The tier rules that say which level of a model a budget lands on (default
        :class:`~budgetrouter.decision.TierRules()`); runs of models run at two or more
        levels are read as observations of their level (see the module docstring).

    Returns
    -------
    PromptTargets
    """
    import numpy as np
    import pandas as pd

    from budgetrouter.train.level_runs import known_models, run_intervals

    hidden = hidden_counts(observations)
    key = pd.MultiIndex.from_arrays([observations["prompt"].to_numpy(), hidden])
    codes, uniques = key.factorize()
    raw = observations["reasoning_tokens"].to_numpy(dtype="float64")
    correct = observations["correct"].to_numpy(dtype="float64")
    prompt_codes = observations["prompt"].factorize()[0]
    ratio = visible_log_ratio(prompt_codes, hidden, raw, correct)
    tokens = to_hidden_scale(raw, hidden, ratio, none_max_tokens)
    models = known_models(observations)
    lo, hi = run_intervals(observations, tiers, models)
    solved_tokens, no_thinking = run_outcomes(tokens, correct, none_max_tokens, lo, hi)
    has_model = observations["model"].notna() if "model" in observations else None
    run_model = (
        observations["model"].astype(object).where(has_model, "?").to_numpy()
        if has_model is not None
        else np.full(len(observations), "?", dtype=object)
    )
    off_capable = {m for m, lv in models.items() if lv.levels[0].off}
    zero_known = ~hidden | np.isin(run_model, list(off_capable))
    # a run with no model is its own solver
    model_key = np.where(run_model == "?", np.arange(len(run_model)).astype(str), run_model)
    solvers = Solvers.from_runs(codes, model_key, tokens, correct, zero_known)
    frame = observations.assign(_p=codes, _ok_tokens=solved_tokens, _none=no_thinking, _t=tokens)
    extra = [c for c in ("source", "category", "difficulty") if c in observations]
    agg = frame.groupby("_p", sort=True).agg(
        group=("group", "first"),
        n_runs=("prompt", "size"),
        max_tokens=("_t", "max"),
        **{c: (c, "first") for c in extra},
    )
    keys = pd.MultiIndex.from_tuples(list(uniques), names=["prompt", "hidden"])
    agg.insert(0, "prompt", keys.get_level_values(0).to_numpy())
    agg.insert(1, "hidden", keys.get_level_values(1).to_numpy(dtype=bool))
    source = agg["source"].fillna("observations") if "source" in agg else "observations"
    agg["segment"] = source + np.where(agg["hidden"], "", " (visible)")
    agg["needed_tokens"] = solvers.demand(len(agg))
    agg["censored"] = agg["needed_tokens"].isna()
    share, _ = solvers.shares(len(agg), np.array([0.0]))
    agg["no_thinking"] = share[:, 0] >= DEMAND_SHARE
    agg = agg.reset_index(drop=True)
    logger.info(
        "visible step-by-step counts put on the hidden-reasoning scale: x%.2f (log1p ratio %.3f)",
        math.exp(ratio),
        ratio,
    )
    return PromptTargets(
        prompts=agg,
        run_prompt=codes.astype("int64"),
        run_tokens=tokens,
        run_correct=correct,
        run_lo=lo,
        run_hi=hi,
        solvers=solvers,
        visible_log_ratio=ratio,
    )

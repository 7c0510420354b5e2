"""From runs to what each prompt needs: the training targets.

For every distinct prompt of an observation table:

* ``needed_tokens``: the minimal sufficient reasoning, the fewest reasoning tokens among its
  correct runs (a run with ``correct >= 0.5`` when correctness is a score);
* ``censored``: no run was correct, so the prompt needs *at least* ``max_tokens`` (the most
  that was tried) and possibly more than any budget; such prompts are kept and flagged, never
  dropped;
* ``no_reasoning``: some correct run used at most ``none_max_tokens`` reasoning tokens;
* the success and cost curves on a budget grid: for budget ``b`` the summed success
  ``sum(correct * [L <= b])`` and cost ``sum(min(L, b))`` of its runs (the replay of the design).

A run that was itself given a budget is taken at face value: a run cut by its own budget stays
a failure at larger budgets (a pessimistic reading that never overstates what a budget buys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CORRECT_THRESHOLD = 0.5


@dataclass(frozen=True)
class PromptTargets:
    """Per-prompt targets and the runs behind them.

    Attributes
    ----------
    prompts
        One row per distinct prompt: ``prompt``, ``group``, ``n_runs``, ``needed_tokens``
        (NaN when censored), ``censored``, ``max_tokens``, ``no_reasoning``, plus
        ``category``/``difficulty`` when the observations had them.
    run_prompt
        For each run, the row of its prompt in ``prompts``.
    run_tokens
        Reasoning tokens of each run.
    run_correct
        Correctness (or score in [0, 1]) of each run.
    """

    prompts: pd.DataFrame
    run_prompt: np.ndarray
    run_tokens: np.ndarray
    run_correct: np.ndarray

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
            Arrays of shape ``(n_prompts, g)``; divide by ``prompts["n_runs"]`` for means.
        """
        import numpy as np

        grid = np.asarray(grid, dtype="float64")
        success = np.zeros((self.n_prompts, len(grid)))
        cost = np.zeros((self.n_prompts, len(grid)))
        for j, b in enumerate(grid):
            np.add.at(success[:, j], self.run_prompt, self.run_correct * (self.run_tokens <= b))
            np.add.at(cost[:, j], self.run_prompt, np.minimum(self.run_tokens, b))
        return success, cost

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
        )


def build_targets(observations: pd.DataFrame, none_max_tokens: int = 0) -> PromptTargets:
    """Aggregate runs into per-prompt targets.

    Parameters
    ----------
    observations
        A canonical observation table (see :func:`budgetrouter.data.read_observations`).
    none_max_tokens
        A correct run with at most this many reasoning tokens means the prompt is solved
        with no reasoning.

    Returns
    -------
    PromptTargets
    """
    import numpy as np

    codes, uniques = observations["prompt"].factorize()
    tokens = observations["reasoning_tokens"].to_numpy(dtype="float64")
    correct = observations["correct"].to_numpy(dtype="float64")
    ok = correct >= CORRECT_THRESHOLD
    frame = observations.assign(
        _p=codes,
        _ok_tokens=np.where(ok, tokens, np.nan),
        _none=ok & (tokens <= none_max_tokens),
    )
    extra = [c for c in ("category", "difficulty") if c in observations]
    agg = frame.groupby("_p", sort=True).agg(
        group=("group", "first"),
        n_runs=("prompt", "size"),
        needed_tokens=("_ok_tokens", "min"),
        max_tokens=("reasoning_tokens", "max"),
        no_reasoning=("_none", "any"),
        **{c: (c, "first") for c in extra},
    )
    agg.insert(0, "prompt", np.asarray(uniques))
    agg["censored"] = agg["needed_tokens"].isna()
    agg = agg.reset_index(drop=True)
    return PromptTargets(
        prompts=agg, run_prompt=codes.astype("int64"), run_tokens=tokens, run_correct=correct
    )

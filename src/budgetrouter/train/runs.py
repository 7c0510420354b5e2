"""Each run's share of the per-prompt targets: success, cost and validity under a budget.

A run made without a cap succeeds under budget ``b`` when it was correct and its reasoning
``L <= b``, and costs ``min(L, b)``; a run made at one of its model's levels counts only for the
budgets that land on that level, with its own correctness and tokens (see
:mod:`budgetrouter.train.targets`). The single-machine aggregation and the Dask group-by both sum
(or take the min / max of) these per-run values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CORRECT_THRESHOLD = 0.5


def success_shares(success: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Summed success under each budget as a share of the uncapped success (the last column).

    The share under budget ``b`` is the fraction of a prompt's correct runs that fit in ``b``:
    the shape of how long a correct answer takes, which carries from one source to another far
    better than how often the prompt is answered correctly. Returns the shares (0 for a prompt
    never solved) and the summed uncapped success (its weight).
    """
    import numpy as np

    total = success[:, -1]
    share = np.where(total[:, None] > 0, success / np.maximum(total, 1e-12)[:, None], 0.0)
    return np.clip(share, 0.0, 1.0), total


def run_outcomes(
    tokens: np.ndarray,
    correct: np.ndarray,
    none_max_tokens: int = 0,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each run's share of a prompt's needed tokens and of its no-thinking label.

    Returns
    -------
    solved_tokens
        The run's reasoning tokens if it was correct, else NaN (a prompt needs the min).
    no_thinking
        Whether the run was correct with at most ``none_max_tokens`` tokens, or correct at the
        level a tier none decision lands on (a level interval that starts at 0), for a prompt:
        any.
    """
    import numpy as np

    ok = correct >= CORRECT_THRESHOLD
    at_none = tokens <= none_max_tokens
    if lo is not None and hi is not None:
        natural = (lo <= 0) & np.isinf(hi)
        at_none = np.where(natural, at_none, (lo <= 0) & (hi > 0))
    return np.where(ok, tokens, np.nan), ok & at_none


def run_outcome(
    tokens: np.ndarray,
    correct: np.ndarray,
    budget: np.ndarray,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each run's success, cost and validity under a budget (arrays that broadcast together).

    A run made without a cap (``lo = 0``, ``hi = inf``) succeeds when correct and ``L <= b``
    and costs ``min(L, b)``; a run at a level (any other interval) is valid only for budgets in
    ``[lo, hi)`` (``hi = inf`` includes no cap), where it gives its own correctness and tokens.
    Success and cost are 0 where a run is not valid.
    """
    import numpy as np

    tokens = np.asarray(tokens, dtype="float64")
    correct = np.asarray(correct, dtype="float64")
    budget = np.asarray(budget, dtype="float64")
    natural_success = correct * (tokens <= budget)
    natural_cost = np.minimum(tokens, budget)
    if lo is None or hi is None:
        return natural_success, natural_cost, np.ones(np.broadcast(tokens, budget).shape)
    lo, hi = np.asarray(lo, dtype="float64"), np.asarray(hi, dtype="float64")
    natural = (lo <= 0) & np.isinf(hi)
    valid = (lo <= budget) & ((budget < hi) | np.isinf(hi))
    success = np.where(natural, natural_success, correct * valid)
    cost = np.where(natural, natural_cost, tokens * valid)
    return success, cost, valid.astype("float64")


def run_curves(
    tokens: np.ndarray,
    correct: np.ndarray,
    grid: np.ndarray,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each run's success, cost and validity under each budget of ``grid`` (:func:`run_outcome`).

    Returns three arrays of shape ``(n_runs, len(grid))``; a prompt's curves are their sums.
    """
    import numpy as np

    grid = np.asarray(grid, dtype="float64")[None, :]

    def column(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else np.asarray(a, dtype="float64")[:, None]

    return run_outcome(
        np.asarray(tokens, dtype="float64")[:, None],
        np.asarray(correct, dtype="float64")[:, None],
        grid,
        column(lo),
        column(hi),
    )


def hidden_counts(observations: pd.DataFrame) -> np.ndarray:
    """Whether each run's count is hidden reasoning (not visible step-by-step text).

    A run with no ``count_source`` is taken as hidden reasoning (what the router routes).
    """
    import numpy as np

    if "count_source" not in observations:
        return np.ones(len(observations), dtype=bool)
    return (observations["count_source"] != "visible_text").fillna(True).to_numpy(dtype=bool)

"""Offline replay: how a budget policy would have done on logged runs.

For each prompt there are several real runs (reasoning length ``L``, correctness ``c``). A
policy gives each prompt a budget ``B`` (tier none = budget 0). A run made without a cap
succeeds under ``B`` when it was correct and ``L <= B``; it costs ``min(L, B)`` tokens (a run cut
at ``B`` pays ``B`` and fails). A run made at one of its model's levels counts only when ``B``
lands on that level, with its own correctness and tokens (see
:mod:`budgetrouter.train.targets`). Accuracy and tokens are means over the runs that count.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.train.targets import PromptTargets

INF = float("inf")


@dataclass(frozen=True)
class ReplayResult:
    """Replay metrics of one policy on one set of runs.

    Attributes
    ----------
    accuracy
        Mean success over runs.
    mean_tokens
        Mean reasoning tokens paid per run.
    truncation_rate
        Share of runs cut by their budget (``L > B``).
    accuracy_kept
        ``accuracy`` over the always-long accuracy.
    tokens_saved
        ``1 - mean_tokens`` over the always-long mean tokens.
    """

    accuracy: float
    mean_tokens: float
    truncation_rate: float
    accuracy_kept: float
    tokens_saved: float

    def to_dict(self) -> dict[str, float]:
        """Return the metrics as a plain dict."""
        return asdict(self)


def replay(targets: PromptTargets, budgets: np.ndarray) -> ReplayResult:
    """Replay per-prompt budgets on the runs of ``targets``.

    Parameters
    ----------
    targets
        Prompts and their runs.
    budgets
        One budget per prompt, in tokens (``inf`` = no cap, 0 = no thinking).

    Returns
    -------
    ReplayResult
    """
    import numpy as np

    budgets = np.asarray(budgets, dtype="float64")
    if budgets.shape != (targets.n_prompts,):
        raise ValueError(
            f"budgets must have one entry per prompt ({targets.n_prompts}), got {budgets.shape}"
        )
    success, cost, valid = targets.outcomes(budgets)
    n = max(float(valid.sum()), 1.0)
    accuracy = float(success.sum() / n)
    mean_tokens = float(cost.sum() / n)
    top_success, top_cost, top_valid = targets.outcomes(np.full(targets.n_prompts, np.inf))
    n_top = max(float(top_valid.sum()), 1.0)
    base_acc = float(top_success.sum() / n_top)
    base_tokens = float(top_cost.sum() / n_top)
    cut = (targets.run_tokens > budgets[targets.run_prompt]) & _natural(targets)
    return ReplayResult(
        accuracy=accuracy,
        mean_tokens=mean_tokens,
        truncation_rate=float((cut * valid).sum() / n),
        accuracy_kept=accuracy / base_acc if base_acc > 0 else 1.0,
        tokens_saved=1.0 - mean_tokens / base_tokens if base_tokens > 0 else 0.0,
    )


def _natural(targets: PromptTargets) -> np.ndarray:
    """Which runs were made without a cap (the others are runs at a model's level)."""
    import numpy as np

    if targets.run_lo is None or targets.run_hi is None:
        return np.ones(len(targets.run_tokens), dtype=bool)
    return (targets.run_lo <= 0) & np.isinf(targets.run_hi)


def candidate_budgets(targets: PromptTargets, n: int = 64) -> np.ndarray:
    """Budgets worth trying as one budget for every prompt.

    0, ``n`` quantiles of the lengths of the runs made without a cap, every level's lowest
    budget, and no cap.
    """
    import numpy as np

    natural = _natural(targets)
    lengths = targets.run_tokens[natural]
    qs = np.quantile(lengths, np.linspace(0, 1, n)) if len(lengths) else np.array([])
    starts = targets.run_lo[~natural] if targets.run_lo is not None else np.array([])
    return np.unique(np.r_[0.0, qs, starts[starts >= 0], np.inf])


def fixed_budget_for(targets: PromptTargets, accuracy_kept: float) -> tuple[float, ReplayResult]:
    """The smallest single budget, used for every prompt, that keeps ``accuracy_kept``.

    Parameters
    ----------
    targets
        Prompts and their runs.
    accuracy_kept
        Share of the always-long accuracy to keep, in (0, 1].

    Returns
    -------
    budget, result
        The budget (tokens; one of the runs' lengths, or 0) and its replay.
    """
    import numpy as np

    if targets.leveled:
        # Runs at levels: try the candidate budgets (exact for levels, a fine grid otherwise).
        for budget in candidate_budgets(targets, 256):
            result = replay(targets, np.full(targets.n_prompts, budget))
            if result.accuracy_kept >= accuracy_kept - 1e-9:
                return float(budget), result
        return math.inf, replay(targets, np.full(targets.n_prompts, math.inf))
    tokens, correct = targets.run_tokens, targets.run_correct
    need = accuracy_kept * float(np.sum(correct))
    order = np.argsort(tokens, kind="stable")
    # Successes gained as the budget passes each run length; ties resolved at their length.
    cum = np.cumsum(correct[order])
    lengths = tokens[order]
    last_of_tie = np.r_[lengths[1:] != lengths[:-1], True]
    cand_len, cand_succ = lengths[last_of_tie], cum[last_of_tie]
    cand_len = np.r_[0.0, cand_len] if cand_len[0] > 0 else cand_len
    cand_succ = np.r_[0.0, cand_succ] if len(cand_succ) < len(cand_len) else cand_succ
    idx = int(np.searchsorted(cand_succ, need - 1e-9 * max(1.0, need), side="left"))
    budget = float(cand_len[min(idx, len(cand_len) - 1)])
    return budget, replay(targets, np.full(targets.n_prompts, budget))


def oracle_budgets(targets: PromptTargets, accuracy_kept: float = 1.0) -> np.ndarray:
    """Per-prompt budgets of an oracle that knows every run's outcome.

    The oracle picks, for each prompt, a budget among 0 and the lengths of its correct runs,
    so as to reach ``accuracy_kept`` of the always-long accuracy at the fewest tokens
    (a Lagrangian choice, then a greedy fill between the two prices that bracket the
    target). With ``accuracy_kept=1`` (in (0, 1], as for :func:`fixed_budget_for`) it gives
    each solved prompt its longest correct run's length and each unsolved prompt budget 0.
    Returns one budget per prompt of ``targets``.
    """
    import numpy as np

    if targets.leveled:
        return _oracle_on_candidates(targets, accuracy_kept)
    p, tokens, correct = targets.run_prompt, targets.run_tokens, targets.run_correct
    n = targets.n_prompts
    order = np.lexsort((tokens, p))
    p_s, t_s, c_s = p[order], tokens[order], correct[order]
    # Candidate budgets: each run length, taken at the last run of a tie within a prompt.
    first = np.r_[0, np.flatnonzero(np.diff(p_s)) + 1]
    n_runs = np.diff(np.r_[first, len(p_s)])
    first_of = np.repeat(first, n_runs)
    before_c = np.r_[0.0, np.cumsum(c_s)][first_of]
    before_t = np.r_[0.0, np.cumsum(t_s)][first_of]
    succ = np.cumsum(c_s) - before_c  # successes of the prompt's runs with L <= t_s[i]
    longer = np.repeat(first + n_runs, n_runs) - np.arange(len(p_s)) - 1
    cost = np.cumsum(t_s) - before_t + longer * t_s  # sum of min(L, t_s[i]) over the prompt
    last_of_tie = np.r_[(p_s[1:] != p_s[:-1]) | (t_s[1:] != t_s[:-1]), True]
    p_c, t_c, succ_c, cost_c = (
        p_s[last_of_tie],
        t_s[last_of_tie],
        succ[last_of_tie],
        cost[last_of_tie],
    )

    def choose(price: float) -> tuple[np.ndarray, float]:
        gain = succ_c - price * cost_c
        best_gain = np.zeros(n)  # budget 0 pays nothing; its successes count below
        np.maximum.at(best_gain, p_c, gain)
        wins = (gain >= best_gain[p_c] - 1e-12) & (gain > 1e-12)
        budget = np.full(n, np.inf)
        np.minimum.at(budget, p_c[wins], t_c[wins])  # fewest tokens among the best
        budget[~np.isfinite(budget)] = 0.0
        achieved = float(np.sum(correct * (tokens <= budget[p])))
        return budget, achieved

    need = accuracy_kept * float(np.sum(correct)) - 1e-9
    lo, hi = 0.0, 1.0
    while choose(hi)[1] >= need and hi < 1e6:
        hi *= 10
    for _ in range(50):
        mid = (lo + hi) / 2
        if choose(mid)[1] >= need:
            lo = mid
        else:
            hi = mid
    enough, _ = choose(lo) if lo > 0 else choose(1e-12)
    short, achieved = choose(hi)
    # Between the two prices, upgrade prompts from the cheaper choice to the sufficient one,
    # most successes per token first, until the target is met.
    differ = np.flatnonzero(enough != short)
    if len(differ) and achieved < need:
        run_b_short, run_b_enough = short[p], enough[p]
        gain = np.bincount(p, correct * ((tokens <= run_b_enough) & ~(tokens <= run_b_short)), n)
        extra = np.bincount(
            p, np.minimum(tokens, run_b_enough) - np.minimum(tokens, run_b_short), n
        )
        order = differ[np.argsort(-gain[differ] / np.maximum(extra[differ], 1e-9), kind="stable")]
        upgraded = achieved + np.cumsum(gain[order])
        k = int(np.searchsorted(upgraded, need, side="left")) + 1
        short[order[:k]] = enough[order[:k]]
    else:
        short = enough
    return short


def _oracle_on_candidates(targets: PromptTargets, accuracy_kept: float) -> np.ndarray:
    """The oracle when some runs were made at levels.

    For each prompt, one of :func:`candidate_budgets`, chosen with a price on tokens (a
    Lagrangian choice, the price bisected to the largest that keeps ``accuracy_kept``).
    """
    import numpy as np

    grid = candidate_budgets(targets)
    success, cost = targets.curves(grid)
    n = targets.runs_at(grid)
    success, cost = success / n, cost / n
    weight = n[:, -1]
    need = accuracy_kept * float((success[:, -1] * weight).sum()) - 1e-9

    def choose(price: float) -> np.ndarray:
        return np.argmax(success - price * cost + 1e-12 * np.arange(len(grid))[::-1], axis=1)

    def kept(price: float) -> float:
        rows = np.arange(len(success))
        return float((success[rows, choose(price)] * weight).sum())

    lo, hi = 0.0, 1.0
    while kept(hi) >= need and hi < 1e6:
        hi *= 10
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if kept(mid) >= need else (lo, mid)
    return grid[choose(lo)]

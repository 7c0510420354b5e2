"""What a prompt demands, on one scale: the hidden reasoning of a reasoning model.

Two kinds of count measure reasoning: a reasoning model's hidden thinking (usage fields,
thinking text) and the visible step-by-step text of a model without separate thinking. They
differ in scale (reasoning models think several times longer than a visible chain of thought
on the same prompt), so visible counts are put on the hidden scale by one factor,
:func:`visible_log_ratio`, measured on the prompts that have correct runs of both kinds; a
visible answer with no reasoning stays at 0.

A prompt's demand is read from its *solvers*, one entry per (prompt, model) that answered it
correctly (:class:`Solvers`): the fewest tokens with which that model was correct (0 when it
was correct with thinking off or with no visible reasoning). The success-versus-budget curve
of a prompt is the share of its solvers whose entry fits in the budget, and its demand at
share ``q`` is the smallest budget that keeps that share: one lucky short guess among many
models moves neither. Whether a budget of 0 suffices is only known for solvers that could
answer without reasoning (a model run with thinking off, a visible answer); the share at 0 is
taken among those (a reasoning model that always thinks says nothing about it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Share of a prompt's solvers its demand keeps (the median solver).
DEMAND_SHARE = 0.5


def visible_log_ratio(
    prompt: np.ndarray, hidden: np.ndarray, tokens: np.ndarray, correct: np.ndarray
) -> float:
    """The factor that puts visible counts on the hidden scale, as a ``log1p`` difference.

    The median, over prompts with correct runs of both kinds, of the difference between the
    ``log1p`` of their median correct hidden and visible counts; 0 when no prompt has both.

    Parameters
    ----------
    prompt
        Each run's prompt (any hashable codes), shape ``(n,)``.
    hidden
        Whether each run's count is hidden reasoning, shape ``(n,)``.
    tokens, correct
        Each run's reasoning tokens and correctness, shape ``(n,)``.
    """
    import numpy as np
    import pandas as pd

    ok = np.asarray(correct, dtype="float64") >= 0.5
    frame = pd.DataFrame({"p": prompt, "h": np.asarray(hidden, dtype=bool), "t": tokens})[ok]
    medians = frame.groupby(["p", "h"])["t"].median().unstack()
    if True not in medians or False not in medians:
        return 0.0
    both = medians.dropna()
    if both.empty:
        return 0.0
    return float(np.median(np.log1p(both[True]) - np.log1p(both[False])))


def to_hidden_scale(
    tokens: np.ndarray, hidden: np.ndarray, log_ratio: float, none_max_tokens: int = 0
) -> np.ndarray:
    """Counts on the hidden scale: visible counts scaled by ``exp(log_ratio)`` in ``log1p``.

    A visible count of at most ``none_max_tokens`` (an answer with no reasoning) stays 0.
    """
    import numpy as np

    tokens = np.asarray(tokens, dtype="float64")
    scaled = np.expm1(np.log1p(tokens) + log_ratio) if log_ratio else tokens
    scaled = np.where(tokens <= none_max_tokens, 0.0, scaled)
    return np.where(np.asarray(hidden, dtype=bool), tokens, scaled)


@dataclass(frozen=True)
class Solvers:
    """One entry per (prompt, model) that answered the prompt correctly.

    Attributes
    ----------
    prompt
        The entry's prompt row, shape ``(m,)``.
    tokens
        The fewest hidden-scale tokens with which the model was correct, shape ``(m,)``.
    zero_known
        Whether the model could have answered with no reasoning (it was run with thinking
        off, its count is visible text, or it was correct with none), shape ``(m,)``.
    """

    prompt: np.ndarray
    tokens: np.ndarray
    zero_known: np.ndarray

    @classmethod
    def from_runs(
        cls,
        run_prompt: np.ndarray,
        run_model: np.ndarray,
        tokens: np.ndarray,
        correct: np.ndarray,
        zero_known: np.ndarray,
    ) -> Solvers:
        """Entries from runs (hidden-scale ``tokens``; ``zero_known`` per run)."""
        import numpy as np
        import pandas as pd

        ok = np.asarray(correct, dtype="float64") >= 0.5
        tokens = np.asarray(tokens, dtype="float64")
        # a run correct with no reasoning shows that none suffices, whatever its model
        zero = np.asarray(zero_known, dtype=bool) | (tokens <= 0)
        frame = pd.DataFrame({"p": run_prompt, "m": run_model, "t": tokens, "z": zero})[ok]
        per = frame.groupby(["p", "m"], sort=True).agg(t=("t", "min"), z=("z", "any"))
        keys = per.index.get_level_values(0).to_numpy(dtype="int64")
        return cls(keys, per["t"].to_numpy(dtype="float64"), per["z"].to_numpy(dtype=bool))

    def take(self, remap: np.ndarray) -> Solvers:
        """The entries of the prompts kept by ``remap`` (old row -> new row, ``-1`` dropped)."""
        keep = remap[self.prompt] >= 0
        return Solvers(remap[self.prompt[keep]], self.tokens[keep], self.zero_known[keep])

    def shares(self, n_prompts: int, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each prompt's share of solvers kept under each budget, and its number of solvers.

        Returns an ``(n_prompts, g)`` array (0 for a prompt no model solved; at budget 0 the
        share among the solvers whose zero is known, 0 when there are none) and the solvers
        per prompt, shape ``(n_prompts,)``.
        """
        import numpy as np

        grid = np.asarray(grid, dtype="float64")
        fits = (self.tokens[:, None] <= grid[None, :]).astype("float64")
        kept = np.zeros((n_prompts, len(grid)))
        np.add.at(kept, self.prompt, fits)
        total = np.bincount(self.prompt, minlength=n_prompts).astype("float64")
        share = kept / np.maximum(total, 1.0)[:, None]
        zero = grid <= 0
        if zero.any():
            known = np.bincount(self.prompt, weights=self.zero_known, minlength=n_prompts)
            at_zero = np.bincount(
                self.prompt, weights=self.zero_known & (self.tokens <= 0), minlength=n_prompts
            )
            share[:, zero] = (at_zero / np.maximum(known, 1.0))[:, None]
        return share, total

    def demand(self, n_prompts: int, share: float = DEMAND_SHARE) -> np.ndarray:
        """The smallest budget (tokens) keeping ``share`` of each prompt's solvers; NaN if none."""
        import numpy as np
        import pandas as pd

        out = np.full(n_prompts, np.nan)
        if len(self.prompt):
            q = pd.Series(self.tokens).groupby(self.prompt).quantile(share, interpolation="lower")
            out[q.index.to_numpy(dtype="int64")] = q.to_numpy()
        return out

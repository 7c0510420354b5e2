"""Replays of many policies on one budget grid, fast enough to sweep.

Calibration replays thousands of (price, margin, cap) points on the same prompts. Every point
gives each prompt one of the grid's budgets, so each run's success, cost and validity under
every grid budget are computed once (:func:`~budgetrouter.train.runs.run_curves`) and a point
is a gather and a sum: :class:`GridReplay` scores it overall and per segment (source and kind
of count) with the figures of :func:`~budgetrouter.train.replay.replay`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.train.targets import PromptTargets


class GridReplay:
    """Each run's outcome under each budget of a grid, for scoring choices of budget.

    Parameters
    ----------
    targets
        Prompts and their runs.
    budgets
        The grid's budgets in tokens as decisions give them (``inf`` = no cap), shape ``(g,)``.
    """

    def __init__(self, targets: PromptTargets, budgets: np.ndarray) -> None:
        import numpy as np

        from budgetrouter.train.runs import run_curves, run_outcome

        success, cost, valid = run_curves(
            targets.run_tokens, targets.run_correct, budgets, targets.run_lo, targets.run_hi
        )
        self.success = success.astype("float32")
        self.cost = cost.astype("float32")
        self.valid = valid.astype("float32")
        self.run_prompt = targets.run_prompt
        segment = (
            targets.prompts["segment"].to_numpy()
            if "segment" in targets.prompts
            else np.zeros(targets.n_prompts)
        )
        codes = np.unique(segment, return_inverse=True)[1]
        self.run_segment = codes[targets.run_prompt]
        self.n_segments = int(codes.max()) + 1 if len(codes) else 0
        top = np.full(len(targets.run_tokens), np.inf)
        s, c, v = run_outcome(
            targets.run_tokens, targets.run_correct, top, targets.run_lo, targets.run_hi
        )
        self._top = (self._sums(s), self._sums(c), self._sums(v))

    def _sums(self, values: np.ndarray) -> np.ndarray:
        """Per-segment sums of a per-run quantity, then the total, shape ``(n_segments + 1,)``."""
        import numpy as np

        per = np.bincount(self.run_segment, weights=values, minlength=self.n_segments)
        return np.r_[per, per.sum()]

    def score(self, chosen: np.ndarray) -> dict[str, float]:
        """Replay figures of one grid position per prompt (``chosen``, shape ``(n_prompts,)``).

        Returns ``accuracy``, ``mean_tokens``, ``accuracy_kept``, ``tokens_saved`` over all
        runs, and ``mean_segment_kept``, ``min_segment_kept`` and ``mean_segment_saved`` over
        the segments (each weighing the same; one with no correct run is left out) when there
        are several.
        """
        import numpy as np

        rows = np.arange(len(self.run_prompt))
        k = np.asarray(chosen)[self.run_prompt]
        s, c, v = (self._sums(a[rows, k]) for a in (self.success, self.cost, self.valid))
        ts, tc, tv = self._top
        n, tn = np.maximum(v, 1.0), np.maximum(tv, 1.0)
        acc, tok = s / n, c / n
        top_acc, top_tok = ts / tn, tc / tn
        kept = np.where(top_acc > 0, acc / np.where(top_acc > 0, top_acc, 1.0), 1.0)
        saved = np.where(top_tok > 0, 1.0 - tok / np.where(top_tok > 0, top_tok, 1.0), 0.0)
        out = {
            "accuracy": float(acc[-1]),
            "mean_tokens": float(tok[-1]),
            "accuracy_kept": float(kept[-1]),
            "tokens_saved": float(saved[-1]),
        }
        if self.n_segments > 1:
            live = top_acc[:-1] > 0  # a segment with no correct run has no accuracy to keep
            live = live if live.any() else np.ones_like(live)
            out["mean_segment_kept"] = float(np.mean(kept[:-1][live]))
            out["min_segment_kept"] = float(np.min(kept[:-1][live]))
            out["mean_segment_saved"] = float(np.mean(saved[:-1][live]))
        return out

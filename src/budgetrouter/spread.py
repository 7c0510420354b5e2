"""Upper quantiles of reasoning spend: a held-out log-residual per option, added to a prediction.

A router's cost models predict the typical reasoning tokens a run spends under each budget or
level (their fit is in ``log1p`` tokens). Training measures, on prompts the models never saw,
the ``q``-quantile of ``log1p(actual) - log1p(predicted)`` per option (split-conformal, one
number per budget or level); :func:`upper` adds it back, so the upper forecast covers a share
``q`` of held-out prompts at that option.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Options with fewer held-out prompts than this take the quantile pooled over all options.
MIN_ROWS = 20


def log_spread(actual: np.ndarray, predicted: np.ndarray, quantile: float) -> list[float]:
    """The held-out upper log-residual of each option (column).

    Parameters
    ----------
    actual, predicted
        Mean reasoning tokens per run, shape ``(n, k)``; ``NaN`` where a prompt has no runs at
        an option.
    quantile
        The upper quantile, in (0, 1).

    Returns
    -------
    list of float
        ``k`` non-negative numbers (an option the models over-predict gets 0: the upper
        forecast is never below the typical one).
    """
    import numpy as np

    a, p = np.asarray(actual, dtype="float64"), np.asarray(predicted, dtype="float64")
    residual = np.log1p(np.maximum(a, 0.0)) - np.log1p(np.maximum(p, 0.0))
    finite = np.isfinite(residual)
    pooled = float(np.quantile(residual[finite], quantile)) if finite.any() else 0.0
    out = []
    for j in range(residual.shape[1]):
        column = residual[finite[:, j], j]
        value = float(np.quantile(column, quantile)) if len(column) >= MIN_ROWS else pooled
        out.append(max(value, 0.0))
    return out


def upper(tokens: np.ndarray, spread: Sequence[float] | np.ndarray) -> np.ndarray:
    """Upper forecasts of ``tokens`` (typical spend) with the ``spread`` of their options.

    Shapes broadcast: ``tokens`` ``(n,)`` with ``spread`` ``(n,)`` (each row's own option), or
    ``(n, k)`` with ``(k,)``.
    """
    import numpy as np

    return np.expm1(np.log1p(np.maximum(tokens, 0.0)) + np.asarray(spread, dtype="float64"))


def upper_tokens(tokens: float, spread: float, budget: float | None = None) -> int | None:
    """One upper forecast in whole tokens, at most ``budget``; ``None`` for a ``NaN`` spread."""
    import math

    if spread != spread:
        return None
    high = math.expm1(math.log1p(max(tokens, 0.0)) + spread)
    return round(high if budget is None else min(high, budget))

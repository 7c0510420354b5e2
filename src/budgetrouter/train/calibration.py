"""Calibration: the price and margin that meet the operator's target on held-out runs.

The policy (:class:`~budgetrouter.policy.TierPolicy`) is replayed at every price of
:data:`PRICES` and margin of :data:`MARGINS` on out-of-family predictions; the cheapest point
that keeps the target share of always-long accuracy (or the most accurate one within a mean
token spend) is kept, with the measured trade-off curve.
:func:`budgetrouter.train.recalibrate.recalibrate` does the same for a trained router on the
operator's own observations.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError
from budgetrouter.policy import TierPolicy

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.config import TrainConfig
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)

PRICES: tuple[float, ...] = (0.0, *(10 ** (-10 + k / 20) for k in range(181)))
MARGINS: tuple[int, ...] = (0, 1)


def tradeoff_curve(
    policy: TierPolicy,
    success: np.ndarray,
    cost: np.ndarray,
    targets: PromptTargets,
    prices: Sequence[float] = PRICES,
    margins: Sequence[int] | None = None,
    caps: Sequence[int | None] | None = None,
) -> list[dict[str, Any]]:
    """Replay the policy at each price (margin and cap): the accuracy-versus-tokens trade-off.

    Parameters
    ----------
    policy
        The policy (its grid, margin, cap and tier settings).
    success, cost
        Held-out predictions for the prompts of ``targets``.
    targets
        The prompts' real runs.
    prices
        Prices to sweep.
    margins, caps
        Margins and caps (grid positions, ``None`` = no cap) to sweep; ``None`` keeps the
        policy's own.

    Returns
    -------
    list of dict
        One entry per (cap, margin, price): ``price``, ``margin_steps``, ``cap_index``,
        ``accuracy``, ``mean_tokens``, ``accuracy_kept``, ``tokens_saved``, and, when the
        prompts come in several segments (source and kind of count), ``mean_segment_kept``,
        ``min_segment_kept`` and ``mean_segment_saved`` (each segment weighing the same)
        (:class:`~budgetrouter.train.grid_replay.GridReplay`).
    """
    import numpy as np

    from budgetrouter.train.grid_replay import GridReplay

    scorer = GridReplay(targets, policy.budgets_at(np.arange(len(policy.grid))))
    out: list[dict[str, Any]] = []
    for cap in (policy.cap_index,) if caps is None else caps:
        for margin in (policy.margin_steps,) if margins is None else margins:
            for price in prices:
                chosen = policy.choose(success, cost, price, margin, cap)
                point = {"price": float(price), "margin_steps": int(margin), "cap_index": cap}
                out.append({**point, **scorer.score(chosen)})
    return out


def cap_candidates(policy: TierPolicy) -> list[int | None]:
    """The caps calibration tries: none, and every long budget of the grid (positions)."""
    short = policy.tiers.short_max_tokens
    return [None, *(i for i, b in enumerate(policy.grid) if short < b < math.inf)]


def calibrate(
    policy: TierPolicy,
    success: np.ndarray,
    cost: np.ndarray,
    targets: PromptTargets,
    *,
    target_accuracy: float | None = 0.99,
    max_mean_tokens: float | None = None,
    margins: Sequence[int] = MARGINS,
) -> TierPolicy:
    """Choose the price, margin and cap that meet the operator's target on held-out predictions.

    With ``target_accuracy``: the (price, margin, cap) that saves the most tokens (on average
    over the prompts' segments, source and kind of count, each weighing the same; overall when
    there is one) whose replay keeps at least that share of always-long accuracy on the same
    average, with no segment more than :data:`SEGMENT_SLACK` below it. The caps tried are none
    and every long budget of the grid (:func:`cap_candidates`): with price 0 a cap is one fixed
    budget for every prompt, so the fixed budgets are among the policies tried.
    With ``max_mean_tokens``: the one with the most accuracy whose mean tokens per run stay
    within it.

    Parameters
    ----------
    policy
        Policy whose grid and tier settings are kept.
    success, cost
        Held-out (out-of-family) predictions for the prompts of ``targets``.
    targets
        The prompts' real runs.
    target_accuracy, max_mean_tokens
        The target; ``max_mean_tokens`` wins when both are given.
    margins
        Safety margins (grid steps) to consider.

    Returns
    -------
    TierPolicy
        The policy with the calibrated price, margin and cap, and the measured trade-off at
        that margin and cap.

    Raises
    ------
    ConfigError
        If nothing reaches the target; the message says what is reachable.
    """
    curve = tradeoff_curve(
        policy, success, cost, targets, PRICES[::2], margins, cap_candidates(policy)
    )
    if max_mean_tokens is not None:
        ok = [p for p in curve if p["mean_tokens"] <= max_mean_tokens]
        if not ok:
            least = min(p["mean_tokens"] for p in curve)
            raise ConfigError(
                f"No price keeps mean reasoning tokens at or below {max_mean_tokens:g}; the "
                f"fewest this router reaches is {least:.1f} per run"
            )
        best = max(ok, key=lambda p: (p["accuracy"], -p["mean_tokens"]))
    else:
        if target_accuracy is None:
            raise ConfigError("give target_accuracy or max_mean_tokens")
        ok = [p for p in curve if _kept(p) >= target_accuracy - 1e-12]
        if not ok:
            most = max(_kept(p) for p in curve)
            raise ConfigError(
                f"No price keeps {target_accuracy:.1%} of always-long accuracy; the most this "
                f"router keeps is {most:.2%}. Lower the target or retrain"
            )
        best = max(ok, key=lambda p: (_saved(p), p["price"]))
    margin, cap = int(best["margin_steps"]), best["cap_index"]
    chosen = [p for p in curve if p["margin_steps"] == margin and p["cap_index"] == cap]
    return policy.with_calibration(best["price"], margin, chosen, cap)


#: How far below the accuracy target one segment (source and kind of count) may fall while the
#: segments on average meet it (98% on average, none below 96%).
SEGMENT_SLACK = 0.02


def _saved(point: dict[str, Any]) -> float:
    """The tokens saved calibration maximises: on average over segments, as the target."""
    return float(point.get("mean_segment_saved", point["tokens_saved"]))


def _kept(point: dict[str, Any]) -> float:
    """The accuracy kept that calibration holds to the target (see :func:`calibrate`)."""
    return min(
        point.get("mean_segment_kept", point["accuracy_kept"]),
        point.get("min_segment_kept", 1.0) + SEGMENT_SLACK,
    )


def budget_grid(config: TrainConfig) -> np.ndarray:
    """The candidate budgets of a configuration plus the uncapped option (``inf``)."""
    import numpy as np

    return np.array([*map(float, config.budget_grid), math.inf])


def base_policy(config: TrainConfig) -> TierPolicy:
    """The uncalibrated policy of a configuration (its grid and tiers, no price yet)."""
    return TierPolicy(grid=tuple(budget_grid(config)), price=0.0, tiers=config.tiers)


def calibrate_for(
    config: TrainConfig, success: np.ndarray, cost: np.ndarray, targets: PromptTargets
) -> TierPolicy:
    """:func:`calibrate` the base policy of ``config`` to the target it states."""
    return calibrate(
        base_policy(config),
        success,
        cost,
        targets,
        target_accuracy=config.target_accuracy,
        max_mean_tokens=config.max_mean_tokens,
    )

"""Tiers, the budget policy, and its calibration to an operator's target.

The policy sees, for each prompt, the predicted success rate ``s_b`` and mean tokens paid
``c_b`` under every candidate budget ``b`` of a grid, and picks the budget that maximises
``s_b - price * c_b``: expected success minus a price per reasoning token. The price is
calibrated on held-out predictions so that the replay meets the operator's target (keep a share
of always-long accuracy, or stay under a mean token spend) at the fewest tokens.

The chosen budget names the tier: 0 is **none**, up to ``short_max_tokens`` is **short**, and
above that is **long** (no cap for the grid's uncapped option, unless ``long_cap_tokens``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from budgetrouter.config import TIER_NAMES
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.targets import PromptTargets


@dataclass(frozen=True)
class Tier:
    """A thinking tier and its token budget.

    Attributes
    ----------
    name
        ``"none"``, ``"short"`` or ``"long"``.
    budget_tokens
        Reasoning-token budget; 0 for none, ``None`` for no cap.
    """

    name: str
    budget_tokens: int | None

    def __post_init__(self) -> None:
        if self.name not in TIER_NAMES:
            raise ConfigError(f"Unknown tier {self.name!r}. Available: {list(TIER_NAMES)}")


@dataclass(frozen=True)
class TierPolicy:
    """Pick a budget per prompt from predicted success and cost curves.

    Parameters
    ----------
    grid
        Candidate budgets in tokens, increasing; ``0`` is tier none and ``inf`` no cap.
    price
        Price of one reasoning token in units of expected success.
    margin_steps
        Safety margin: a non-zero choice is raised by this many grid steps. The success model
        flattens where long correct runs are rare, so the cheapest budget on its plateau
        tends to cut the tail; calibration picks the margin with the price.
    short_max_tokens
        Largest budget reported as tier short.
    long_cap_tokens
        Budget given for the grid's uncapped option (``None`` = no cap).
    tradeoff
        The calibration's measured trade-off (price, accuracy kept, tokens saved), for the
        record.
    """

    grid: tuple[float, ...]
    price: float
    margin_steps: int = 0
    short_max_tokens: int = 1024
    long_cap_tokens: int | None = None
    tradeoff: tuple[dict[str, float], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.grid or list(self.grid) != sorted(set(self.grid)) or self.grid[0] != 0:
            raise ConfigError(f"grid must increase from 0, got {list(self.grid)!r}")
        if not (math.isfinite(self.price) and self.price >= 0):
            raise ConfigError(f"price must be a non-negative number, got {self.price!r}")
        if not isinstance(self.margin_steps, int) or self.margin_steps < 0:
            raise ConfigError(
                f"margin_steps must be a non-negative integer, got {self.margin_steps!r}"
            )

    def choose(
        self,
        success: np.ndarray,
        cost: np.ndarray,
        price: float | None = None,
        margin_steps: int | None = None,
    ) -> np.ndarray:
        """Index into the grid of the chosen budget for each prompt.

        Parameters
        ----------
        success, cost
            Predicted success rate and mean tokens, shape ``(n, len(grid))``.
        price, margin_steps
            Override the calibrated values (used while calibrating).
        """
        import numpy as np

        lam = self.price if price is None else price
        margin = self.margin_steps if margin_steps is None else margin_steps
        last = len(self.grid) - 1
        if lam <= 0:  # no price on tokens: the largest budget (always long)
            return np.full(len(success), last)
        idx = np.argmax(success - lam * cost, axis=1)
        return np.where(idx > 0, np.minimum(idx + margin, last), 0)

    def budgets(
        self,
        success: np.ndarray,
        cost: np.ndarray,
        price: float | None = None,
        margin_steps: int | None = None,
    ) -> np.ndarray:
        """Chosen budget per prompt in tokens, as decisions give it.

        The grid's uncapped option is ``long_cap_tokens`` when set, else ``inf`` (no cap).
        """
        import numpy as np

        budgets = np.asarray(self.grid)[self.choose(success, cost, price, margin_steps)]
        if self.long_cap_tokens is None:
            return budgets
        return np.where(np.isinf(budgets), float(self.long_cap_tokens), budgets)

    def tier(self, budget: float) -> Tier:
        """The tier (with its budget in tokens) for a chosen grid budget."""
        if budget <= 0:
            return Tier("none", 0)
        if math.isinf(budget):
            return Tier("long", self.long_cap_tokens)
        name = "short" if budget <= self.short_max_tokens else "long"
        return Tier(name, int(budget))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``inf`` written as ``null``)."""
        return {
            "grid": [None if math.isinf(b) else int(b) for b in self.grid],
            "price": self.price,
            "margin_steps": self.margin_steps,
            "short_max_tokens": self.short_max_tokens,
            "long_cap_tokens": self.long_cap_tokens,
            "tradeoff": list(self.tradeoff),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierPolicy:
        """Inverse of :meth:`to_dict`."""
        return cls(
            grid=tuple(math.inf if b is None else float(b) for b in data["grid"]),
            price=float(data["price"]),
            margin_steps=int(data["margin_steps"]),
            short_max_tokens=int(data["short_max_tokens"]),
            long_cap_tokens=data["long_cap_tokens"],
            tradeoff=tuple(data.get("tradeoff", ())),
        )


PRICES: tuple[float, ...] = (0.0, *(10 ** (-10 + k / 20) for k in range(181)))
MARGINS: tuple[int, ...] = (0, 1, 2, 3)


def tradeoff_curve(
    policy: TierPolicy,
    success: np.ndarray,
    cost: np.ndarray,
    targets: PromptTargets,
    prices: Sequence[float] = PRICES,
    margins: Sequence[int] | None = None,
) -> list[dict[str, float]]:
    """Replay the policy at each price (and margin): the accuracy-versus-tokens trade-off.

    Parameters
    ----------
    policy
        The policy (its grid, margin and tier settings).
    success, cost
        Held-out predictions for the prompts of ``targets``.
    targets
        The prompts' real runs.
    prices
        Prices to sweep.
    margins
        Margins to sweep; ``None`` keeps the policy's own.

    Returns
    -------
    list of dict
        One entry per (margin, price): ``price``, ``margin_steps``, ``accuracy``,
        ``mean_tokens``, ``accuracy_kept``, ``tokens_saved``.
    """
    from budgetrouter.replay import replay

    out = []
    for margin in (policy.margin_steps,) if margins is None else margins:
        for lam in prices:
            r = replay(targets, policy.budgets(success, cost, lam, margin))
            out.append(
                {
                    "price": float(lam),
                    "margin_steps": int(margin),
                    "accuracy": r.accuracy,
                    "mean_tokens": r.mean_tokens,
                    "accuracy_kept": r.accuracy_kept,
                    "tokens_saved": r.tokens_saved,
                }
            )
    return out


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
    """Choose the price and margin that meet the operator's target on held-out predictions.

    With ``target_accuracy``: the (price, margin) with the fewest tokens whose replay keeps at
    least that share of always-long accuracy. With ``max_mean_tokens``: the one with the most
    accuracy whose mean tokens per run stay within it.

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
        The policy with the calibrated price and margin, and the measured trade-off at that
        margin.

    Raises
    ------
    ConfigError
        If nothing reaches the target; the message says what is reachable.
    """
    curve = tradeoff_curve(policy, success, cost, targets, margins=margins)
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
        ok = [p for p in curve if p["accuracy_kept"] >= target_accuracy - 1e-12]
        if not ok:
            most = max(p["accuracy_kept"] for p in curve)
            raise ConfigError(
                f"No price keeps {target_accuracy:.1%} of always-long accuracy; the most this "
                f"router keeps is {most:.2%}. Lower the target or retrain"
            )
        best = max(ok, key=lambda p: (p["tokens_saved"], p["price"]))
    margin = int(best["margin_steps"])
    return TierPolicy(
        grid=policy.grid,
        price=best["price"],
        margin_steps=margin,
        short_max_tokens=policy.short_max_tokens,
        long_cap_tokens=policy.long_cap_tokens,
        tradeoff=tuple(p for p in curve if p["margin_steps"] == margin),
    )

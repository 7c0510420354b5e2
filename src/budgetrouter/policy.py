"""The budget policy: one budget per prompt from its predicted success and cost curves.

The policy sees, for each prompt, the predicted success rate ``s_b`` and mean tokens paid
``c_b`` under every candidate budget ``b`` of a grid, and picks the budget that maximises
``s_b - price * c_b``: expected success minus a price per reasoning token. The price and a
safety margin are calibrated at training time (:mod:`budgetrouter.train.calibration`).

The chosen budget names the tier by the bundle's :class:`~budgetrouter.decision.TierRules`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_int
from budgetrouter.decision import Tier, TierRules
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np


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
    tiers
        The tier thresholds (largest short budget; the budget given for the grid's uncapped
        option, ``None`` = no cap).
    tradeoff
        The calibration's measured trade-off (price, accuracy kept, tokens saved), for the
        record.
    cost_spread
        Per grid budget, the held-out upper log-residual of the cost model
        (:func:`budgetrouter.spread.log_spread`); ``()`` when training measured none.
    cap_index
        The largest grid position a decision may take (``None``: the last, no cap). Like the
        price, calibrated: one global cap under the per-prompt choice keeps every fixed budget
        within the policies calibration tries.
    """

    grid: tuple[float, ...]
    price: float
    margin_steps: int = 0
    tiers: TierRules = field(default_factory=TierRules)
    tradeoff: tuple[dict[str, float], ...] = field(default=(), compare=False)
    cost_spread: tuple[float, ...] = field(default=(), compare=False)
    cap_index: int | None = None

    def __post_init__(self) -> None:
        if not self.grid or list(self.grid) != sorted(set(self.grid)) or self.grid[0] != 0:
            raise ConfigError(f"grid must increase from 0, got {list(self.grid)!r}")
        if not (math.isfinite(self.price) and self.price >= 0):
            raise ConfigError(f"price must be a non-negative number, got {self.price!r}")
        if not isinstance(self.margin_steps, int) or self.margin_steps < 0:
            raise ConfigError(
                f"margin_steps must be a non-negative integer, got {self.margin_steps!r}"
            )
        if self.cap_index is not None:
            if not is_int(self.cap_index) or not 0 < int(self.cap_index) < len(self.grid):
                raise ConfigError(
                    f"cap_index must be None or a grid position in 1..{len(self.grid) - 1} "
                    f"(an integer), got {self.cap_index!r}"
                )
            object.__setattr__(self, "cap_index", int(self.cap_index))

    def choose(
        self,
        success: np.ndarray,
        cost: np.ndarray,
        price: float | None = None,
        margin_steps: int | None = None,
        cap_index: int | None = -1,
    ) -> np.ndarray:
        """Index into the grid of the chosen budget for each prompt.

        Parameters
        ----------
        success, cost
            Predicted success rate and mean tokens, shape ``(n, len(grid))``.
        price, margin_steps, cap_index
            Override the calibrated values (used while calibrating; ``cap_index=-1`` keeps the
            policy's own, ``None`` is no cap).
        """
        import numpy as np

        price = self.price if price is None else price
        margin = self.margin_steps if margin_steps is None else margin_steps
        cap = self.cap_index if cap_index == -1 else cap_index
        last = len(self.grid) - 1 if cap is None else cap
        if price <= 0:  # no price on tokens: the largest budget (always long)
            return np.full(len(success), last)
        idx = np.argmax(success - price * cost, axis=1)
        return np.where(idx > 0, np.minimum(idx + margin, last), 0)

    def budgets(
        self,
        success: np.ndarray,
        cost: np.ndarray,
        price: float | None = None,
        margin_steps: int | None = None,
        cap_index: int | None = -1,
    ) -> np.ndarray:
        """Chosen budget per prompt in tokens, as decisions give it (arguments as :meth:`choose`).

        The grid's uncapped option is the long cap when set, else ``inf`` (no cap).
        """
        return self.budgets_at(self.choose(success, cost, price, margin_steps, cap_index))

    def budgets_at(self, chosen: np.ndarray) -> np.ndarray:
        """The budgets (tokens, as decisions give them) at grid positions ``chosen``."""
        import numpy as np

        return self.tiers.cap(np.asarray(self.grid)[chosen])

    def tier(self, budget: float) -> Tier:
        """The tier (with its budget in tokens) for a chosen budget."""
        return self.tiers.tier(budget)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``inf`` written as ``null``)."""
        return {
            "grid": [None if math.isinf(b) else int(b) for b in self.grid],
            "price": self.price,
            "margin_steps": self.margin_steps,
            **self.tiers.to_dict(),
            "tradeoff": list(self.tradeoff),
            "cost_spread": list(self.cost_spread),
            "cap_index": self.cap_index,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierPolicy:
        """Inverse of :meth:`to_dict`."""
        return cls(
            grid=tuple(math.inf if b is None else float(b) for b in data["grid"]),
            price=float(data["price"]),
            margin_steps=int(data["margin_steps"]),
            tiers=TierRules.from_dict(data),
            tradeoff=tuple(data.get("tradeoff", ())),
            cost_spread=tuple(float(x) for x in data.get("cost_spread", ())),
            cap_index=data.get("cap_index"),
        )

    def with_calibration(
        self,
        price: float,
        margin_steps: int,
        tradeoff: Sequence[dict[str, float]] = (),
        cap_index: int | None = None,
    ) -> TierPolicy:
        """The same grid and tiers with a new price, margin, cap and measured trade-off."""
        return TierPolicy(
            self.grid,
            price,
            margin_steps,
            self.tiers,
            tuple(tradeoff),
            self.cost_spread,
            cap_index,
        )

    def with_spread(self, spread: Sequence[float]) -> TierPolicy:
        """The same policy with the cost model's held-out spread per grid budget."""
        if len(spread) != len(self.grid):
            raise ConfigError(
                f"need one spread per grid budget ({len(self.grid)}), got {len(spread)}"
            )
        return replace(self, cost_spread=tuple(float(x) for x in spread))

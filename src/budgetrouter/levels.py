"""A model's own thinking levels, and how a decision lands on them.

Providers steer thinking in one of three ways: a token budget (0 = thinking off), a named
reasoning effort, or thinking on/off. :class:`ModelLevels` lists the levels one model was run
at (lowest first) and maps a tier decision onto them the way a provider receives it:

* budget models: the largest level at or below the budget, at least the smallest thinking-on
  level; thinking off for tier none; the top level for no cap;
* effort models: tier none -> the lowest effort, short -> the middle one (the lower of two),
  long -> the highest (:func:`~budgetrouter.decision.effort_for_tier`);
* on/off models: off for tier none, on otherwise.

The same mapping replays decisions on logged runs (:mod:`budgetrouter.train.level_runs`) and turns
a model-aware choice of level back into a :class:`~budgetrouter.decision.Decision`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from budgetrouter.decision import EFFORTS, TierRules, check_tier, effort_for_tier
from budgetrouter.errors import ConfigError

__all__ = ["CONTROLS", "EFFORTS", "Level", "ModelLevels"]
#: How a model's thinking is steered.
CONTROLS: tuple[str, ...] = ("budget", "effort", "on_off")


@dataclass(frozen=True)
class Level:
    """One setting a model can be called at.

    Attributes
    ----------
    label
        The setting's name (``low_effort``, ``budget1024``, ``no_think``); not part of the
        level's identity (two sources may name the same setting differently).
    budget
        Thinking budget in tokens (0 = thinking off), or ``None``.
    effort
        Reasoning-effort level, or ``None``.
    """

    label: str = field(compare=False)
    budget: int | None = None
    effort: str | None = None

    @property
    def off(self) -> bool:
        """Whether thinking is off at this level."""
        return self.budget == 0

    def sort_key(self) -> tuple[int, float]:
        """Lowest first: off, then budgets by size, efforts by :data:`EFFORTS`, then natural."""
        if self.off:
            return (0, 0.0)
        if self.budget is not None:
            return (1, float(self.budget))
        if self.effort is not None:
            return (2, float(EFFORTS.index(self.effort)))
        return (3, 0.0)


@dataclass(frozen=True)
class ModelLevels:
    """The levels of one model, lowest first, and its control.

    Parameters
    ----------
    model
        The model's name as callers pass it (``o4-mini``).
    levels
        Its levels, lowest first (at least two).

    Raises
    ------
    ConfigError
        With fewer than two levels, levels out of order, or a mix of budgets and efforts.
    """

    model: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ConfigError(f"{self.model}: a model needs at least two levels to choose from")
        if list(self.levels) != sorted(self.levels, key=Level.sort_key):
            raise ConfigError(f"{self.model}: levels must be given lowest first")
        on = [lv for lv in self.levels if not lv.off]
        kinds = {"budget" if lv.budget else "effort" if lv.effort else "on" for lv in on}
        if len(kinds) > 1:
            raise ConfigError(
                f"{self.model}: levels mix {sorted(kinds)}; a model is steered by a budget, an "
                "effort level or thinking on/off, so give each control its own model name"
            )

    @property
    def control(self) -> str:
        """``"budget"``, ``"effort"`` or ``"on_off"``."""
        top = self.levels[-1]
        return "budget" if top.budget else "effort" if top.effort else "on_off"

    @property
    def top(self) -> int:
        """Index of the top level (what a no-cap long decision sends)."""
        return len(self.levels) - 1

    def index_for(self, tier: str, budget: float | None) -> int:
        """The level a tier decision lands on (see the module docstring).

        Parameters
        ----------
        tier
            ``"none"``, ``"short"`` or ``"long"``.
        budget
            The decision's budget in tokens (``None`` or ``inf`` = no cap).
        """
        check_tier(tier)
        first_on = 1 if self.levels[0].off else 0
        if tier == "none":
            return 0
        if self.control == "on_off":
            return self.top
        if self.control == "effort":
            efforts = [lv.effort or "" for lv in self.levels[first_on:]]
            return first_on + efforts.index(effort_for_tier(tier, efforts))
        if budget is None or math.isinf(budget):
            return self.top
        k = first_on
        for i in range(first_on, len(self.levels)):
            if (self.levels[i].budget or 0) <= budget:
                k = i
        return k

    def landing(self, tier: str, budget: float | None, effort: str | None = None) -> int:
        """The level a decision lands on.

        Its own ``effort`` when this model has that level, else :meth:`index_for` its tier and
        budget.
        """
        for i, level in enumerate(self.levels):
            if effort is not None and level.effort == effort:
                return i
        return self.index_for(tier, budget)

    def decision_parts(self, index: int, rules: TierRules) -> tuple[str, int | None, str | None]:
        """The tier, budget and effort that ask this model for level ``index``.

        Budget levels give their budget (its tier by ``rules``); effort levels give the tier
        that maps to them (lowest = none, highest = long, between = short) with the effort;
        on/off levels give none or long with no cap.
        """
        level = self.levels[index]
        if level.off:
            return "none", 0, None
        if level.budget:
            return rules.tier(level.budget).name, level.budget, None
        if level.effort:
            tier = "none" if index == 0 else "long" if index == self.top else "short"
            return tier, rules.budget(tier), level.effort
        return "long", rules.long_cap_tokens, None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "control": self.control,
            "levels": [
                {"label": lv.label, "budget": lv.budget, "effort": lv.effort} for lv in self.levels
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelLevels:
        """Inverse of :meth:`to_dict`."""
        return cls(
            model=str(data["model"]),
            levels=tuple(
                Level(str(lv["label"]), lv.get("budget"), lv.get("effort")) for lv in data["levels"]
            ),
        )

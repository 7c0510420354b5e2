"""What a tier means: the one home of tier names, budgets, fallback, escalation and effort.

A :class:`Decision` says how much one prompt should think. :class:`TierRules` holds a bundle's
tier thresholds (the largest short budget and the long cap) and derives everything else from
them: the tier a budget falls in, the budget a tier gives when nothing was predicted (the
fail-safe fallback), the next tier up for a run cut off while thinking, and the effort level a
tier maps to on an effort-steered model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_int, is_number
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

TIER_NAMES: tuple[str, ...] = ("none", "short", "long")
#: Reasoning-effort levels, lowest first (the providers' own names).
EFFORTS: tuple[str, ...] = ("none", "minimal", "low", "medium", "high", "xhigh")


@dataclass(frozen=True)
class Decision:
    """How much a prompt should think.

    Attributes
    ----------
    tier
        ``"none"``, ``"short"`` or ``"long"``.
    budget_tokens
        Reasoning-token budget: 0 for none, ``None`` for no cap.
    predicted_tokens
        Median prediction of the reasoning tokens the prompt needs (``None`` on fallback).
    predicted_tokens_upper
        Upper-quantile prediction of the same (the bundle's ``upper_quantile``, 0.9 by
        default; ``None`` on fallback).
    p_no_thinking
        Probability that the prompt is solved with no thinking (``None`` on fallback).
    fallback
        True when the router could not route the prompt and returned its fallback tier.
    bundle_version
        Content digest of the bundle that decided.
    effort
        The reasoning-effort level to send, in the model's own values, when the decision was
        made for an effort-steered model (``None`` otherwise: the tier maps to an effort by
        :func:`effort_for_tier`).
    model
        The model the decision was asked for (``None``: model-agnostic).
    model_aware
        True when the decision was calibrated for ``model`` on its own levels; False for the
        model-agnostic decision (no model given, or a model the bundle does not know).
    expected_tokens, expected_tokens_top
        Predicted reasoning tokens of a run under this decision, and at the top level (the
        model's highest setting; no cap for model-agnostic decisions): the typical run.
        ``None`` on fallback.
    expected_tokens_upper, expected_tokens_top_upper
        Upper forecasts of the same (the bundle's ``upper_quantile`` of held-out prompts spent
        no more; :mod:`budgetrouter.spread`). ``None`` on fallback, or for a bundle trained
        without them.
    """

    tier: str
    budget_tokens: int | None
    predicted_tokens: int | None
    predicted_tokens_upper: int | None
    p_no_thinking: float | None
    fallback: bool
    bundle_version: str
    effort: str | None = None
    model: str | None = None
    model_aware: bool = False
    expected_tokens: int | None = None
    expected_tokens_top: int | None = None
    expected_tokens_upper: int | None = None
    expected_tokens_top_upper: int | None = None

    def __post_init__(self) -> None:
        check_tier(self.tier)
        _check_budget(self.tier, self.budget_tokens)
        if not isinstance(self.fallback, bool):
            raise ConfigError(f"fallback must be True or False, got {self.fallback!r}")
        if self.effort is not None and self.effort not in EFFORTS:
            raise ConfigError(f"effort must be one of {list(EFFORTS)} or None, got {self.effort!r}")
        if self.model is not None and not (isinstance(self.model, str) and self.model.strip()):
            raise ConfigError(f"model must be a non-empty string or None, got {self.model!r}")
        if not isinstance(self.model_aware, bool):
            raise ConfigError(f"model_aware must be True or False, got {self.model_aware!r}")

    @property
    def no_thinking(self) -> bool:
        """Whether the decision turns thinking off (tier none)."""
        return self.tier == "none"

    def to_dict(self) -> dict[str, Any]:
        """The decision as a JSON-ready dict."""
        return asdict(self)


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
        check_tier(self.name)
        _check_budget(self.name, self.budget_tokens)


def _check_budget(tier: str, budget: object) -> None:
    """A tier's budget: 0 for none; a positive integer, or ``None`` (no cap) for the others."""
    if tier == "none":
        ok = budget == 0 and is_int(budget)
    else:
        ok = budget is None or (is_int(budget) and budget > 0)  # type: ignore[operator]
    if not ok:
        need = "0" if tier == "none" else "a positive integer or None (no cap)"
        raise ConfigError(f"tier {tier!r} needs budget_tokens {need}, got {budget!r}")


def check_tier(name: object) -> str:
    """Return ``name`` if it is a tier name.

    Raises
    ------
    ConfigError
        If it is not one of :data:`TIER_NAMES`.
    """
    if name not in TIER_NAMES:
        raise ConfigError(f"Unknown tier {name!r}. Available: {list(TIER_NAMES)}")
    return str(name)


@dataclass(frozen=True)
class TierRules:
    """A bundle's tier thresholds and every rule derived from them.

    Parameters
    ----------
    short_max_tokens
        Largest budget reported as tier short; larger budgets are tier long.
    long_cap_tokens
        Budget of an uncapped long decision (``None`` = no cap).
    """

    short_max_tokens: int = 1024
    long_cap_tokens: int | None = None

    def __post_init__(self) -> None:
        if not is_int(self.short_max_tokens) or self.short_max_tokens <= 0:
            raise ConfigError(
                f"short_max_tokens must be a positive integer, got {self.short_max_tokens!r}"
            )
        if self.long_cap_tokens is not None and (
            not is_int(self.long_cap_tokens) or self.long_cap_tokens <= self.short_max_tokens
        ):
            raise ConfigError(
                "long_cap_tokens must be None (no cap) or an integer above short_max_tokens "
                f"({self.short_max_tokens}), got {self.long_cap_tokens!r}"
            )

    def tier(self, budget: float) -> Tier:
        """The tier of a chosen budget in tokens (``inf`` = the uncapped option).

        A fractional budget is rounded up; a budget above the long cap is the cap.

        Raises
        ------
        ConfigError
            If ``budget`` is not a number (NaN included).
        """
        if not (is_number(budget) or budget == math.inf):
            raise ConfigError(f"a budget must be a number of tokens or inf, got {budget!r}")
        if budget <= 0:
            return Tier("none", 0)
        cap = self.long_cap_tokens
        if budget == math.inf or (cap is not None and budget >= cap):
            return Tier("long", cap)
        tokens = math.ceil(budget)
        return Tier("short" if tokens <= self.short_max_tokens else "long", tokens)

    def budget(self, tier: str) -> int | None:
        """The budget a tier gives when no prediction picked one (0, the short maximum, the cap).

        Raises
        ------
        ConfigError
            For an unknown tier name.
        """
        check_tier(tier)
        if tier == "none":
            return 0
        return self.short_max_tokens if tier == "short" else self.long_cap_tokens

    def fallback(self, tier: str, bundle_version: str) -> Decision:
        """The flagged decision returned when a prompt cannot be routed."""
        return Decision(
            tier=tier,
            budget_tokens=self.budget(tier),
            predicted_tokens=None,
            predicted_tokens_upper=None,
            p_no_thinking=None,
            fallback=True,
            bundle_version=bundle_version,
        )

    def cap(self, budgets: np.ndarray) -> np.ndarray:
        """Budgets as decisions give them: the uncapped option (``inf``) becomes the long cap."""
        import numpy as np

        cap = self.long_cap_tokens
        return budgets if cap is None else np.where(np.isinf(budgets), float(cap), budgets)

    def to_dict(self) -> dict[str, int | None]:
        """The thresholds as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierRules:
        """Inverse of :meth:`to_dict`."""
        return cls(data["short_max_tokens"], data["long_cap_tokens"])

    def escalate(self, decision: Decision) -> Decision | None:
        """The next tier up for a run cut off while thinking, or ``None`` at the top.

        none -> short at ``short_max_tokens``; short, or long below the cap -> long at
        ``long_cap_tokens`` (no cap when ``None``).

        Raises
        ------
        ConfigError
            If ``decision`` is not a :class:`Decision`.
        """
        if not isinstance(decision, Decision):
            raise ConfigError(
                f"escalate takes a Decision (from Router.route), got {type(decision).__name__}"
            )
        if decision.tier == "none":
            return replace(decision, tier="short", budget_tokens=self.short_max_tokens)
        cap = self.long_cap_tokens
        if decision.budget_tokens is None or (cap is not None and decision.budget_tokens >= cap):
            return None
        return replace(decision, tier="long", budget_tokens=cap)


def effort_for_tier(tier: str, levels: Sequence[str]) -> str:
    """The effort level a tier maps to, among a model's levels (lowest first).

    none -> the lowest level, short -> the middle one (the lower of the two middle ones when
    there is an even number), long -> the highest.

    Raises
    ------
    ConfigError
        For an unknown tier or an empty list of levels.
    """
    check_tier(tier)
    if isinstance(levels, str) or not isinstance(levels, Sequence):
        raise ConfigError(f"levels must be a sequence of effort names, got {levels!r}")
    if not levels:
        raise ConfigError("a model needs at least one effort level")
    if len(set(levels)) != len(levels):
        raise ConfigError(f"effort levels must be distinct, got {list(levels)!r}")
    if tier == "none":
        return levels[0]
    if tier == "short":
        return levels[(len(levels) - 1) // 2]
    return levels[-1]

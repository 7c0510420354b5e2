"""What every provider module shares: capability rows, a request, usage, and the helpers.

A provider module (:mod:`~budgetrouter.providers.openai`, ...) holds its capability rows, a
function from a :class:`Request` to its SDK's keyword arguments, and a reader of reasoning
usage from its responses (:mod:`~budgetrouter.providers.usage`), bundled as one
:class:`Provider`. Pure code: no network, no SDK imported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from budgetrouter.decision import effort_for_tier
from budgetrouter.errors import ConfigError
from budgetrouter.providers.rows import SNAPSHOT, Capability
from budgetrouter.providers.usage import (
    STATUSES,
    TokenCounter,
    Usage,
    count_text,
    default_token_counter,
    ended,
    get_path,
    plain,
)

if TYPE_CHECKING:
    from budgetrouter.decision import Decision

DEFAULT_ANSWER_TOKENS = 1024

__all__ = [
    "DEFAULT_ANSWER_TOKENS",
    "SNAPSHOT",
    "STATUSES",
    "Capability",
    "Provider",
    "Request",
    "RequestParams",
    "TokenCounter",
    "Usage",
    "budget_and_max_tokens",
    "count_text",
    "default_token_counter",
    "effort_level",
    "ended",
    "get_path",
    "plain",
    "refuse_or_warn",
    "takes_no_thinking",
]


class Request(NamedTuple):
    """One call's inputs, as every provider's ``params`` function receives them."""

    decision: Decision
    cap: Capability
    max_tokens: int | None
    answer: int
    strict: bool
    notes: list[str]


class RequestParams(dict[str, Any]):
    """SDK keyword arguments (a plain dict), with ``notes`` and the ``level`` they send.

    ``notes`` lists every mapping that was not exact; ``level`` is what the run is given, as
    outcome-row columns (``{"budget": tokens | 0 | None, "effort": name | None}``; see
    :func:`budgetrouter.providers.sent.sent_level`): pass it to
    :meth:`budgetrouter.outcomes.OutcomeLog.record` as ``extra`` so the log says what was sent.
    """

    def __init__(
        self, params: dict[str, Any], notes: list[str], level: dict[str, Any] | None = None
    ) -> None:
        super().__init__(params)
        self.notes = notes
        self.level = level if level is not None else {"budget": None, "effort": None}


@dataclass(frozen=True)
class Provider:
    """One provider: its capability rows, request builder and usage reader.

    Attributes
    ----------
    name
        The key callers pass as ``provider``.
    capabilities
        The rows of the model families it serves.
    params
        SDK keyword arguments for one :class:`Request`.
    recognises
        Whether a response (as a plain dict) has this provider's shape.
    read_usage
        Reasoning tokens and the cut-off flag of a response (as a plain dict), given a token
        counter for responses that carry reasoning text (``None`` = the default counter).
    reserved
        Name prefixes (OpenRouter's ``openai/``, ...) whose models only a row that lists them
        covers: the generic row does not, so an unlisted one is refused.
    fit_call
        The parameters to send with the caller's own request (its keyword arguments): the
        same, or a level the request's other arguments allow (noted, refused under
        ``strict``); raises :class:`~budgetrouter.errors.ConfigError` when the request rules
        the thinking out. ``None``: any request takes any parameters.
    """

    name: str
    capabilities: tuple[Capability, ...]
    params: Callable[[Request], dict[str, Any]]
    recognises: Callable[[dict[str, Any]], bool]
    read_usage: Callable[[dict[str, Any], TokenCounter | None], Usage]
    reserved: tuple[str, ...] = ()
    fit_call: Callable[[Mapping[str, Any], dict[str, Any], Request], dict[str, Any]] | None = None


def effort_level(
    decision: Decision, cap: Capability, notes: list[str], strict: bool = False
) -> str:
    """The effort level of the decision's tier on ``cap``, noting a tier none not honoured.

    Parameters
    ----------
    decision
        The router's decision.
    cap
        An ``effort`` or ``adaptive`` capability row.
    notes
        The call's notes; gains a line when tier none cannot switch thinking off.
    strict
        Refuse a decision's own effort the row does not accept, instead of noting it.

    Returns
    -------
    str
        The decision's own ``effort`` when the row accepts it (a model-aware decision), else
        :func:`budgetrouter.decision.effort_for_tier` among the row's levels.
    """
    level = effort_for_tier(decision.tier, cap.efforts)
    if decision.effort is not None:
        if decision.effort in cap.efforts:
            return decision.effort
        refuse_or_warn(
            strict,
            f"effort {decision.effort!r} is not one {cap.family or cap.provider} accepts "
            f"{list(cap.efforts)}; sent the effort of tier {decision.tier!r}, {level!r}",
            notes,
        )
    if decision.no_thinking and level != "none":
        notes.append(
            f"tier none: {cap.family or cap.provider} cannot switch thinking off; sent the lowest "
            f"effort it accepts, {level!r}"
        )
    return level


def takes_no_thinking(req: Request) -> bool:
    """Whether the request's model takes no thinking parameter at all, noting what is lost.

    A ``fixed`` row (a reasoning model with no control, such as ``o1-mini``) cannot follow any
    tier; an ``off`` row (a model that does not think, such as ``gpt-4o``) honours tier none
    only. Either way the request carries no thinking parameter, which the API would reject.

    Raises
    ------
    ConfigError
        With ``strict=True``, for a tier the model cannot follow.
    """
    cap, decision = req.cap, req.decision
    if cap.style == "fixed":
        refuse_or_warn(
            req.strict,
            f"{cap.family} takes no thinking parameter (the API rejects it): its thinking "
            f"cannot follow tier {decision.tier!r}; sent none",
            req.notes,
        )
        return True
    if cap.style == "off":
        if not decision.no_thinking:
            refuse_or_warn(
                req.strict,
                f"{cap.family} does not think (the API rejects thinking parameters): tier "
                f"{decision.tier!r} cannot be honoured; sent none",
                req.notes,
            )
        return True
    return False


def refuse_or_warn(strict: bool, message: str, notes: list[str]) -> None:
    """Refuse an inexact mapping (``strict``) or warn and note it.

    Parameters
    ----------
    strict
        Raise instead of warning.
    message
        What was clamped, and how.
    notes
        The call's notes; gains ``message`` when not strict.

    Raises
    ------
    ConfigError
        With ``strict=True``.
    """
    if strict:
        raise ConfigError(message + " (strict=True refuses; pass strict=False to clamp)")
    warnings.warn(message, stacklevel=4)
    notes.append(message)


def budget_and_max_tokens(req: Request) -> tuple[int | None, int | None]:
    """The thinking budget and ``max_tokens`` of a request, within the model's range.

    A budget below the row's minimum is raised to it, one above its maximum lowered to it, and
    a ``max_tokens`` with no room for the budget plus the answer lowers the budget or, when
    even the minimum does not fit, raises ``max_tokens``.

    Parameters
    ----------
    req
        The call's inputs.

    Returns
    -------
    tuple
        (thinking budget, or ``None`` for no cap; ``max_tokens``, sized as the budget plus the
        answer's room when the caller gave none).

    Raises
    ------
    ConfigError
        With ``strict=True``, for a combination that needs clamping.
    """
    decision, cap, max_tokens, answer_tokens, strict, notes = req
    budget = decision.budget_tokens
    if budget is not None and budget < cap.budget_min:
        refuse_or_warn(
            strict,
            f"budget {budget} is below the minimum {cap.budget_min} of "
            f"{cap.family or cap.provider}; raised to {cap.budget_min}",
            notes,
        )
        budget = cap.budget_min
    if budget is not None and cap.budget_max is not None and budget > cap.budget_max:
        notes.append(f"budget {budget} above the maximum {cap.budget_max}; lowered to it")
        budget = cap.budget_max
    if max_tokens is not None and budget is not None and budget + answer_tokens > max_tokens:
        room = max_tokens - answer_tokens
        if room >= max(cap.budget_min, 1):
            refuse_or_warn(
                strict,
                f"max_tokens {max_tokens} leaves no room for a {budget}-token "
                f"budget plus {answer_tokens} answer tokens; budget lowered to {room}",
                notes,
            )
            budget = room
        else:
            budget = max(cap.budget_min, 1)  # the smallest budget that fits, not the decision's
            refuse_or_warn(
                strict,
                f"max_tokens {max_tokens} is too small for the minimum budget "
                f"{budget} plus {answer_tokens} answer tokens; budget lowered to {budget} and "
                f"max_tokens raised to {budget + answer_tokens}",
                notes,
            )
            max_tokens = budget + answer_tokens
    if max_tokens is None and budget is not None:
        max_tokens = budget + answer_tokens
    return budget, max_tokens

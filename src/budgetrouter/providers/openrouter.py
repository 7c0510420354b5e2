"""OpenRouter through the OpenAI client (``openrouter``).

Reasoning is set with ``extra_body={"reasoning": ...}``: ``{"max_tokens": N}`` for a budget,
``{"effort": "high"}`` for no cap, ``{"enabled": False}`` to switch it off
(https://openrouter.ai/docs/use-cases/reasoning-tokens). Responses have the Chat Completions
shape, with the reasoning count in ``usage.completion_tokens_details.reasoning_tokens`` and
its text in ``message.reasoning``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from budgetrouter.providers import anthropic, gemini, openai
from budgetrouter.providers.base import (
    Capability,
    Provider,
    Request,
    budget_and_max_tokens,
    effort_level,
    refuse_or_warn,
    takes_no_thinking,
)
from budgetrouter.providers.openai import chat_usage_reader, is_chat

_DOCS = "https://openrouter.ai/docs/use-cases/reasoning-tokens"
#: OpenRouter names a model ``vendor/model``: each direct provider's rows under its vendor.
VENDORS: tuple[tuple[str, tuple[Capability, ...]], ...] = (
    ("openai/", openai.CAPABILITIES),
    ("google/", gemini.CAPABILITIES),
    ("anthropic/", anthropic.CAPABILITIES),
)


def openrouter_names(vendor: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """A direct provider's model names as OpenRouter spells them, the originals kept.

    OpenRouter writes Claude versions with a dot (``anthropic/claude-sonnet-4.5``,
    ``anthropic/claude-3.7-sonnet``) where Anthropic writes a dash.
    """
    out = [vendor + name for name in names]
    if vendor == "anthropic/":
        out += [vendor + re.sub(r"(?<=-)(\d)-(\d)(?=-|$)", r"\1.\2", name) for name in names]
    return tuple(dict.fromkeys(out))


CAPABILITIES: tuple[Capability, ...] = (
    # reasoning.effort / max_tokens / enabled: OpenRouter's own rules, for a model of another
    # vendor (a model of the vendors below is covered by its own row or refused)
    Capability("openrouter", "", "budget", budget_min=1, source=_DOCS),
    # the direct providers' rows, under OpenRouter's vendor prefixes
    *(
        replace(row, provider="openrouter", family=vendor + row.family,
                models=openrouter_names(vendor, row.names))
        for vendor, rows in VENDORS
        for row in rows
    ),
    # reasoning models that cannot switch it off and have no direct row here
    Capability("openrouter", "deepseek/deepseek-r1", "budget", budget_min=1,
               can_disable=False, source=_DOCS),
)  # fmt: skip

#: The ``reasoning.effort`` values OpenRouter accepts.
OPENROUTER_EFFORTS: tuple[str, ...] = ("none", "minimal", "low", "medium", "high", "xhigh")


def _lowest(req: Request) -> dict[str, Any]:
    """The lowest setting of a model whose reasoning cannot be switched off.

    OpenRouter answers ``enabled: false`` with an error for those; the swap is noted, or
    refused under strict.
    """
    cap = req.cap
    accepted = [e for e in cap.efforts if e in OPENROUTER_EFFORTS]
    if accepted:
        reasoning: dict[str, Any] = {"effort": accepted[0]}
    elif cap.style == "budget" and cap.budget_min > 1:
        reasoning = {"max_tokens": cap.budget_min}
    else:
        reasoning = {"effort": "low"}
    refuse_or_warn(
        req.strict,
        f"tier none: {cap.family} cannot switch reasoning off on OpenRouter; sent its lowest "
        f"setting {reasoning}",
        req.notes,
    )
    return reasoning


def openrouter_params(req: Request) -> dict[str, Any]:
    """OpenAI-client keyword arguments for OpenRouter.

    Returns
    -------
    dict
        ``extra_body`` with the ``reasoning`` object, and ``max_tokens`` when known.

    Raises
    ------
    ConfigError
        With ``strict=True``, for a combination that needs clamping.
    """
    decision, max_tokens = req.decision, req.max_tokens
    if takes_no_thinking(req):
        return {"max_tokens": max_tokens} if max_tokens is not None else {}
    cap = req.cap
    if cap.style in ("effort", "adaptive"):
        # an effort-steered model takes only its own levels (gpt-5-pro: high; gpt-5.1-chat:
        # medium), never a token budget
        level = effort_level(decision, cap, req.notes, req.strict)
        reasoning: dict[str, Any] = {"effort": "xhigh" if level == "max" else level}
    elif decision.effort is not None and decision.effort in OPENROUTER_EFFORTS:
        # A model-aware decision names the model's own effort level: send it as that.
        reasoning = {"effort": decision.effort}
    elif decision.no_thinking and not cap.family:
        # OpenRouter refuses enabled: false for a model that always reasons, and the generic
        # row cannot tell: send the lowest effort instead, with a warning
        refuse_or_warn(
            req.strict,
            "tier none on a model with no row of its own: sent reasoning effort 'low' (it may "
            "still think a little), as enabled: false is refused by models that always reason",
            req.notes,
        )
        reasoning = {"effort": "low"}
    elif decision.no_thinking and cap.can_disable:
        reasoning = {"enabled": False}
    elif decision.no_thinking:
        reasoning = _lowest(req)
    elif decision.budget_tokens is None:
        reasoning = {"effort": "high"}
    else:
        budget, max_tokens = budget_and_max_tokens(req)
        reasoning = {"max_tokens": budget}
    out: dict[str, Any] = {"extra_body": {"reasoning": reasoning}}
    if max_tokens is not None:
        out["max_tokens"] = max_tokens
    return out


OPENROUTER = Provider(
    "openrouter",
    CAPABILITIES,
    openrouter_params,
    is_chat,
    chat_usage_reader("openrouter"),
    reserved=tuple(vendor for vendor, _ in VENDORS),
)

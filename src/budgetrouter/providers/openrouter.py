"""OpenRouter through the OpenAI client (``openrouter``).

Reasoning is set with ``extra_body={"reasoning": ...}``: ``{"max_tokens": N}`` for a budget,
``{"effort": "high"}`` for no cap, ``{"enabled": False}`` to switch it off
(https://openrouter.ai/docs/use-cases/reasoning-tokens). Responses have the Chat Completions
shape, with the reasoning count in ``usage.completion_tokens_details.reasoning_tokens`` and
its text in ``message.reasoning``.
"""

from __future__ import annotations

from typing import Any

from budgetrouter.providers.base import Capability, Provider, Request, budget_and_max_tokens
from budgetrouter.providers.openai import chat_usage_reader, is_chat

CAPABILITIES: tuple[Capability, ...] = (
    # reasoning.effort / max_tokens / enabled
    Capability("openrouter", "", "budget", budget_min=1,
               source="https://openrouter.ai/docs/use-cases/reasoning-tokens"),
)  # fmt: skip


#: The ``reasoning.effort`` values OpenRouter accepts.
OPENROUTER_EFFORTS: tuple[str, ...] = ("minimal", "low", "medium", "high")


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
    if decision.effort is not None and decision.effort in OPENROUTER_EFFORTS:
        # A model-aware decision names the model's own effort level: send it as that.
        reasoning: dict[str, Any] = {"effort": decision.effort}
    elif decision.no_thinking:
        reasoning = {"enabled": False}
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
    "openrouter", CAPABILITIES, openrouter_params, is_chat, chat_usage_reader("openrouter")
)

"""Anthropic Messages (``anthropic``).

Extended thinking takes ``thinking={"type": "enabled", "budget_tokens": N}`` with N at least
1024 and below ``max_tokens``; no thinking block switches thinking off
(https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking). Adaptive-only models
take ``thinking={"type": "adaptive"}`` with ``output_config.effort``. A response's thinking
blocks are counted with a token counter (unless its usage reports the count), and
``stop_reason == "max_tokens"`` is a cut-off.
"""

from __future__ import annotations

from typing import Any

from budgetrouter.providers.base import (
    Capability,
    Provider,
    Request,
    TokenCounter,
    Usage,
    budget_and_max_tokens,
    count_text,
    effort_level,
    get_path,
    refuse_or_warn,
)

CAPABILITIES: tuple[Capability, ...] = (
    # budget_tokens >= 1024 and < max_tokens; no thinking block = thinking off
    Capability("anthropic", "claude", "budget", budget_min=1024,
               source="https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking"),
    # Opus 4.7 takes only thinking={"type": "adaptive"} with output_config.effort
    Capability("anthropic", "claude-opus-4-7", "adaptive", ("low", "medium", "high", "max"),
               can_disable=False,
               source="https://docs.anthropic.com/en/docs/build-with-claude/adaptive-thinking"),
)  # fmt: skip

UNCAPPED_MAX_TOKENS = 32000
"""``max_tokens`` of an uncapped decision when the caller gives none."""

ADAPTIVE_MAX_TOKENS = 16000
"""Thinking room of an adaptive-model request when the caller gives no ``max_tokens``."""


def messages_params(req: Request) -> dict[str, Any]:
    """Keyword arguments of ``client.messages.create`` for a request.

    Returns
    -------
    dict
        ``max_tokens`` and, unless the tier is none on a budget model, the ``thinking`` block
        (with ``output_config.effort`` on an adaptive-only model).

    Raises
    ------
    ConfigError
        With ``strict=True``, for a combination that needs clamping.
    """
    decision, cap, max_tokens, answer, strict, notes = req
    if cap.style == "adaptive":
        return {
            "max_tokens": max_tokens or ADAPTIVE_MAX_TOKENS + answer,
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": effort_level(decision, cap, notes, strict)},
        }
    if decision.no_thinking:
        return {"max_tokens": max_tokens or answer}
    if decision.budget_tokens is None:  # no cap: all of max_tokens but the answer's room
        total = max_tokens or UNCAPPED_MAX_TOKENS
        budget = total - answer
        if budget < cap.budget_min:
            refuse_or_warn(
                strict,
                f"max_tokens {total} leaves less than {cap.budget_min} "
                f"thinking tokens after {answer} answer tokens; raised",
                notes,
            )
            budget, total = cap.budget_min, cap.budget_min + answer
        return {"max_tokens": total, "thinking": {"type": "enabled", "budget_tokens": budget}}
    capped, limit = budget_and_max_tokens(req)
    return {"max_tokens": limit, "thinking": {"type": "enabled", "budget_tokens": capped}}


def _is_message(response: dict[str, Any]) -> bool:
    return response.get("type") == "message" and isinstance(response.get("content"), list)


def _message_usage(response: dict[str, Any], count_tokens: TokenCounter | None) -> Usage:
    cut = response.get("stop_reason") == "max_tokens"
    counted = get_path(response, "usage", "output_tokens_details", "reasoning_tokens")
    if counted is not None:
        return Usage(int(counted), cut, "anthropic")
    blocks = response.get("content") or []
    thinking = "".join(b.get("thinking") or "" for b in blocks if b.get("type") == "thinking")
    return Usage(count_text(thinking, count_tokens), cut, "anthropic")


ANTHROPIC = Provider("anthropic", CAPABILITIES, messages_params, _is_message, _message_usage)

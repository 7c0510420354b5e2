"""Anthropic Messages (``anthropic``).

Extended thinking takes ``thinking={"type": "enabled", "budget_tokens": N}`` with N at least
1024 and below ``max_tokens``; no thinking block switches thinking off
(https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking). Adaptive-only models
take ``thinking={"type": "adaptive"}`` with ``output_config.effort``. A response's thinking
blocks are counted with a token counter (unless its usage reports the count), and
``stop_reason == "max_tokens"`` is a cut-off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgetrouter.errors import ConfigError
from budgetrouter.providers.base import (
    Capability,
    Provider,
    Request,
    TokenCounter,
    Usage,
    budget_and_max_tokens,
    count_text,
    effort_level,
    ended,
    get_path,
    refuse_or_warn,
    takes_no_thinking,
)
from budgetrouter.providers.call import call_value, open_turn, starts_with_thinking

#: The SDK refuses a non-streaming request whose ``max_tokens`` implies more than ten minutes:
#: ``3600 * max_tokens / 128_000 > 600``, so above 21,333 tokens (``anthropic._base_client.
#: _calculate_nonstreaming_timeout``), and above 8,192 for the models of its
#: ``MODEL_NONSTREAMING_TOKENS`` (Opus 4 and 4.1).
NONSTREAMING_MAX_TOKENS = 21_333
_EXTENDED = "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking"
_ADAPTIVE = "https://docs.anthropic.com/en/docs/build-with-claude/adaptive-thinking"
_MODELS = "https://docs.anthropic.com/en/docs/about-claude/models/overview"
_LONG_REQUESTS = "https://github.com/anthropics/anthropic-sdk-python#long-requests"
#: The effort levels of ``output_config.effort`` every adaptive model accepts.
ADAPTIVE_EFFORTS = ("low", "medium", "high", "max")

CAPABILITIES: tuple[Capability, ...] = (
    # extended thinking: budget_tokens >= 1024 and < max_tokens; no thinking block = off.
    # (Opus 4.6 and Sonnet 4.6 also take adaptive thinking; their budgets still hold.)
    Capability("anthropic", "claude-3-7-sonnet", "budget", budget_min=1024,
               nonstreaming_max_tokens=NONSTREAMING_MAX_TOKENS, source=_EXTENDED),
    Capability("anthropic", "claude-sonnet-4", "budget", budget_min=1024,
               nonstreaming_max_tokens=NONSTREAMING_MAX_TOKENS, source=_EXTENDED,
               models=("claude-sonnet-4", "claude-sonnet-4-0", "claude-4-sonnet")),
    *(
        Capability("anthropic", family, "budget", budget_min=1024,
                   nonstreaming_max_tokens=NONSTREAMING_MAX_TOKENS, source=_EXTENDED)
        for family in ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5",
                       "claude-sonnet-4-6", "claude-opus-4-6")
    ),
    # Opus 4 and 4.1: the SDK sends at most 8,192 max_tokens without streaming (its list
    # names some of their snapshots and aliases; the family keeps the lower limit)
    Capability("anthropic", "claude-opus-4", "budget", budget_min=1024,
               nonstreaming_max_tokens=8192, source=_LONG_REQUESTS,
               models=("claude-opus-4", "claude-opus-4-0", "claude-4-opus")),
    Capability("anthropic", "claude-opus-4-1", "budget", budget_min=1024,
               nonstreaming_max_tokens=8192, source=_LONG_REQUESTS),
    # adaptive only: thinking={"type": "adaptive"} with output_config.effort; "enabled" and
    # "disabled" thinking are refused with a 400
    *(
        Capability("anthropic", family, "adaptive", ADAPTIVE_EFFORTS, can_disable=False,
                   nonstreaming_max_tokens=NONSTREAMING_MAX_TOKENS, source=_ADAPTIVE)
        for family in ("claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-opus-5",
                       "claude-mythos-preview", "claude-mythos-5", "claude-fable-5",
                       "claude-mythos-5-1", "claude-fable-5-1")
    ),
    # no extended thinking: a thinking block is refused
    Capability("anthropic", "claude-3", "off", source=_MODELS,
               models=("claude-3-opus", "claude-3-sonnet", "claude-3-haiku",
                       "claude-3-5-sonnet", "claude-3-5-haiku")),
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
    limit = cap.nonstreaming_max_tokens or NONSTREAMING_MAX_TOKENS
    if max_tokens is not None and max_tokens > limit:
        notes.append(
            f"max_tokens {max_tokens} is above the {limit} the anthropic SDK sends without "
            "streaming: call messages.stream(...) or messages.create(..., stream=True)"
        )
    if takes_no_thinking(req):
        return {"max_tokens": max_tokens or answer}
    if cap.style == "adaptive":
        return {
            "max_tokens": max_tokens or min(ADAPTIVE_MAX_TOKENS + answer, limit),
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": effort_level(decision, cap, notes, strict)},
        }
    if decision.no_thinking:
        return {"max_tokens": max_tokens or answer}
    if decision.budget_tokens is None:  # no cap: all of max_tokens but the answer's room
        total = max_tokens or min(UNCAPPED_MAX_TOKENS, limit)
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
    capped, sized = budget_and_max_tokens(req)
    if max_tokens is None and capped is not None and sized is not None and sized > limit:
        lowered = max(limit - answer, cap.budget_min)
        refuse_or_warn(
            strict,
            f"budget {capped} plus {answer} answer tokens is above the {limit} max_tokens the "
            f"anthropic SDK sends without streaming; budget lowered to {lowered} (pass "
            "max_tokens and stream to keep it)",
            notes,
        )
        capped, sized = lowered, lowered + answer
    return {"max_tokens": sized, "thinking": {"type": "enabled", "budget_tokens": capped}}


def _number_in(value: Any, low: float, high: float) -> bool:
    """Whether ``value`` is a number (not a bool) within [low, high]."""
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def thinking_refusals(call: Mapping[str, Any], thinking: str) -> list[str]:
    """What in the caller's request makes Anthropic refuse thinking of type ``thinking``.

    Anthropic refuses thinking beside a ``temperature`` other than 1, any ``top_k``, a
    ``top_p`` below 0.95, and (for ``"enabled"`` thinking) a ``tool_choice`` that forces tool
    use; and it reads a request that continues an assistant turn (a tool result or a prefill)
    under that turn's thinking, so the turn's assistant message must begin with a thinking
    block (extended thinking docs: "Feature compatibility", "Thinking with tool use").

    Parameters
    ----------
    call
        The caller's keyword arguments (``extra_body`` read over the named ones).
    thinking
        The thinking type the parameters would send: ``"enabled"`` or ``"adaptive"``.

    Returns
    -------
    list of str
        One reason per conflict; empty when the request takes thinking.
    """
    reasons = []
    temperature = call_value(call, "temperature")
    if temperature is not None and not _number_in(temperature, 1, 1):
        reasons.append(f"temperature={temperature!r} (thinking takes only 1)")
    if call_value(call, "top_k") is not None:
        reasons.append(f"top_k={call_value(call, 'top_k')!r} (thinking takes none)")
    top_p = call_value(call, "top_p")
    if top_p is not None and not _number_in(top_p, 0.95, 1):
        reasons.append(f"top_p={top_p!r} (thinking takes 0.95 to 1)")
    choice = call_value(call, "tool_choice")
    kind = choice.get("type") if isinstance(choice, Mapping) else getattr(choice, "type", choice)
    kind = {"required": "any", "function": "tool"}.get(str(kind), kind)  # OpenAI's (LiteLLM)
    if thinking == "enabled" and kind in ("any", "tool"):
        reasons.append(f"tool_choice of type {kind!r} forces tool use")
    turn = open_turn(call_value(call, "messages"))
    if turn is not None and not starts_with_thinking(turn):
        reasons.append(
            "the request continues an assistant turn (a tool result or a prefill) whose message "
            "has no thinking block (a final assistant message must start with one)"
        )
    return reasons


def fit_messages_call(
    call: Mapping[str, Any], params: dict[str, Any], req: Request
) -> dict[str, Any]:
    """``params`` unchanged, or a ``ConfigError`` when the caller's request rules thinking out.

    Only parameters that turn thinking on are checked (:func:`thinking_refusals`); a request
    sent without thinking takes any of the caller's arguments.
    """
    block = params.get("thinking")
    kind = block.get("type") if isinstance(block, Mapping) else None
    if kind not in ("enabled", "adaptive"):
        return params
    reasons = thinking_refusals(call, kind)
    if reasons:
        raise ConfigError(
            f"Anthropic refuses thinking in this request: {'; '.join(reasons)}. Thinking left "
            "as the caller set it (send thinking-compatible arguments to have it routed)"
        )
    return params


def _is_message(response: dict[str, Any]) -> bool:
    return response.get("type") == "message" and isinstance(response.get("content"), list)


#: Messages ``stop_reason`` -> how the run ended (anything else: ``failed``).
STOP_STATUS: dict[str, str] = {
    "end_turn": "finished",
    "stop_sequence": "finished",
    "tool_use": "finished",
    "pause_turn": "failed",  # a server-tool turn paused before its answer
    "max_tokens": "truncated",
    "model_context_window_exceeded": "truncated",
    "refusal": "refused",
}


def _message_usage(response: dict[str, Any], count_tokens: TokenCounter | None) -> Usage:
    """Thinking tokens from ``usage.output_tokens_details.thinking_tokens`` when reported.

    That field counts the raw reasoning even when the response's thinking is summarised,
    redacted or omitted; a reported 0 beside thinking blocks is not a count. Without a count
    the thinking blocks' text is counted only where it is the whole reasoning (Claude 3.7
    Sonnet, or a model of another maker behind the same API); a summary (Claude 4 and later),
    a redacted or an omitted block leaves the count unknown (``None``).
    """
    status = STOP_STATUS.get(str(response.get("stop_reason")), "failed")
    details = get_path(response, "usage", "output_tokens_details") or {}
    counted = details.get("thinking_tokens", details.get("reasoning_tokens"))
    blocks = [b for b in response.get("content") or [] if isinstance(b, dict)]
    thought = [b for b in blocks if b.get("type") in ("thinking", "redacted_thinking")]
    if counted is not None and not (counted == 0 and thought):
        return ended(counted, status, "anthropic")
    # no count, or a reported 0 beside thinking blocks (not a count): read the blocks
    model = str(response.get("model") or "")
    summarised = model.startswith("claude") and not model.startswith("claude-3-7")
    if any(b.get("type") == "redacted_thinking" or not b.get("thinking") for b in thought) or (
        thought and summarised
    ):
        # Redacted or omitted thinking shows no text to count, and Claude 4 and later show a
        # summary of it: without the usage count, the count is unknown.
        return ended(None, status, "anthropic")
    thinking = "".join(b.get("thinking") or "" for b in blocks if b.get("type") == "thinking")
    return ended(count_text(thinking, count_tokens), status, "anthropic")


ANTHROPIC = Provider(
    "anthropic",
    CAPABILITIES,
    messages_params,
    _is_message,
    _message_usage,
    fit_call=fit_messages_call,
)

"""Google Gemini through google-genai ``generate_content`` (``gemini``).

Gemini 2.5 models take ``thinking_config.thinking_budget`` within each model's range (``-1`` =
dynamic thinking); Gemini 3 models take ``thinking_level``, never a budget
(https://ai.google.dev/gemini-api/docs/thinking). A response reports its reasoning in
``usage_metadata.thoughts_token_count`` and a cut-off as a candidate's ``finish_reason`` of
``MAX_TOKENS`` (snake_case from the SDK's objects, camelCase in the REST JSON).
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
    effort_level,
    ended,
    get_path,
    refuse_or_warn,
    takes_no_thinking,
)

_THINKING = "https://ai.google.dev/gemini-api/docs/thinking"
_MODELS = "https://ai.google.dev/gemini-api/docs/models"

CAPABILITIES: tuple[Capability, ...] = (
    # thinkingBudget ranges; -1 = dynamic
    Capability("gemini", "gemini-2.5-pro", "budget", budget_min=128, budget_max=32768,
               can_disable=False, source=_THINKING),
    Capability("gemini", "gemini-2.5-flash", "budget", budget_min=0, budget_max=24576,
               source=_THINKING),
    Capability("gemini", "gemini-2.5-flash-lite", "budget", budget_min=512, budget_max=24576,
               source=_THINKING),
    # Gemini 3: thinkingLevel, never with a budget
    Capability("gemini", "gemini-3-pro", "effort", ("low", "high"), can_disable=False,
               source=_THINKING),
    Capability("gemini", "gemini-3.1-pro", "effort", ("low", "medium", "high"),
               can_disable=False, source=_THINKING),
    Capability("gemini", "gemini-3-flash", "effort", ("minimal", "low", "medium", "high"),
               can_disable=False, source=_THINKING),
    # models that do not think: a thinking_config is refused
    Capability("gemini", "gemini-2.0-flash", "off", source=_MODELS,
               models=("gemini-2.0-flash", "gemini-2.0-flash-lite")),
    Capability("gemini", "gemini-1.5", "off", source=_MODELS,
               models=("gemini-1.5-pro", "gemini-1.5-flash", "gemini-1.5-flash-8b")),
)  # fmt: skip


def generate_content_params(req: Request) -> dict[str, Any]:
    """Keyword arguments of google-genai ``generate_content`` for a request.

    Returns
    -------
    dict
        ``{"config": {"thinking_config": ..., "max_output_tokens": ...}}``: a level or a
        budget in ``thinking_config``, never both.

    Raises
    ------
    ConfigError
        With ``strict=True``, for a combination that needs clamping.
    """
    decision, cap, max_tokens, _, strict, notes = req
    config: dict[str, Any] = {}
    if takes_no_thinking(req):
        pass
    elif cap.style == "effort":
        level = effort_level(decision, cap, notes, strict)
        config["thinking_config"] = {"thinking_level": level}
    elif decision.no_thinking:
        if cap.can_disable:
            config["thinking_config"] = {"thinking_budget": 0}
        else:
            notes.append(
                f"tier none: {cap.family} cannot switch thinking off; sent its minimum "
                f"budget {cap.budget_min}"
            )
            config["thinking_config"] = {"thinking_budget": cap.budget_min}
    elif decision.budget_tokens is None and max_tokens is None:
        config["thinking_config"] = {"thinking_budget": -1}  # dynamic thinking
    elif decision.budget_tokens is None and max_tokens is not None:
        # Thinking counts toward max_output_tokens: keep the answer's room.
        room = max_tokens - req.answer
        if room < max(cap.budget_min, 1):
            room = max(cap.budget_min, 1)
            refuse_or_warn(
                strict,
                f"max_output_tokens {max_tokens} leaves no thinking room after {req.answer} "
                f"answer tokens; thinking budget {room}, max_output_tokens raised to "
                f"{room + req.answer}",
                notes,
            )
            max_tokens = room + req.answer
        room = room if cap.budget_max is None else min(room, cap.budget_max)
        config["thinking_config"] = {"thinking_budget": room}
    else:
        capped, max_tokens = budget_and_max_tokens(req)
        config["thinking_config"] = {"thinking_budget": capped}
    if max_tokens is not None:
        config["max_output_tokens"] = max_tokens
    return {"config": config}


def _is_gemini(response: dict[str, Any]) -> bool:
    return "candidates" in response or "usage_metadata" in response or "usageMetadata" in response


def _thought_parts(response: dict[str, Any]) -> bool:
    """Whether a candidate shows thought parts (``thought: true``, thought summaries)."""
    return any(
        isinstance(part, dict) and part.get("thought") is True and part.get("text")
        for c in response.get("candidates") or []
        if isinstance(c, dict)
        for part in get_path(c, "content", "parts") or []
    )


def _gemini_usage(response: dict[str, Any], count_tokens: TokenCounter | None) -> Usage:
    meta = response.get("usage_metadata") or response.get("usageMetadata")
    # Gemini leaves out a zero count; with no usage metadata at all the count is unknown.
    tokens = None
    if isinstance(meta, dict):
        tokens = meta.get("thoughts_token_count") or meta.get("thoughtsTokenCount") or 0
    if tokens == 0 and _thought_parts(response):
        tokens = None  # thought summaries shown but no count: a 0 here is not a count
    reasons = [
        str(c.get("finish_reason") or c.get("finishReason") or "").rsplit(".", 1)[-1]
        for c in response.get("candidates") or []
    ]
    blocked = get_path(response, "prompt_feedback", "block_reason") or get_path(
        response, "promptFeedback", "blockReason"
    )
    statuses = [FINISH_STATUS.get(r, "failed") for r in reasons] or [
        "refused" if blocked else "failed"
    ]
    worst = max(statuses, key=lambda s: ("finished", "truncated", "refused", "failed").index(s))
    return ended(tokens, worst, "gemini")


#: ``finish_reason`` -> how the run ended (anything else: ``failed``).
FINISH_STATUS: dict[str, str] = {
    "STOP": "finished",
    "MAX_TOKENS": "truncated",
    "SAFETY": "refused",
    "RECITATION": "refused",
    "BLOCKLIST": "refused",
    "PROHIBITED_CONTENT": "refused",
    "SPII": "refused",
    "IMAGE_SAFETY": "refused",
    "LANGUAGE": "failed",
    "MALFORMED_FUNCTION_CALL": "failed",
    "OTHER": "failed",
}


GEMINI = Provider("gemini", CAPABILITIES, generate_content_params, _is_gemini, _gemini_usage)

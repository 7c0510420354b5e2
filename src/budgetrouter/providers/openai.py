"""OpenAI: Chat Completions (``openai``) and Responses (``openai-responses``).

Both steer reasoning by a named effort level, per model family
(https://platform.openai.com/docs/guides/reasoning); a decision's tier picks the level with
:func:`budgetrouter.decision.effort_for_tier`. Chat Completions reports reasoning in
``usage.completion_tokens_details.reasoning_tokens`` and a cut-off as ``finish_reason ==
"length"``; Responses in ``usage.output_tokens_details.reasoning_tokens`` and ``status ==
"incomplete"``. The Chat Completions reader also serves the OpenAI-compatible servers, which
return the reasoning as text instead of a count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from budgetrouter.providers.base import (
    Capability,
    Provider,
    Request,
    TokenCounter,
    Usage,
    count_text,
    effort_level,
    ended,
    get_path,
    takes_no_thinking,
)
from budgetrouter.providers.openai_call import fit_effort_call

_REASONING = "https://platform.openai.com/docs/guides/reasoning"
_MODELS = "https://platform.openai.com/docs/models/"
_LMH = ("low", "medium", "high")


def _effort(family: str, efforts: tuple[str, ...], *models: str) -> Capability:
    """An effort row, citing the family's model page; thinking is off only at ``none``."""
    return Capability("openai", family, "effort", efforts, can_disable="none" in efforts,
                      source=_MODELS + family, models=models)  # fmt: skip


CAPABILITIES: tuple[Capability, ...] = (
    # o-series: low / medium / high
    _effort("o1", _LMH),
    _effort("o1-pro", _LMH),
    _effort("o3-mini", _LMH),
    _effort("o3", _LMH),
    _effort("o4-mini", _LMH),
    # deep research models accept medium only
    _effort("o3-deep-research", ("medium",)),
    _effort("o4-mini-deep-research", ("medium",)),
    # o1-mini and o1-preview take no reasoning_effort at all (the API rejects the parameter)
    Capability("openai", "o1-mini", "fixed", can_disable=False, source=_MODELS + "o1-mini"),
    Capability("openai", "o1-preview", "fixed", can_disable=False,
               source=_MODELS + "o1-preview"),
    # GPT-5: minimal / low / medium / high; codex low / medium / high; pro high only
    _effort("gpt-5", ("minimal", *_LMH), "gpt-5", "gpt-5-mini", "gpt-5-nano"),
    _effort("gpt-5-codex", _LMH),
    _effort("gpt-5-pro", ("high",)),
    # GPT-5.1 and later: "none" switches reasoning off; the chat models accept medium only
    _effort("gpt-5.1", ("none", *_LMH)),
    _effort("gpt-5.1-chat", ("medium",)),
    _effort("gpt-5.1-codex", _LMH),
    _effort("gpt-5.1-codex-mini", ("medium", "high")),
    _effort("gpt-5.1-codex-max", (*_LMH, "xhigh")),
    _effort("gpt-5.2", ("none", *_LMH, "xhigh")),
    _effort("gpt-5.2-chat", ("medium",)),
    _effort("gpt-5.2-pro", ("medium", "high", "xhigh")),
    _effort("gpt-5.2-codex", (*_LMH, "xhigh")),
    _effort("gpt-5.3-codex", (*_LMH, "xhigh")),
    _effort("gpt-5.4", ("none", *_LMH, "xhigh")),
    _effort("gpt-5.5", ("none", *_LMH, "xhigh")),
    # models that do not reason: any reasoning parameter is rejected
    Capability("openai", "gpt-4o", "off", source=_MODELS + "gpt-4o",
               models=("gpt-4o", "gpt-4o-mini")),
    Capability("openai", "gpt-4.1", "off", source=_MODELS + "gpt-4.1",
               models=("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")),
    Capability("openai", "gpt-5-chat", "off", source=_MODELS + "gpt-5-chat-latest"),
)  # fmt: skip

_CHAT_REASONING = ("usage", "completion_tokens_details", "reasoning_tokens")


def chat_params(req: Request) -> dict[str, Any]:
    """Keyword arguments of ``client.chat.completions.create`` for a request.

    Returns
    -------
    dict
        ``reasoning_effort``, the tier's level among the family's, and ``max_completion_tokens``
        when the caller set a limit.
    """
    out: dict[str, Any] = {}
    if not takes_no_thinking(req):
        out["reasoning_effort"] = effort_level(req.decision, req.cap, req.notes, req.strict)
    if req.max_tokens is not None:
        out["max_completion_tokens"] = req.max_tokens
    return out


def responses_params(req: Request) -> dict[str, Any]:
    """Keyword arguments of ``client.responses.create`` for a request.

    Returns
    -------
    dict
        ``reasoning={"effort": ...}`` as for Chat Completions, with the limit as
        ``max_output_tokens``.
    """
    out: dict[str, Any] = {}
    if not takes_no_thinking(req):
        out["reasoning"] = {"effort": effort_level(req.decision, req.cap, req.notes, req.strict)}
    if req.max_tokens is not None:
        out["max_output_tokens"] = req.max_tokens
    return out


def first_choice(response: dict[str, Any]) -> dict[str, Any] | None:
    """The first choice of a Chat Completions-shaped response, or ``None`` when it has none.

    Parameters
    ----------
    response
        The response as a plain dict.

    Returns
    -------
    dict or None
        ``response["choices"][0]``.
    """
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices:
        return None
    return dict(choices[0]) if isinstance(choices[0], Mapping) else {}


def is_chat(response: dict[str, Any]) -> bool:
    """Whether a response has the Chat Completions shape.

    True for a plain dict with a non-empty ``choices`` list, as OpenAI and every
    OpenAI-compatible server return.
    """
    return first_choice(response) is not None


def _counts_reasoning(response: dict[str, Any]) -> bool:
    """A Chat Completions response that reports its reasoning tokens (OpenAI's own)."""
    return is_chat(response) and get_path(response, *_CHAT_REASONING) is not None


def chat_usage_reader(provider: str) -> Callable[[dict[str, Any], TokenCounter | None], Usage]:
    """A reader of Chat Completions-shaped responses, reporting as ``provider``.

    The reader takes ``usage.completion_tokens_details.reasoning_tokens`` when the response
    reports it, else counts ``message.reasoning_content`` (vLLM, SGLang) or
    ``message.reasoning`` (OpenRouter) with the token counter; a reported 0 beside reasoning
    text is not a count (SGLang and vLLM can report 0 for a run that reasoned): the text is
    counted; a response with neither and no
    ``usage`` at all (a stream read without ``include_usage``) has an unknown count (``None``).
    ``finish_reason == "length"`` is a cut-off.

    Parameters
    ----------
    provider
        The name the :class:`~budgetrouter.providers.base.Usage` carries.

    Returns
    -------
    Callable
        ``read(response, count_tokens) -> Usage``.
    """

    def read(response: dict[str, Any], count_tokens: TokenCounter | None) -> Usage:
        choice = first_choice(response) or {}
        status = CHAT_STATUS.get(str(choice.get("finish_reason")), "failed")
        if (choice.get("message") or {}).get("refusal"):
            status = "refused"  # a refusal ends with "stop" too
        counted = get_path(response, *_CHAT_REASONING)
        message = choice.get("message") or {}
        text = message.get("reasoning_content") or message.get("reasoning") or ""
        if not isinstance(text, str):
            text = ""
        if counted is not None and not (counted == 0 and text.strip()):
            return ended(counted, status, provider)
        # no count, or a reported 0 beside reasoning text (SGLang, vLLM): count the text
        if not text and (response.get("usage") is None or provider in COUNTED):
            # no usage at all, or a provider that reports the count and did not: unknown
            return ended(None, status, provider)
        return ended(count_text(text, count_tokens), status, provider)

    return read


def _is_response(response: dict[str, Any]) -> bool:
    return response.get("object") == "response"


#: Providers whose Chat Completions usage reports the reasoning count when there is one.
COUNTED = ("openai", "openrouter")

#: Chat Completions ``finish_reason`` -> how the run ended (anything else: ``failed``).
CHAT_STATUS: dict[str, str] = {
    "stop": "finished",
    "tool_calls": "finished",
    "function_call": "finished",
    "length": "truncated",
    "content_filter": "refused",
}


def _response_status(response: dict[str, Any]) -> str:
    """A Responses ``status`` (and ``incomplete_details.reason``) -> how the run ended."""
    status = response.get("status")
    refusal = any(
        part.get("type") == "refusal"
        for item in response.get("output") or []
        if isinstance(item, dict)
        for part in item.get("content") or []
        if isinstance(part, dict)
    )
    if status == "completed":
        return "refused" if refusal else "finished"
    if status == "incomplete":
        reason = get_path(response, "incomplete_details", "reason")
        return "refused" if reason == "content_filter" else "truncated"
    return "failed"  # failed, cancelled, in_progress, queued


def _reasoning_items(response: dict[str, Any]) -> tuple[str, bool]:
    """The full reasoning text of a Responses output, and whether it shows a summary only."""
    texts, summary = [], False
    for item in response.get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "reasoning":
            continue
        parts = [p for p in item.get("content") or [] if isinstance(p, dict)]
        texts += [p.get("text") or "" for p in parts if p.get("type") == "reasoning_text"]
        summary |= not parts and bool(item.get("summary") or item.get("encrypted_content"))
    return "".join(texts), summary


def _response_usage(response: dict[str, Any], count_tokens: TokenCounter | None) -> Usage:
    """``usage.output_tokens_details.reasoning_tokens``; a reported 0 beside reasoning is not one.

    A 0 beside reasoning text (a server that returns the full ``reasoning_text``) counts the
    text; beside a summary or encrypted reasoning only, the count is unknown (``None``). No
    usage at all (a failed or cut-short response) is unknown too.
    """
    tokens = get_path(response, "usage", "output_tokens_details", "reasoning_tokens")
    if tokens == 0:
        text, summary = _reasoning_items(response)
        if text.strip():
            tokens = count_text(text, count_tokens)
        elif summary:
            tokens = None
    return ended(tokens, _response_status(response), "openai-responses")


OPENAI = Provider(
    "openai",
    CAPABILITIES,
    chat_params,
    _counts_reasoning,
    chat_usage_reader("openai"),
    fit_call=fit_effort_call,
)
OPENAI_RESPONSES = Provider(
    "openai-responses",
    CAPABILITIES,
    responses_params,
    _is_response,
    _response_usage,
    fit_call=fit_effort_call,
)

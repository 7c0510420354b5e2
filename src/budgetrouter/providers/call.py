"""What the caller's own request says about the thinking it can take.

A provider may refuse thinking parameters because of something else in the same request: a
sampling parameter, a forced tool, a tool, or where the conversation stands. These readers look
at the caller's keyword arguments as the SDK sends them (``extra_body`` merged over the
top-level arguments), for dicts and SDK objects alike; the rules themselves live with their
provider (:attr:`~budgetrouter.providers.base.Provider.fit_call`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Content blocks that carry a model's thinking in a Messages-shaped conversation.
THINKING_BLOCKS = ("thinking", "redacted_thinking")


def _given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in ("Omit", "NotGiven")


def _field(obj: Any, key: str) -> Any:
    value = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return value if _given(value) else None


def call_value(call: Mapping[str, Any], key: str) -> Any:
    """The value the request sends for ``key``: ``extra_body[key]``, else ``call[key]``.

    The SDKs merge ``extra_body`` into the request body over the named arguments, so a value
    there is the one the provider reads. ``None`` when neither is given (an SDK's "left out"
    sentinel counts as not given).
    """
    extra = _field(call, "extra_body")
    inner = _field(extra, key) if extra is not None else None
    return inner if inner is not None else _field(call, key)


def _blocks(message: Any) -> list[Any]:
    content = _field(message, "content")
    return list(content) if isinstance(content, list | tuple) else []


def _answers_tools(message: Any) -> bool:
    """Whether a message carries tool results (a ``tool`` message, a ``tool_result`` block)."""
    if _field(message, "role") == "tool":
        return True
    blocks = _blocks(message)
    return _field(message, "role") == "user" and any(
        _field(b, "type") == "tool_result" for b in blocks
    )


def open_turn(messages: Any) -> Any:
    """The assistant message of a turn the request continues, or ``None``.

    A request continues an assistant turn when its last message is the assistant's own (a
    prefill), or when the messages after the last assistant message carry the results of its
    tool calls (Messages: a user message with ``tool_result`` blocks, text beside them or in a
    user message after them; Chat Completions and LiteLLM: ``tool`` messages). The provider
    reads such a request as the same turn, under the thinking it began with.
    """
    if not isinstance(messages, list | tuple) or not messages:
        return None
    if _field(messages[-1], "role") == "assistant":
        return messages[-1]
    i = len(messages) - 1
    while i >= 0 and _field(messages[i], "role") in ("user", "tool"):
        i -= 1
    if i < 0 or _field(messages[i], "role") != "assistant":
        return None
    tail = messages[i + 1 :]
    return messages[i] if any(_answers_tools(m) for m in tail) else None


def starts_with_thinking(message: Any) -> bool:
    """Whether an assistant message begins with a thinking (or redacted thinking) block.

    Messages content lists, and LiteLLM's ``thinking_blocks`` beside the content, are read.
    """
    blocks = _blocks(message)
    if blocks:
        return _field(blocks[0], "type") in THINKING_BLOCKS
    kept = _field(message, "thinking_blocks")
    return isinstance(kept, list | tuple) and bool(kept)


def tool_types(call: Mapping[str, Any]) -> list[str]:
    """The ``type`` of each tool the request offers (``"web_search"``, ``"function"``, ...)."""
    tools = call_value(call, "tools")
    if not isinstance(tools, list | tuple):
        return []
    return [str(t) for tool in tools if (t := _field(tool, "type")) is not None]

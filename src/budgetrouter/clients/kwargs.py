"""Reading and writing an SDK call's keyword arguments, whatever their shape.

The SDKs take plain dicts or their own typed objects (pydantic models) for the same argument,
and mark an argument left out with a sentinel (``openai.omit``, ``NOT_GIVEN``). These helpers
read both shapes without importing an SDK: :func:`field` one key, :func:`at` a path,
:func:`merge` request parameters into the caller's arguments, :func:`caller_level` the level of
the caller's own thinking parameters, and :func:`user_text` the last user message of a
conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from budgetrouter.providers.sent import as_dict as as_dict
from budgetrouter.providers.sent import caller_level as caller_level

Path = tuple[str, ...]
Params = Mapping[str, Any]


def given(value: Any) -> bool:
    """Whether an argument was given: not ``None`` and not an SDK's "left out" sentinel."""
    return value is not None and type(value).__name__ not in ("Omit", "NotGiven")


def field(obj: Any, key: str) -> Any:
    """``obj[key]`` for a mapping, ``obj.key`` for an object; ``None`` when absent."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def at(kwargs: Mapping[str, Any], path: Path) -> Any:
    """The value at ``path`` (keys, outermost first), or ``None`` where any step is not given."""
    value: Any = kwargs
    for key in path:
        value = field(value, key)
        if not given(value):
            return None
    return value


def merge(caller: Mapping[str, Any], params: Params) -> dict[str, Any]:
    """The caller's arguments with ``params`` applied: nested dicts merged, ``params`` winning.

    An SDK object where ``params`` has a dict (a ``Reasoning`` model) is merged as its fields.
    Neither input is changed: every merged level is a new dict.
    """
    out = dict(caller)
    for key, value in params.items():
        mine = out.get(key)
        if isinstance(value, Mapping) and not isinstance(mine, Mapping) and given(mine):
            # an SDK object (``Reasoning(summary="auto")``) as the fields the caller set
            dump = getattr(mine, "model_dump", None)
            mine = dump(exclude_unset=True) if callable(dump) else as_dict(mine)
        if isinstance(value, Mapping) and isinstance(mine, Mapping):
            out[key] = merge(mine, value)
        else:
            out[key] = value
    return out


def merger(max_keys: tuple[str, ...]) -> Callable[[Mapping[str, Any], Params], dict[str, Any]]:
    """An ``apply`` that merges params and keeps the caller's own name for the output limit.

    Parameters
    ----------
    max_keys
        The names the API accepts for its output-token limit (``max_completion_tokens`` and
        ``max_tokens`` for Chat Completions); the limit of ``params`` goes under the one the
        caller used, so a request never carries two.
    """

    def apply(kwargs: Mapping[str, Any], params: Params) -> dict[str, Any]:
        ours = dict(params)
        theirs = next((k for k in max_keys if given(kwargs.get(k))), None)
        if theirs is not None:
            for key in max_keys:
                if key in ours and key != theirs:
                    ours[theirs] = ours.pop(key)
        return merge(kwargs, ours)

    return apply


def first_max_tokens(*paths: Path) -> Callable[[Mapping[str, Any]], Any]:
    """A reader of the caller's output-token limit: the first of ``paths`` given."""

    def read(kwargs: Mapping[str, Any]) -> Any:
        return next((v for p in paths if (v := at(kwargs, p)) is not None), None)

    return read


def text_of(content: Any, kinds: tuple[str, ...] = ("text", "input_text")) -> str:
    """The text of a message's content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list | tuple):
        return ""
    texts = [
        part if isinstance(part, str) else field(part, "text")
        for part in content
        if isinstance(part, str) or field(part, "type") in kinds
    ]
    return "\n".join(t for t in texts if isinstance(t, str))


def user_text(messages: Any, content: str = "content") -> str:
    """The text of the last user message that has text ("" when there is none).

    Parameters
    ----------
    messages
        A list of messages (dicts or SDK objects) with ``role`` and ``content``.
    content
        The key of a message's content.
    """
    if not isinstance(messages, list | tuple):
        return ""
    for message in reversed(messages):
        if field(message, "role") == "user":
            text = text_of(field(message, content))
            if text.strip():
                return text
    return ""


def materialized(kwargs: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``kwargs`` in which the one-shot iterators at ``keys`` are lists.

    The prompt is read from these arguments before the SDK reads them again.
    """
    out = dict(kwargs)
    for key in keys:
        if isinstance(out.get(key), Iterator):
            out[key] = list(out[key])
    return out

"""The anthropic client: ``messages.create`` (``stream=True`` too) and ``messages.stream``.

``messages.stream(...)`` returns a stand-in for the SDK's stream manager: ``with`` (or
``async with``) it gives the SDK's own ``MessageStream``, whose events are watched as the
caller reads them and logged when it has been read to its end (``get_final_message()`` and
``until_done()`` read it too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from budgetrouter.clients.calls import routed, watch
from budgetrouter.clients.core import Api, Plan, Planner
from budgetrouter.clients.kwargs import as_dict, field, first_max_tokens, merger, user_text
from budgetrouter.clients.proxy import Proxy, WrappedClient


def _prompt(kwargs: Mapping[str, Any]) -> str:
    return user_text(kwargs.get("messages"))


class MessagesObserver:
    """Assembles a Messages stream's stop reason, usage and thinking text from its events."""

    def __init__(self) -> None:
        self.usage: dict[str, Any] = {}
        self.stop: str | None = None
        self.thinking: list[str] = []
        self.model: str | None = None
        self.hidden = False  # a redacted thinking block: its text cannot be counted

    def see(self, event: Any) -> None:
        """Take one raw stream event (``message_start``, ``message_delta``, ...) into account."""
        kind = field(event, "type")
        if kind == "message_start":
            self.usage = as_dict(field(field(event, "message"), "usage")) or {}
            self.model = field(field(event, "message"), "model")
        elif kind == "content_block_start":
            self.hidden |= field(field(event, "content_block"), "type") == "redacted_thinking"
        elif kind == "content_block_delta":
            delta = field(event, "delta")
            if field(delta, "type") == "thinking_delta":
                self.thinking.append(field(delta, "thinking") or "")
        elif kind == "message_delta":
            self.stop = field(field(event, "delta"), "stop_reason") or self.stop
            later = as_dict(field(event, "usage")) or {}
            self.usage.update({k: v for k, v in later.items() if v is not None})

    def result(self) -> dict[str, Any] | None:
        """A Messages-shaped response, or ``None`` before the ``message_delta`` event."""
        if self.stop is None:
            return None
        text = "".join(self.thinking)
        content = [{"type": "thinking", "thinking": text}] if text else []
        if self.hidden:
            content.append({"type": "redacted_thinking", "data": ""})
        return {
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": self.stop,
            "usage": self.usage,
        }


MESSAGES = Api(
    name="anthropic messages.create",
    provider="anthropic",
    prompt=_prompt,
    thinking=(
        ("thinking",),
        ("output_config", "effort"),
        ("extra_body", "thinking"),
        ("extra_body", "output_config", "effort"),
    ),
    max_tokens=first_max_tokens(("max_tokens",)),
    apply=merger(("max_tokens",)),
    inputs=("messages", "tools"),
    observer=MessagesObserver,
)


class StreamManager:
    """What ``messages.stream(...)`` of a wrapped client returns, in place of the SDK's manager.

    Entering it enters the SDK's manager (``__wrapped__``) and gives its own stream, watched;
    every other attribute is the SDK manager's.
    """

    def __init__(self, planner: Planner, plan: Plan, manager: Any) -> None:
        self.__wrapped__ = manager
        self._planner, self._plan = planner, plan

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__wrapped__, name)

    def _watched(self, stream: Any) -> Any:
        # The SDK's MessageStream reads a raw stream of the API's events: watch that one.
        raw = getattr(stream, "_raw_stream", None)
        watch(self._planner, self._plan, stream if raw is None else raw)
        self._plan.mark(stream)
        return stream

    def __enter__(self) -> Any:
        return self._watched(self.__wrapped__.__enter__())

    def __exit__(self, *exc: object) -> Any:
        return self.__wrapped__.__exit__(*exc)

    async def __aenter__(self) -> Any:
        return self._watched(await self.__wrapped__.__aenter__())

    async def __aexit__(self, *exc: object) -> Any:
        return await self.__wrapped__.__aexit__(*exc)


def _stream_method(planner: Planner, send: Callable[..., Any]) -> Callable[..., Any]:
    """``messages.stream``: plan the request, open the SDK's manager, hand back a watcher."""

    def stream(*args: Any, **kwargs: Any) -> Any:
        if args:
            return send(*args, **kwargs)
        plan = planner.plan(kwargs, stream=True)
        manager = StreamManager(planner, plan, send(**plan.kwargs))
        plan.mark(manager)
        return manager

    stream.__doc__ = send.__doc__
    return stream


def wrap_anthropic(
    client: Any, planner: Callable[[Api], Planner], rewrap: Callable[[Any], Any]
) -> WrappedClient:
    """``client`` with ``messages.create`` and ``messages.stream`` routed."""
    messages = client.messages
    plans = planner(MESSAGES)
    overrides = {"create": routed(plans, messages.create)}
    if callable(getattr(messages, "stream", None)):
        overrides["stream"] = _stream_method(plans, messages.stream)
    return WrappedClient(client, {"messages": Proxy(messages, overrides)}, rewrap)

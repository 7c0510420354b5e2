"""The openai client: ``chat.completions.create`` and ``responses.create``, sync and async.

Chat Completions is routed as provider ``openai`` (``openrouter`` when the client's base URL
is openrouter.ai; ``vllm`` or ``sglang`` when ``wrap(..., provider=...)`` says so), the
Responses API as ``openai-responses``. A logged Chat Completions stream gets
``stream_options={"include_usage": True}`` unless the caller set ``include_usage``: its last
chunk then carries the usage (and no choices).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from budgetrouter.clients.calls import routed
from budgetrouter.clients.core import Api, Planner
from budgetrouter.clients.kwargs import (
    as_dict,
    at,
    field,
    first_max_tokens,
    merge,
    merger,
    user_text,
)
from budgetrouter.clients.proxy import Proxy, WrappedClient
from budgetrouter.errors import ConfigError

#: The providers a Chat Completions call of the openai client can be routed as.
CHAT_PROVIDERS: tuple[str, ...] = ("openai", "openrouter", "vllm", "sglang")


def _chat_prompt(kwargs: Mapping[str, Any]) -> str:
    return user_text(kwargs.get("messages"))


def _responses_prompt(kwargs: Mapping[str, Any]) -> str:
    given = kwargs.get("input")
    return given if isinstance(given, str) else user_text(given)


def _include_usage(kwargs: dict[str, Any]) -> dict[str, Any]:
    if at(kwargs, ("stream_options", "include_usage")) is not None:
        return kwargs
    return merge(kwargs, {"stream_options": {"include_usage": True}})


class ChatObserver:
    """Assembles a Chat Completions stream's finish reason, usage and reasoning text."""

    def __init__(self) -> None:
        self.finish: str | None = None
        self.usage: dict[str, Any] | None = None
        self.reasoning: list[str] = []

    def see(self, event: Any) -> None:
        """Take one ``ChatCompletionChunk`` into account."""
        for choice in field(event, "choices") or []:
            if field(choice, "index") not in (0, None):
                continue
            self.finish = field(choice, "finish_reason") or self.finish
            delta = field(choice, "delta")
            text = field(delta, "reasoning_content") or field(delta, "reasoning")
            if isinstance(text, str):
                self.reasoning.append(text)
        usage = field(event, "usage")
        if usage is not None:
            self.usage = as_dict(usage)

    def result(self) -> dict[str, Any] | None:
        """A Chat Completions-shaped response, or ``None`` without a finish reason or usage."""
        if self.finish is None or (self.usage is None and not self.reasoning):
            return None
        message = {"role": "assistant", "reasoning_content": "".join(self.reasoning)}
        choice = {"index": 0, "finish_reason": self.finish, "message": message}
        return {"object": "chat.completion", "choices": [choice], "usage": self.usage}


class ResponsesObserver:
    """Keeps the final response a Responses stream carries in its last event."""

    def __init__(self) -> None:
        self.final: Any = None

    def see(self, event: Any) -> None:
        """Take one Responses stream event into account."""
        if field(event, "type") in ("response.completed", "response.incomplete", "response.failed"):
            self.final = field(event, "response")

    def result(self) -> Any:
        """The final ``Response``, or ``None`` when the stream carried none."""
        return self.final


def chat_api(provider: str) -> Api:
    """The Chat Completions :class:`~budgetrouter.clients.core.Api` routed as ``provider``."""
    thinking: tuple[tuple[str, ...], ...] = (
        ("reasoning_effort",),
        ("extra_body", "reasoning_effort"),
        ("extra_body", "reasoning"),
    )
    limits = ("max_completion_tokens", "max_tokens")
    if provider in ("vllm", "sglang"):
        thinking += (
            ("extra_body", "chat_template_kwargs", "enable_thinking"),
            ("extra_body", "chat_template_kwargs", "thinking_budget"),
            ("extra_body", "thinking_token_budget"),
        )
    if provider != "openai":
        limits = ("max_tokens", "max_completion_tokens")
    return Api(
        name=f"{provider} chat.completions.create",
        provider=provider,
        prompt=_chat_prompt,
        thinking=thinking,
        max_tokens=first_max_tokens(*((k,) for k in limits)),
        apply=merger(limits),
        inputs=("messages", "tools"),
        stream_usage=_include_usage,
        observer=ChatObserver,
    )


RESPONSES = Api(
    name="openai responses.create",
    provider="openai-responses",
    prompt=_responses_prompt,
    thinking=(("reasoning", "effort"), ("extra_body", "reasoning")),
    max_tokens=first_max_tokens(("max_output_tokens",)),
    apply=merger(("max_output_tokens",)),
    inputs=("input", "tools"),
    observer=ResponsesObserver,
)


def chat_provider(client: Any, provider: str | None) -> str:
    """The provider Chat Completions calls of ``client`` are routed as.

    Raises
    ------
    ConfigError
        For a ``provider`` the openai client cannot be routed as.
    """
    if provider is None:
        return "openrouter" if "openrouter.ai" in str(getattr(client, "base_url", "")) else "openai"
    if provider not in CHAT_PROVIDERS:
        raise ConfigError(
            f"Unknown provider {provider!r} for an openai client. Available: "
            f"{list(CHAT_PROVIDERS)} (or None: openrouter.ai by its base URL, else openai)"
        )
    return provider


def wrap_openai(
    client: Any,
    planner: Callable[[Api], Planner],
    provider: str | None,
    rewrap: Callable[[Any], Any],
) -> WrappedClient:
    """``client`` with ``chat.completions.create`` and ``responses.create`` routed."""
    chat = planner(chat_api(chat_provider(client, provider)))
    completions = client.chat.completions
    overrides: dict[str, Any] = {
        "chat": Proxy(
            client.chat,
            {"completions": Proxy(completions, {"create": routed(chat, completions.create)})},
        )
    }
    responses = getattr(client, "responses", None)
    if responses is not None:
        create = routed(planner(RESPONSES), responses.create)
        overrides["responses"] = Proxy(responses, {"create": create})
    return WrappedClient(client, overrides, rewrap)

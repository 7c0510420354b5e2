"""One case per wrapped API: how to build its real SDK client, call it and read its request.

Each case calls its method sync or async (``asyncio.run``, one event loop per call, with a
client made for it) against the loopback server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PROMPT = "Find the GCD of 462 and 1071."


@dataclass(frozen=True)
class Case:
    api: str  # the loopback's name of the API
    provider: str  # request_params' provider
    model: str
    make: Callable[[str, bool], Any]  # (server url, async) -> the SDK client to wrap
    method: Callable[[Any, bool], Any]  # (wrapped client, async) -> the routed method
    kwargs: Callable[[str], dict]  # prompt -> the caller's keyword arguments
    thinking: Callable[[dict], dict]  # request body -> its thinking (and limit) fields
    expected: Callable[[dict], dict]  # request_params(...) -> the same fields, as sent
    mine: dict  # the caller's own thinking parameters
    mine_sent: Callable[[dict], Any]  # request body -> the caller's thinking as sent
    mine_expected: Any  # ... which is this
    response_type: str  # the SDK's own response class, "module:Name"
    stream_method: Callable[[Any, bool], Any] | None = None  # default: method + stream=True
    max_tokens: int | None = None
    stream_kwargs: dict = field(default_factory=lambda: {"stream": True})

    def __str__(self) -> str:
        return self.api


def sdk_type(path: str) -> type:
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def call(case: Case, wrapped: Any, is_async: bool, kwargs: dict) -> Any:
    method = case.method(wrapped, is_async)
    return asyncio.run(method(**kwargs)) if is_async else method(**kwargs)


def stream(case: Case, wrapped: Any, is_async: bool, kwargs: dict) -> tuple[Any, list]:
    """Open a stream and read it to its end: (the object returned, its events)."""
    method = (case.stream_method or case.method)(wrapped, is_async)
    kwargs = {**kwargs, **({} if case.stream_method else case.stream_kwargs)}
    if not is_async:
        opened = method(**kwargs)
        return opened, list(opened)

    async def read():
        opened = await method(**kwargs)
        return opened, [event async for event in opened]

    return asyncio.run(read())


def _openai(url: str, is_async: bool) -> Any:
    from openai import AsyncOpenAI, OpenAI

    return (AsyncOpenAI if is_async else OpenAI)(
        api_key="test", base_url=f"{url}/v1", max_retries=0
    )


def _anthropic(url: str, is_async: bool) -> Any:
    from anthropic import Anthropic, AsyncAnthropic

    return (AsyncAnthropic if is_async else Anthropic)(api_key="test", base_url=url, max_retries=0)


def _genai(url: str, is_async: bool) -> Any:
    from google import genai
    from google.genai import types

    return genai.Client(api_key="test", http_options=types.HttpOptions(base_url=url))


def _pick(*keys: str) -> Callable[[dict], dict]:
    return lambda body: {k: body[k] for k in keys if k in body}


def camel(config: dict) -> dict:
    """A config's keys as the REST body spells them (google-genai writes the fields of the
    config's parts, such as its ThinkingConfig, by their proto names)."""
    return {re.sub(r"_(\w)", lambda m: m[1].upper(), k): v for k, v in config.items()}


CHAT = Case(
    api="chat",
    provider="openai",
    model="o4-mini",
    make=_openai,
    method=lambda c, a: c.chat.completions.create,
    kwargs=lambda p: {
        "model": "o4-mini",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": p}],
    },
    thinking=_pick("reasoning_effort", "max_completion_tokens", "max_tokens"),
    expected=dict,
    mine={"reasoning_effort": "low"},
    mine_sent=lambda body: body["reasoning_effort"],
    mine_expected="low",
    response_type="openai.types.chat:ChatCompletion",
)
RESPONSES = Case(
    api="responses",
    provider="openai-responses",
    model="o4-mini",
    make=_openai,
    method=lambda c, a: c.responses.create,
    kwargs=lambda p: {"model": "o4-mini", "input": p},
    thinking=_pick("reasoning", "max_output_tokens"),
    expected=dict,
    mine={"reasoning": {"effort": "low", "summary": "auto"}},
    mine_sent=lambda body: body["reasoning"],
    mine_expected={"effort": "low", "summary": "auto"},
    response_type="openai.types.responses:Response",
)
ANTHROPIC = Case(
    api="anthropic",
    provider="anthropic",
    model="claude-sonnet-4-6",
    make=_anthropic,
    method=lambda c, a: c.messages.create,
    kwargs=lambda p: {
        "model": "claude-sonnet-4-6",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": [{"type": "text", "text": p}]}],
    },
    thinking=_pick("thinking", "max_tokens", "output_config"),
    expected=dict,
    mine={"thinking": {"type": "enabled", "budget_tokens": 2000}},
    mine_sent=lambda body: body["thinking"],
    mine_expected={"type": "enabled", "budget_tokens": 2000},
    response_type="anthropic.types:Message",
    max_tokens=4096,
)
GEMINI = Case(
    api="gemini",
    provider="gemini",
    model="gemini-2.5-flash",
    make=_genai,
    method=lambda c, a: (c.aio if a else c).models.generate_content,
    kwargs=lambda p: {"model": "gemini-2.5-flash", "contents": p},
    thinking=lambda body: {
        k: v
        for k, v in body.get("generationConfig", {}).items()
        if k in ("thinkingConfig", "maxOutputTokens")
    },
    expected=lambda params: camel(params["config"]),
    mine={"config": {"thinking_config": {"thinking_budget": 100}}},
    mine_sent=lambda body: body["generationConfig"]["thinkingConfig"],
    mine_expected={"thinking_budget": 100},
    response_type="google.genai.types:GenerateContentResponse",
    stream_method=lambda c, a: (c.aio if a else c).models.generate_content_stream,
)

CASES = [CHAT, RESPONSES, ANTHROPIC, GEMINI]

"""wrap(): the entry point, pass-through, streams, OpenRouter, logs that fail, decision_of."""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import sys
import threading
import weakref

import pytest

import budgetrouter
from budgetrouter import decision_of, wrap
from budgetrouter.errors import ConfigError
from budgetrouter.outcomes import OutcomeLog
from budgetrouter.providers import request_params
from tests.clients.cases import ANTHROPIC, CHAT, GEMINI, PROMPT, RESPONSES
from tests.clients.conftest import rows
from tests.clients.loopback import anthropic_stream, chat, chat_stream, gemini, message, response

pytestmark = [
    pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning"),
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
]


def test_import_budgetrouter_loads_no_sdk_and_wrap_is_the_function():
    code = (
        "import sys, budgetrouter\n"
        "heavy = ('openai', 'anthropic', 'google.genai', 'budgetrouter.clients')\n"
        "assert not [m for m in sys.modules if m.startswith(heavy)], 'imported too early'\n"
        "from budgetrouter import decision_of, wrap\n"
        "assert callable(wrap) and callable(budgetrouter.wrap) and callable(decision_of)\n"
        "assert not [m for m in sys.modules if m.startswith(heavy[:3])], 'an SDK was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_wrap_refuses_what_it_cannot_wrap(server, router, log):
    client = CHAT.make(server.url, False)
    with pytest.raises(ConfigError, match=r"Cannot wrap a builtins.object\. Supported: openai"):
        wrap(object(), router=router)
    with pytest.raises(ConfigError, match="wrapped already"):
        wrap(wrap(client, router=router), router=router)
    with pytest.raises(ConfigError, match="router must be a budgetrouter Router"):
        wrap(client, router="models/default")
    with pytest.raises(ConfigError, match="log must be an OutcomeLog"):
        wrap(client, router=router, log="log.jsonl")
    with pytest.raises(ConfigError, match=r"Unknown provider 'vlm'.*'vllm'"):
        wrap(client, router=router, provider="vlm")
    with pytest.raises(ConfigError, match="provider applies to openai clients only"):
        wrap(ANTHROPIC.make(server.url, False), router=router, provider="openai")


def test_everything_else_is_the_clients_own(server, router, log):
    client = CHAT.make(server.url, False)
    wrapped = wrap(client, router=router, log=log)
    assert wrapped.__wrapped__ is client and wrapped.api_key == "test"
    assert wrapped.models is client.models and wrapped.chat.completions.with_raw_response
    copy = wrapped.with_options(timeout=5)
    assert copy.__wrapped__ is not client and copy.chat.completions.create.__name__ == "create"
    server.reply("chat", chat(5))
    copy.chat.completions.create(**CHAT.kwargs(PROMPT))
    assert server.sent("chat")[0]["reasoning_effort"] and len(rows(log)) == 1
    with wrapped as entered:  # closes the client (and its copies) on leaving
        assert entered is wrapped


def test_log_none_still_routes_and_escalates(server, router):
    server.reply("chat", chat(512, cut=True), chat(600))
    wrapped = wrap(CHAT.make(server.url, False), router=router)
    out = wrapped.chat.completions.create(**CHAT.kwargs(PROMPT))
    first, second = server.sent("chat")
    assert (first["reasoning_effort"], second["reasoning_effort"]) == ("medium", "high")
    assert out.usage.completion_tokens_details.reasoning_tokens == 600


def test_forced_tool_use_on_anthropic_gets_no_thinking(server, router, log, caplog):
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=router, log=log)
    tool = {"name": "calc", "input_schema": {"type": "object"}}
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        wrapped.messages.create(
            **ANTHROPIC.kwargs(PROMPT), tools=[tool], tool_choice={"type": "any"}
        )
    assert "thinking" not in server.sent("anthropic")[0]
    assert "forces tool use" in caplog.text


def test_a_failed_escalation_keeps_the_first_response(server, router, log, caplog):
    server.reply("chat", chat(512, cut=True), 500)
    wrapped = wrap(CHAT.make(server.url, False), router=router, log=log).with_options(max_retries=0)
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        out = wrapped.chat.completions.create(**CHAT.kwargs(PROMPT))
    assert out.choices[0].finish_reason == "length" and len(server.sent("chat")) == 2
    assert "escalated retry failed, first response kept" in caplog.text
    assert [r["status"] for r in rows(log)] == ["truncated"]


def test_a_log_that_cannot_be_written_loses_no_response(server, router, tmp_path, caplog):
    (tmp_path / "dir.jsonl").mkdir()
    log = OutcomeLog(tmp_path / "dir.jsonl")  # a folder: appending to it fails
    server.reply("chat", chat(5), chat(5))
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        out = wrap(CHAT.make(server.url, False), router=router, log=log).chat.completions.create(
            **CHAT.kwargs(PROMPT)
        )
    assert out.choices[0].message.content == "ok"
    assert "the outcome could not be logged" in caplog.text
    strict = wrap(CHAT.make(server.url, False), router=router, log=log, strict=True)
    with pytest.raises(IsADirectoryError):
        strict.chat.completions.create(**CHAT.kwargs(PROMPT))


def test_a_prompt_with_no_user_text_fails_open(server, router, log, caplog):
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    wrapped = wrap(CHAT.make(server.url, False), router=router, log=log)
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        wrapped.chat.completions.create(model="o4-mini", messages=messages)
        wrapped.chat.completions.create(model="o4-mini", messages=messages)
    assert "reasoning_effort" not in server.sent("chat")[0]
    assert caplog.text.count("PromptError") == 1  # once at warning level, then at debug
    with pytest.raises(budgetrouter.errors.PromptError):
        wrap(CHAT.make(server.url, False), router=router, strict=True).chat.completions.create(
            model="o4-mini", messages=messages
        )


def test_the_callers_limit_keeps_its_name(server, router, log):
    wrapped = wrap(CHAT.make(server.url, False), router=router, log=log)
    messages = [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}]
    wrapped.chat.completions.create(model="o4-mini", messages=iter(messages), max_tokens=900)
    [body] = server.sent("chat")
    assert body["max_tokens"] == 900 and "max_completion_tokens" not in body
    assert body["messages"] == messages  # a one-shot iterator is read once, then sent whole
    assert rows(log)[0]["prompt"] == PROMPT


def test_openrouter_by_base_url_and_the_callers_reasoning(server, router, log):
    from openai import OpenAI

    real = OpenAI(api_key="k", base_url="https://openrouter.ai/api/v1")
    assert wrap(real, router=router).chat.completions.create.__name__ == "create"
    from budgetrouter.clients.openai import chat_provider

    assert chat_provider(real, None) == "openrouter"
    client = CHAT.make(server.url, False)
    wrapped = wrap(client, router=router, log=log, provider="openrouter")
    model = "openai/o4-mini"
    kwargs = {"model": model, "messages": [{"role": "user", "content": PROMPT}]}
    wrapped.chat.completions.create(**kwargs, extra_body={"provider": {"sort": "price"}})
    decision = router.route(PROMPT, model=model)
    params = request_params(decision, "openrouter", model)
    body = server.sent("chat")[0]
    assert body["reasoning"] == params["extra_body"]["reasoning"]
    assert body["provider"] == {"sort": "price"}  # the caller's other extra_body fields stay
    wrapped.chat.completions.create(**kwargs, extra_body={"reasoning": {"effort": "low"}})
    assert server.sent("chat")[1]["reasoning"] == {"effort": "low"}
    assert [r["thinking_set_by"] for r in rows(log)] == ["router", "caller"]
    assert rows(log)[1]["effort"] == "low" and rows(log)[1]["budget"] is None


def test_responses_items_and_genai_conversations_give_the_last_user_text(server, router, log):
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": PROMPT}]},
        {"type": "function_call_output", "call_id": "c", "output": "42"},
    ]
    server.reply("responses", response(3))
    wrap(RESPONSES.make(server.url, False), router=router, log=log).responses.create(
        model="o4-mini", input=items
    )
    from google.genai import types

    contents = [
        types.Content(role="user", parts=[types.Part(text="hello")]),
        types.Content(role="model", parts=[types.Part(text="hi")]),
        types.Content(role="user", parts=[types.Part(text=PROMPT)]),
    ]
    client = GEMINI.make(server.url, False)
    wrap(client, router=router, log=log).models.generate_content(
        model="models/gemini-2.5-flash", contents=contents
    )
    assert [(r["prompt"], r["model"]) for r in rows(log)] == [
        (PROMPT, "o4-mini"),
        (PROMPT, "gemini-2.5-flash"),
    ]


def test_genai_config_objects_are_merged_into_a_copy(server, router, log):
    from google.genai import types

    config = types.GenerateContentConfig(temperature=0.5, max_output_tokens=3000)
    client = GEMINI.make(server.url, False)
    wrap(client, router=router, log=log).models.generate_content(
        model="gemini-2.5-flash", contents=PROMPT, config=config
    )
    body = server.sent("gemini")[0]["generationConfig"]
    params = request_params(
        router.route(PROMPT, model="gemini-2.5-flash"), "gemini", "gemini-2.5-flash", 3000
    )
    assert body["thinkingConfig"] == params["config"]["thinking_config"]
    assert (body["maxOutputTokens"], body["temperature"]) == (3000, 0.5)
    assert config.thinking_config is None  # the caller's object is not changed
    wrap(client, router=router).models.generate_content(
        model="gemini-2.5-flash", contents=PROMPT, config={"maxOutputTokens": 3000}
    )
    assert server.sent("gemini")[1]["generationConfig"]["maxOutputTokens"] == 3000


def test_wrapping_genai_aio_directly(server, router, log):
    client = GEMINI.make(server.url, True)
    server.reply("gemini", gemini(40))
    out = asyncio.run(
        wrap(client.aio, router=router, log=log).models.generate_content(
            model="gemini-2.5-flash", contents=PROMPT
        )
    )
    assert decision_of(out) is not None and rows(log)[0]["reasoning_tokens"] == 40


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_anthropic_messages_stream(server, router, log, is_async):
    server.reply("anthropic", anthropic_stream(333))
    wrapped = wrap(ANTHROPIC.make(server.url, is_async), router=router, log=log)
    manager = wrapped.messages.stream(**ANTHROPIC.kwargs(PROMPT))
    decision = router.route(PROMPT, model=ANTHROPIC.model)
    assert decision_of(manager) == decision
    if is_async:

        async def read():
            async with manager as stream:
                return stream, await stream.get_final_message()

        stream, final = asyncio.run(read())
    else:
        with manager as stream:
            final = stream.get_final_message()
    from anthropic.lib.streaming import AsyncMessageStream, MessageStream

    assert type(stream) is (AsyncMessageStream if is_async else MessageStream)
    assert final.usage.output_tokens_details.thinking_tokens == 333
    assert decision_of(stream) == decision
    [row] = rows(log)
    assert (row["reasoning_tokens"], row["status"]) == (333, "finished")
    body = server.sent("anthropic")[0]
    params = request_params(decision, "anthropic", ANTHROPIC.model, 4096)
    assert (body["thinking"], body["max_tokens"]) == (params["thinking"], params["max_tokens"])


def test_a_stream_left_early_or_without_usage_is_not_logged(server, router, log, caplog):
    server.reply("chat", chat_stream(10), chat_stream(10)[:-1])
    wrapped = wrap(CHAT.make(server.url, False), router=router, log=log)
    stream = wrapped.chat.completions.create(**CHAT.kwargs(PROMPT), stream=True)
    for _ in stream:
        break
    stream.close()
    opts = {"include_usage": False}
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        chunks = list(
            wrapped.chat.completions.create(**CHAT.kwargs(PROMPT), stream=True, stream_options=opts)
        )
    assert len(chunks) == 2 and server.sent("chat")[1]["stream_options"] == opts
    assert "ended without usage" in caplog.text
    assert rows(log) == []


def test_decision_of_holds_no_response_alive(server, router):
    server.reply("responses", response(3))
    out = wrap(RESPONSES.make(server.url, False), router=router).responses.create(
        **RESPONSES.kwargs(PROMPT)
    )
    assert decision_of(out) == router.route(PROMPT, model="o4-mini")
    assert decision_of(object()) is None and decision_of(None) is None
    gone = weakref.ref(out)
    del out
    gc.collect()
    assert gone() is None


def test_concurrent_calls_each_get_their_own_decision(server, router, log):
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=router, log=log)
    prompts = [f"Task {i}: add {' '.join(['7'] * (i * 9))}" for i in range(8)]
    got = {}

    def work(prompt):
        server.reply("anthropic", message(5))
        kwargs = {**ANTHROPIC.kwargs(prompt)}
        got[prompt] = decision_of(wrapped.messages.create(**kwargs))

    threads = [threading.Thread(target=work, args=(p,)) for p in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {p: router.route(p, model=ANTHROPIC.model) for p in prompts}
    assert sorted(r["prompt"] for r in rows(log)) == sorted(prompts)


@pytest.mark.parametrize("provider", ["sglang", "vllm"])
def test_a_reported_zero_beside_reasoning_text_logs_the_text_count(server, router, log, provider):
    thought = "17 times 3 is 51, plus 9 is 60."
    answer = chat(0)
    answer["choices"][0]["message"] = {"role": "assistant", "content": "60",
                                       "reasoning_content": thought}  # fmt: skip
    events = chat_stream(0)
    events.insert(0, {**events[0], "choices": [
        {"index": 0, "delta": {"reasoning_content": thought}, "finish_reason": None}]})  # fmt: skip
    server.reply("chat", answer, events)
    wrapped = wrap(CHAT.make(server.url, False), router=router, log=log, provider=provider)
    kwargs = {**CHAT.kwargs(PROMPT), "model": "qwen3-8b"}
    wrapped.chat.completions.create(**kwargs)
    list(wrapped.chat.completions.create(**kwargs, stream=True))
    from budgetrouter.providers import default_token_counter

    expected = default_token_counter()(thought)
    assert expected > 0
    assert [r["reasoning_tokens"] for r in rows(log)] == [expected, expected]

"""Requests the provider accepts: the caller's own request limits the thinking a call is given.

The loopback server refuses (400) what the provider refuses (tests/clients/loopback.py
``refusal``), so a wrapped call that turned the caller's 200 into a 400 fails here with the
SDK's own ``BadRequestError``.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from budgetrouter import Router, wrap
from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params
from tests.clients.cases import ANTHROPIC, CHAT, PROMPT, RESPONSES
from tests.clients.conftest import rows
from tests.clients.loopback import chat, response

pytestmark = pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning")

TOOL = {"name": "calc", "description": "adds", "input_schema": {"type": "object"}}
USE = {"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {}}
RESULT = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1"}]}
THOUGHT = {"type": "thinking", "thinking": "add them", "signature": "sig"}
ASK = {"role": "user", "content": PROMPT}

#: Caller's requests Anthropic refuses thinking in, as written (each a 200 without thinking).
#: The anthropic SDK (2.x) takes sampling parameters through ``extra_body`` only.
RULED_OUT = {
    "temperature": {"extra_body": {"temperature": 0.2}},
    "temperature 0": {"extra_body": {"temperature": 0}},
    "top_k": {"extra_body": {"top_k": 40}},
    "top_p below 0.95": {"extra_body": {"top_p": 0.9}},
    "forced tool": {"tools": [TOOL], "tool_choice": {"type": "any"}},
    "named tool": {"tools": [TOOL], "tool_choice": {"type": "tool", "name": "calc"}},
    "tool loop without thinking": {
        "tools": [TOOL],
        "messages": [ASK, {"role": "assistant", "content": [USE]}, RESULT],
    },
    "tool loop, text before the tool use": {
        "tools": [TOOL],
        "messages": [
            ASK,
            {"role": "assistant", "content": [{"type": "text", "text": "let me"}, USE]},
            RESULT,
        ],
    },
    "prefill": {"messages": [ASK, {"role": "assistant", "content": "The answer is"}]},
    "tool result with text beside it": {
        "tools": [TOOL],
        "messages": [
            ASK,
            {"role": "assistant", "content": [USE]},
            {"role": "user", "content": [RESULT["content"][0], {"type": "text", "text": "go"}]},
        ],
    },
    "tool result, then user text": {
        "tools": [TOOL],
        "messages": [ASK, {"role": "assistant", "content": [USE]}, RESULT, ASK],
    },
}

#: Requests that take thinking (routed): allowed values, and a tool loop begun with thinking.
TAKES_THINKING = {
    "temperature 1": {"extra_body": {"temperature": 1}},
    "top_p 0.95": {"extra_body": {"top_p": 0.95}},
    "auto tool choice": {"tools": [TOOL], "tool_choice": {"type": "auto"}},
    "tool loop with thinking": {
        "tools": [TOOL],
        "messages": [ASK, {"role": "assistant", "content": [THOUGHT, USE]}, RESULT],
    },
    "a finished tool loop, asked again": {
        "messages": [
            ASK,
            {"role": "assistant", "content": [USE]},
            RESULT,
            {"role": "assistant", "content": "3"},
            ASK,
        ]
    },
}


@pytest.fixture(scope="module")
def none_router(tiny_bundle):
    """The tiny router with a token price so high that every decision is tier none."""
    router = Router.load(tiny_bundle)
    router.set_policy(replace(router.policy, price=1e9, margin_steps=0))
    assert router.route(PROMPT).tier == "none"
    return router


def anthropic_call(extra: dict) -> dict:
    return {**ANTHROPIC.kwargs(PROMPT), **extra}


@pytest.mark.parametrize("case", list(RULED_OUT))
def test_anthropic_calls_that_rule_thinking_out_go_as_written(server, router, log, caplog, case):
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=router, log=log)
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        out = wrapped.messages.create(**anthropic_call(RULED_OUT[case]))
    assert out.type == "message"  # a 400 would have raised anthropic.BadRequestError
    sent = server.sent("anthropic")[0]
    assert "thinking" not in sent and "Anthropic refuses thinking" in caplog.text
    assert rows(log) == []  # sent as the caller wrote it: not a routed run
    strict = wrap(ANTHROPIC.make(server.url, False), router=router, strict=True)
    with pytest.raises(ConfigError, match="Anthropic refuses thinking"):
        strict.messages.create(**anthropic_call(RULED_OUT[case]))
    assert len(server.sent("anthropic")) == 1  # strict refused before sending


@pytest.mark.parametrize("case", list(TAKES_THINKING))
def test_anthropic_calls_that_take_thinking_are_routed(server, router, log, case):
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=router, log=log)
    wrapped.messages.create(**anthropic_call(TAKES_THINKING[case]))
    assert server.sent("anthropic")[0]["thinking"]["type"] == "enabled"
    assert [r["thinking_set_by"] for r in rows(log)] == ["router"]


def test_a_no_thinking_decision_keeps_the_callers_sampling(server, none_router, log, caplog):
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=none_router, log=log)
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        wrapped.messages.create(**anthropic_call({"extra_body": {"temperature": 0.2, "top_k": 3}}))
    sent = server.sent("anthropic")[0]
    assert "thinking" not in sent and sent["temperature"] == 0.2
    assert "refuses" not in caplog.text
    assert [(r["tier"], r["budget"]) for r in rows(log)] == [("none", 0)]


def test_sdk_message_objects_are_read_like_dicts(server, router, log):
    from anthropic.types import Message, TextBlock, ToolUseBlock, Usage

    turn = Message(
        id="m", type="message", role="assistant", model="claude-sonnet-4-6",
        content=[TextBlock(type="text", text="let me"), ToolUseBlock(**USE)],
        stop_reason="tool_use", usage=Usage(input_tokens=1, output_tokens=1),
    )  # fmt: skip
    messages = [ASK, {"role": "assistant", "content": turn.content}, RESULT]
    wrapped = wrap(ANTHROPIC.make(server.url, False), router=router, log=log)
    wrapped.messages.create(**anthropic_call({"tools": [TOOL], "messages": messages}))
    assert "thinking" not in server.sent("anthropic")[0]


def test_adaptive_thinking_may_force_tool_use_but_not_set_temperature():
    d = Decision("short", 512, 300, 900, 0.1, False, "v")
    forced = {"tool_choice": {"type": "any"}, "messages": [ASK]}
    params = request_params(d, "anthropic", "claude-opus-4-7", 8000, call=forced)
    assert params["thinking"] == {"type": "adaptive"}
    with pytest.raises(ConfigError, match=r"temperature=0\.5"):
        request_params(d, "anthropic", "claude-opus-4-7", 8000, call={"temperature": 0.5})
    with pytest.raises(ConfigError, match="tool_choice of type 'any'"):
        request_params(d, "anthropic", "claude-sonnet-4-6", 8000, call=forced)
    with pytest.raises(ConfigError, match="call must be the request's keyword arguments"):
        request_params(d, "anthropic", "claude-sonnet-4-6", 8000, call=[("temperature", 0)])


@pytest.mark.parametrize(
    ("case", "search"),
    [
        (CHAT, {"tools": [{"type": "web_search"}]}),
        (CHAT, {"web_search_options": {}}),
        (RESPONSES, {"tools": [{"type": "web_search"}]}),
        (RESPONSES, {"tools": [{"type": "web_search_preview"}]}),
        (RESPONSES, {"extra_body": {"tools": [{"type": "web_search_2025_08_26"}]}}),
    ],
)
def test_gpt5_minimal_effort_is_raised_beside_web_search(server, none_router, log, case, search):
    answer = {"chat": chat, "responses": response}[case.api]
    server.reply(case.api, answer(0), answer(0))
    wrapped = wrap(case.make(server.url, False), router=none_router, log=log)
    method = case.method(wrapped, False)
    with pytest.warns(UserWarning, match="refuses reasoning effort 'minimal' with the 'web_search"):
        method(**{**case.kwargs(PROMPT), "model": "gpt-5", **search})
    body = server.sent(case.api)[0]
    effort = body.get("reasoning_effort") or body["reasoning"]["effort"]
    assert effort == "low"
    assert [(r["tier"], r["effort"]) for r in rows(log)] == [("none", "low")]
    # without the tool, tier none is minimal
    method(**{**case.kwargs(PROMPT), "model": "gpt-5"})
    body = server.sent(case.api)[1]
    assert (body.get("reasoning_effort") or body["reasoning"]["effort"]) == "minimal"
    d = none_router.route(PROMPT, model="gpt-5")
    with pytest.raises(ConfigError, match="strict=True refuses"):
        request_params(d, case.provider, "gpt-5", strict=True, call=search)


def test_function_tools_leave_minimal_effort_as_it_is():
    d = Decision("none", 0, 0, 0, 0.9, False, "v")
    call = {"tools": [{"type": "function", "function": {"name": "f"}}]}
    assert request_params(d, "openai", "gpt-5", call=call)["reasoning_effort"] == "minimal"


@pytest.mark.parametrize("case", [CHAT, RESPONSES], ids=["chat", "responses"])
@pytest.mark.parametrize("sampling", [{"temperature": 0.2}, {"top_p": 0.5}])
def test_gpt51_sampling_rules_reasoning_out(server, router, log, caplog, case, sampling):
    wrapped = wrap(case.make(server.url, False), router=router, log=log)
    call = {**case.kwargs(PROMPT), "model": "gpt-5.1", **sampling}
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        case.method(wrapped, False)(**call)  # a 400 would raise openai.BadRequestError
    body = server.sent(case.api)[0]
    assert "reasoning_effort" not in body and "reasoning" not in body
    assert "only with reasoning effort 'none'" in caplog.text
    # o4-mini cannot switch reasoning off: its sampling arguments are the caller's own matter
    d = router.route(PROMPT, model="o4-mini")
    assert request_params(d, case.provider, "o4-mini", call=sampling)


def test_gpt51_logprobs_rule_reasoning_out_and_a_none_decision_keeps_them(none_router):
    d = Decision("short", 512, 300, 900, 0.1, False, "v")
    with pytest.raises(ConfigError, match="logprobs only with reasoning effort 'none'"):
        request_params(d, "openai", "gpt-5.2", call={"logprobs": True, "top_logprobs": 2})
    none = none_router.route(PROMPT, model="gpt-5.2")
    sent = request_params(none, "openai", "gpt-5.2", call={"temperature": 0.2})
    assert sent["reasoning_effort"] == "none"

"""Every wrapped API, sync and async, with its real SDK client against the loopback server."""

from __future__ import annotations

import inspect
import logging

import pytest

from budgetrouter import decision_of, wrap
from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params
from tests.clients.cases import CASES, PROMPT, call, sdk_type, stream
from tests.clients.conftest import rows
from tests.clients.loopback import REPLIES, STREAMS

pytestmark = [
    pytest.mark.parametrize("case", CASES, ids=str),
    pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"]),
    # claude-sonnet-4-6 takes at least 1,024 budget tokens: the router's 512 is raised, warned
    pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning"),
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
]


def expected(case, router, decision=None):
    decision = decision or router.route(PROMPT, model=case.model)
    return case.expected(
        request_params(decision, case.provider, case.model, max_tokens=case.max_tokens)
    )


def test_a_call_carries_the_decision_and_logs_one_row(case, is_async, server, router, log):
    server.reply(case.api, REPLIES[case.api](321))
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log)
    response = call(case, wrapped, is_async, case.kwargs(PROMPT))
    assert type(response) is sdk_type(case.response_type)
    [body] = server.sent(case.api)
    assert case.thinking(body) == expected(case, router)
    decision = router.route(PROMPT, model=case.model)
    assert decision_of(response) == decision
    [row] = rows(log)
    assert row["reasoning_tokens"] == 321 and row["status"] == "finished"
    assert (row["prompt"], row["model"], row["tier"]) == (PROMPT, case.model, decision.tier)
    assert (row["thinking_set_by"], row["escalated_from"]) == ("router", None)


def test_a_run_cut_off_while_thinking_is_resent_one_tier_up(case, is_async, server, router, log):
    server.reply(case.api, REPLIES[case.api](512, cut=True), REPLIES[case.api](900))
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log)
    response = call(case, wrapped, is_async, case.kwargs(PROMPT))
    first, second = server.sent(case.api)
    decision = router.route(PROMPT, model=case.model)
    up = router.escalate(decision)
    assert case.thinking(first) == expected(case, router)
    assert case.thinking(second) == expected(case, router, up)
    assert decision_of(response) == up
    assert type(response) is sdk_type(case.response_type)
    cut, retried = rows(log)
    assert (cut["reasoning_tokens"], cut["status"], cut["escalated_from"]) == (
        512,
        "truncated",
        None,
    )
    assert (retried["reasoning_tokens"], retried["status"]) == (900, "finished")
    assert (retried["escalated_from"], retried["tier"]) == (decision.tier, up.tier)


def test_no_escalation_when_asked_not_to(case, is_async, server, router, log):
    server.reply(case.api, REPLIES[case.api](512, cut=True))
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log, escalate=False)
    call(case, wrapped, is_async, case.kwargs(PROMPT))
    assert len(server.sent(case.api)) == 1 and len(rows(log)) == 1


def test_the_callers_own_thinking_wins(case, is_async, server, router, log):
    server.reply(case.api, REPLIES[case.api](77, cut=True))  # cut off: still never escalated
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log)
    response = call(case, wrapped, is_async, {**case.kwargs(PROMPT), **case.mine})
    [body] = server.sent(case.api)
    assert case.mine_sent(body) == case.mine_expected
    assert decision_of(response) is None  # the router did not set this call's thinking
    [row] = rows(log)
    assert (row["thinking_set_by"], row["reasoning_tokens"]) == ("caller", 77)
    assert row["tier"] is None  # the row says what the run was given, not the decision
    assert (row["budget"], row["effort"]) in ((2000, None), (100, None), (None, "low"))


def test_a_stream_passes_through_and_is_logged_when_it_ends(case, is_async, server, router, log):
    events = STREAMS[case.api](222)
    server.reply(case.api, events)
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log)
    opened, got = stream(case, wrapped, is_async, case.kwargs(PROMPT))
    assert len(got) == len(events)  # every event, as the SDK parses it
    if case.api == "gemini":  # google-genai's own (async) generator, watched by one of ours
        assert inspect.isasyncgen(opened) if is_async else inspect.isgenerator(opened)
    else:  # the SDK's own stream object
        sdk = "openai" if case.api in ("chat", "responses") else "anthropic"
        assert type(opened) is getattr(__import__(sdk), "AsyncStream" if is_async else "Stream")
    assert decision_of(opened) == router.route(PROMPT, model=case.model)
    [body] = server.sent(case.api)
    assert case.thinking(body) == expected(case, router)
    if case.api == "chat":
        assert body["stream_options"] == {"include_usage": True}
    [row] = rows(log)
    assert (row["reasoning_tokens"], row["status"], row["thinking_set_by"]) == (
        222, "finished", "router"
    )  # fmt: skip


def test_an_unknown_model_goes_out_as_the_caller_sent_it(
    case, is_async, server, router, log, caplog
):
    kwargs = {**case.kwargs(PROMPT), "model": "my-finetune"}
    wrapped = wrap(case.make(server.url, is_async), router=router, log=log)
    with caplog.at_level(logging.WARNING, logger="budgetrouter.clients"):
        response = call(case, wrapped, is_async, kwargs)
    [body] = server.sent(case.api)
    assert case.thinking(body) == (
        {"max_tokens": case.max_tokens} if case.max_tokens else {}
    )  # nothing added
    assert type(response) is sdk_type(case.response_type) and decision_of(response) is None
    assert "sent with the caller's own parameters" in caplog.text and "my-finetune" in caplog.text
    assert rows(log) == []
    strict = wrap(case.make(server.url, is_async), router=router, log=log, strict=True)
    with pytest.raises(ConfigError, match="my-finetune"):
        call(case, strict, is_async, kwargs)
    assert len(server.sent(case.api)) == 1  # strict refused before sending

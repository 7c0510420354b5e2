"""OpenAI Chat Completions and Responses: effort levels sent, reasoning usage read back."""

import pytest

from budgetrouter.decision import effort_for_tier
from budgetrouter.providers import reasoning_usage, request_params
from budgetrouter.providers.openai import CAPABILITIES
from tests.providers.loopback import (
    LONG,
    NONE,
    OPENAI_CHAT,
    OPENAI_RESPONSE,
    SHORT,
    UNCAPPED,
    Handler,
    openai_client,
    send_openai,
)


# A tier maps to an effort by budgetrouter.decision.effort_for_tier: none -> the lowest level,
# short -> the middle one (the lower of two), long -> the highest.
@pytest.mark.parametrize(
    ("model", "d", "effort"),
    [
        ("o3-mini", NONE, "low"),
        ("gpt-5", NONE, "minimal"),
        ("gpt-5.1", NONE, "none"),
        ("o3", SHORT, "medium"),
        ("gpt-5", SHORT, "low"),
        ("gpt-5.2", SHORT, "medium"),
        ("o4-mini", LONG, "high"),
        ("gpt-5.2", LONG, "xhigh"),
        ("gpt-5", UNCAPPED, "high"),
    ],
)
def test_openai_reasoning_effort(server, model, d, effort):
    params = request_params(d, "openai", model)
    assert send_openai(server, params, model)["reasoning_effort"] == effort
    if d.tier == "none" and effort != "none":
        assert any("lowest effort" in n for n in params.notes)
    else:
        assert not params.notes


def test_every_tier_sends_an_accepted_level():
    for cap in CAPABILITIES:
        if cap.style in ("fixed", "off"):  # no effort to send (o1-mini, gpt-4o)
            continue
        for tier in ("none", "short", "long"):
            assert effort_for_tier(tier, cap.efforts) in cap.efforts


def test_tier_none_note_names_the_family_and_level():
    params = request_params(NONE, "openai", "o3-mini")
    assert params.notes == [
        "tier none: o3-mini cannot switch thinking off; sent the lowest effort it accepts, 'low'"
    ]


def test_openai_responses_reasoning(server):
    body = send_openai(
        server,
        request_params(SHORT, "openai-responses", "gpt-5", max_tokens=3000),
        "gpt-5",
        responses=True,
    )
    assert body["reasoning"] == {"effort": "low"}
    assert body["max_output_tokens"] == 3000


def test_max_completion_tokens(server):
    body = send_openai(server, request_params(LONG, "openai", "o3", max_tokens=9000), "o3")
    assert body["max_completion_tokens"] == 9000


def test_openai_chat_object(server):
    Handler.replies["chat"] = {
        **OPENAI_CHAT,
        "choices": [{**OPENAI_CHAT["choices"][0], "finish_reason": "length"}],
        "usage": {**OPENAI_CHAT["usage"], "completion_tokens_details": {"reasoning_tokens": 777}},
    }
    client = openai_client(server)
    resp = client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "x"}])
    usage = reasoning_usage(resp)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (777, True, "openai")


def test_openai_responses_object(server):
    Handler.replies["responses"] = {
        **OPENAI_RESPONSE, "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "usage": {"input_tokens": 1, "output_tokens": 50, "total_tokens": 51,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 48}},
    }  # fmt: skip
    client = openai_client(server)
    usage = reasoning_usage(client.responses.create(model="gpt-5", input="x"))
    assert (usage.reasoning_tokens, usage.truncated) == (48, True)
    assert usage.provider == "openai-responses"

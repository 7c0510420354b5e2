"""Anthropic Messages: thinking budgets and adaptive effort sent, thinking blocks read back."""

import pytest

from budgetrouter.errors import ConfigError
from budgetrouter.providers import reasoning_usage, request_params
from tests.providers.loopback import (
    ANTHROPIC,
    LONG,
    NONE,
    SHORT,
    UNCAPPED,
    Handler,
    anthropic_client,
    decision,
    send_anthropic,
    words,
)


def test_anthropic_budget_is_at_least_1024_and_below_max_tokens(server):
    body = send_anthropic(
        server,
        request_params(SHORT, "anthropic", "claude-sonnet-4-6", max_tokens=8000),
        "claude-sonnet-4-6",
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert body["max_tokens"] == 8000
    with pytest.warns(UserWarning, match="below the minimum 1024"):
        params = request_params(decision("short", 300), "anthropic", "claude-sonnet-4")
    body = send_anthropic(server, params, "claude-sonnet-4")
    assert body["thinking"]["budget_tokens"] == 1024 < body["max_tokens"]


def test_anthropic_max_tokens_too_small(server):
    with pytest.raises(ConfigError, match="strict=True refuses"):
        request_params(SHORT, "anthropic", "claude-sonnet-4", max_tokens=1500, strict=True)
    with pytest.warns(UserWarning, match="max_tokens raised"):
        params = request_params(SHORT, "anthropic", "claude-sonnet-4", max_tokens=1500)
    body = send_anthropic(server, params, "claude-sonnet-4")
    assert body["thinking"]["budget_tokens"] + 1024 <= body["max_tokens"]


def test_anthropic_none_and_uncapped(server):
    assert "thinking" not in send_anthropic(
        server, request_params(NONE, "anthropic", "claude-3-7-sonnet"), "claude-3-7-sonnet"
    )
    body = send_anthropic(
        server,
        request_params(UNCAPPED, "anthropic", "claude-opus-4-1", max_tokens=20000),
        "claude-opus-4-1",
    )
    assert body["thinking"]["budget_tokens"] == 20000 - 1024


def test_anthropic_uncapped_with_too_few_max_tokens():
    with pytest.raises(ConfigError, match="leaves less than 1024 thinking tokens"):
        request_params(UNCAPPED, "anthropic", "claude-opus-4-1", max_tokens=1500, strict=True)
    with pytest.warns(UserWarning, match="leaves less than 1024 thinking tokens"):
        params = request_params(UNCAPPED, "anthropic", "claude-opus-4-1", max_tokens=1500)
    assert params["thinking"]["budget_tokens"] == 1024
    assert params["max_tokens"] == 1024 + 1024


@pytest.mark.parametrize(("d", "effort"), [(NONE, "low"), (SHORT, "medium"), (LONG, "max")])
def test_anthropic_adaptive_only_model(server, d, effort):
    params = request_params(d, "anthropic", "claude-opus-4-7")
    body = send_anthropic(server, params, "claude-opus-4-7")
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": effort}
    assert bool(params.notes) == (d.tier == "none")


def test_anthropic_thinking_blocks(server):
    Handler.replies["anthropic"] = {
        **ANTHROPIC,
        "stop_reason": "max_tokens",
        "model": "claude-3-7-sonnet-20250219",
        "content": [{"type": "thinking", "thinking": "one two three four", "signature": "s"}],
    }  # fmt: skip  (3.7 Sonnet shows its whole thinking: its text is the count)
    client = anthropic_client(server)
    resp = client.messages.create(
        model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "x"}]
    )
    usage = reasoning_usage(resp, count_tokens=words)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (4, True, "anthropic")


def test_anthropic_reported_count_wins_over_counting():
    resp = {
        **ANTHROPIC,
        "content": [{"type": "thinking", "thinking": "one two three four"}],
        "usage": {"output_tokens_details": {"reasoning_tokens": 99}},
    }
    usage = reasoning_usage(resp, count_tokens=words)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (99, False, "anthropic")

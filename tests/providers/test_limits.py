"""Limits outside each provider's parameter rules: the SDK's non-streaming cap, answer room."""

import anthropic
import pytest
from anthropic._constants import MODEL_NONSTREAMING_TOKENS

from budgetrouter.decision import Decision, TierRules
from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params

LONG = Decision("long", None, 3000, 6000, 0.0, False, "v")
BIG = Decision("long", 30000, 3000, 6000, 0.0, False, "v")


def sdk_accepts(model: str, max_tokens: int) -> bool:
    """Whether the real anthropic client sends this ``max_tokens`` without streaming."""
    client = anthropic.Anthropic(api_key="test-key")
    try:
        client._calculate_nonstreaming_timeout(max_tokens, MODEL_NONSTREAMING_TOKENS.get(model))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "model", ["claude-sonnet-4-5", "claude-opus-4-20250514", "claude-opus-4-1"]
)
@pytest.mark.parametrize("decision", [LONG, BIG])
def test_anthropic_requests_stay_within_the_non_streaming_limit(model, decision):
    params = request_params(decision, "anthropic", model)
    assert sdk_accepts(model, params["max_tokens"]), params
    thinking = params["thinking"]["budget_tokens"]
    assert params["max_tokens"] - thinking >= 1  # the answer keeps room


def test_every_escalation_is_sendable():
    rules = TierRules()
    decision = Decision("none", 0, 10, 50, 0.9, False, "v")
    while (decision := rules.escalate(decision)) is not None:
        params = request_params(decision, "anthropic", "claude-sonnet-4-5")
        assert sdk_accepts("claude-sonnet-4-5", params["max_tokens"])


def test_a_lowered_budget_is_refused_under_strict_and_a_long_max_tokens_says_stream():
    with pytest.raises(ConfigError, match="without streaming"):
        request_params(BIG, "anthropic", "claude-sonnet-4-5", strict=True)
    params = request_params(LONG, "anthropic", "claude-sonnet-4-5", max_tokens=64000)
    assert params["max_tokens"] == 64000
    assert any("stream" in note for note in params.notes)


def test_gemini_uncapped_thinking_leaves_the_answer_room_in_max_tokens():
    params = request_params(LONG, "gemini", "gemini-2.5-flash", max_tokens=4000, answer_tokens=500)
    config = params["config"]
    assert config["max_output_tokens"] == 4000
    assert config["thinking_config"]["thinking_budget"] == 3500
    dynamic = request_params(LONG, "gemini", "gemini-2.5-flash")["config"]
    assert dynamic["thinking_config"]["thinking_budget"] == -1  # no max_tokens to share


@pytest.mark.parametrize("provider", ["vllm", "sglang"])
def test_uncapped_thinking_on_a_server_leaves_the_answer_its_room(provider):
    long = Decision("long", None, 3000, 6000, 0.0, False, "v")
    params = request_params(long, provider, "qwen3-8b", max_tokens=4000, answer_tokens=1000)
    body = params["extra_body"]
    budget = body.get("thinking_token_budget") or body["chat_template_kwargs"]["thinking_budget"]
    assert (budget, params["max_tokens"]) == (3000, 4000)


def test_a_numpy_max_tokens_is_sent_as_a_plain_int():
    import numpy as np

    short = Decision("short", 1024, 300, 900, 0.1, False, "v")
    params = request_params(short, "anthropic", "claude-sonnet-4-5", max_tokens=np.int64(9000))
    assert type(params["max_tokens"]) is int


def test_a_small_max_tokens_is_raised_to_the_smallest_budget_that_fits_not_the_decisions():
    import warnings

    long = Decision("long", 8192, 3000, 6000, 0.0, False, "v")
    uncapped = Decision("long", None, 3000, 6000, 0.0, False, "v")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opus = request_params(long, "anthropic", "claude-opus-4-1", max_tokens=2000)
        pro = request_params(uncapped, "gemini", "gemini-2.5-pro", max_tokens=100)
        o4 = request_params(uncapped, "openai", "o4-mini", max_tokens=100)
    assert (opus["max_tokens"], opus["thinking"]["budget_tokens"]) == (2048, 1024)  # <= 8,192
    config = pro["config"]
    assert config["thinking_config"]["thinking_budget"] < config["max_output_tokens"]
    assert any("may take all of it" in n for n in o4.notes)
    with pytest.raises(ConfigError, match="leaves no thinking room"):
        request_params(uncapped, "gemini", "gemini-2.5-pro", max_tokens=100, strict=True)

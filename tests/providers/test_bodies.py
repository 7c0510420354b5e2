"""The JSON body each real SDK client sends, for the provider-rule cases that used to fail."""

from budgetrouter.decision import Decision, TierRules
from budgetrouter.providers import request_params
from tests.providers.loopback import send_anthropic, send_openai

NONE = Decision("none", 0, 10, 50, 0.9, False, "v")
SHORT = Decision("short", 1024, 300, 900, 0.1, False, "v")
LONG = Decision("long", None, 3000, 6000, 0.0, False, "v")


def test_o1_mini_body_has_no_reasoning_effort(server):
    body = send_openai(server, request_params(SHORT, "openai", "o1-mini"), "o1-mini")
    assert "reasoning_effort" not in body


def test_gpt_5_1_codex_body_sends_low_for_tier_none(server):
    params = request_params(NONE, "openai", "gpt-5.1-codex")
    assert send_openai(server, params, "gpt-5.1-codex")["reasoning_effort"] == "low"


def test_adaptive_claude_body(server):
    params = request_params(SHORT, "anthropic", "claude-sonnet-5")
    body = send_anthropic(server, params, "claude-sonnet-5")
    assert body["thinking"] == {"type": "adaptive"} and "effort" in body["output_config"]


def test_openrouter_reasoning_mandatory_body(server):
    params = request_params(NONE, "openrouter", "google/gemini-2.5-pro")
    body = send_openai(server, params, "google/gemini-2.5-pro")
    assert body["reasoning"] == {"max_tokens": 128}


def test_every_anthropic_escalation_is_sent_by_the_sdk_without_streaming(server):
    rules, decision = TierRules(), NONE
    while (decision := rules.escalate(decision)) is not None:
        params = request_params(decision, "anthropic", "claude-sonnet-4-5")
        body = send_anthropic(server, params, "claude-sonnet-4-5")  # the SDK would refuse > 21,333
        assert body["max_tokens"] <= 21_333
        assert body["max_tokens"] > body["thinking"]["budget_tokens"]
    body = send_anthropic(
        server, request_params(LONG, "anthropic", "claude-sonnet-4-5"), "claude-sonnet-4-5"
    )
    assert body["max_tokens"] <= 21_333

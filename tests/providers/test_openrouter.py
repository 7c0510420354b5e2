"""OpenRouter: the reasoning object sent, reasoning usage read back."""

from budgetrouter.providers import reasoning_usage, request_params
from tests.providers.loopback import NONE, OPENAI_CHAT, SHORT, UNCAPPED, send_openai, words


def test_openrouter(server):
    body = send_openai(server, request_params(SHORT, "openrouter", "any/model"), "any/model")
    assert body["reasoning"] == {"max_tokens": 2000}
    assert body["max_tokens"] == 2000 + 1024
    body = send_openai(server, request_params(NONE, "openrouter", "any/model"), "any/model")
    assert body["reasoning"] == {"effort": "low"}  # no row: enabled false may be refused


def test_openrouter_uncapped_is_high_effort(server):
    body = send_openai(server, request_params(UNCAPPED, "openrouter", "any/model"), "any/model")
    assert body["reasoning"] == {"effort": "high"}
    assert "max_tokens" not in body


def test_openrouter_usage():
    message = {"role": "assistant", "content": "ok", "reasoning": "a b c"}
    text_only = {**OPENAI_CHAT, "choices": [{**OPENAI_CHAT["choices"][0], "message": message}]}
    usage = reasoning_usage(text_only, count_tokens=words, provider="openrouter")
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (3, False, "openrouter")
    counted = {
        **text_only,
        "usage": {**OPENAI_CHAT["usage"], "completion_tokens_details": {"reasoning_tokens": 40}},
    }
    assert (
        reasoning_usage(counted, count_tokens=words, provider="openrouter").reasoning_tokens == 40
    )

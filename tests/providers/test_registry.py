"""The registry: provider lookup, capability rows, argument checks and response recognition."""

import pytest

import budgetrouter.providers as providers
from budgetrouter.errors import ConfigError
from budgetrouter.providers import (
    CAPABILITIES,
    PROVIDERS,
    capability,
    reasoning_usage,
    request_params,
)
from tests.providers.loopback import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSE, SHORT, words


def test_unknown_provider_and_model():
    with pytest.raises(ConfigError, match=r"Unknown provider 'gemni'. Available: \['anthropic'"):
        request_params(SHORT, "gemni", "x")
    with pytest.raises(ConfigError, match="No capability row for openai model 'davinci'"):
        request_params(SHORT, "openai", "davinci")
    with pytest.raises(ConfigError, match=r"see budgetrouter\.providers\.openai\.CAPABILITIES"):
        capability("openai-responses", "davinci")


def test_every_row_cites_its_documentation():
    assert all(c.source.startswith("https://") for c in CAPABILITIES)


def test_every_provider_has_rows_and_every_row_a_provider():
    assert len(set(CAPABILITIES)) == len(CAPABILITIES)
    served = {row for p in PROVIDERS.values() for row in p.capabilities}
    assert served == set(CAPABILITIES)
    assert all(p.capabilities for p in PROVIDERS.values())
    assert all(name == p.name for name, p in PROVIDERS.items())


def test_rows_by_style():
    assert capability("anthropic", "claude-opus-4-7").style == "adaptive"
    assert capability("gemini", "gemini-2.5-flash-lite").budget_min == 512


def test_bad_token_arguments():
    with pytest.raises(
        ConfigError, match="answer_tokens must be a positive whole number of tokens, got 0"
    ):
        request_params(SHORT, "anthropic", "claude-sonnet-4", answer_tokens=0)
    with pytest.raises(
        ConfigError, match="max_tokens must be a positive whole number of tokens, got -1"
    ):
        request_params(SHORT, "anthropic", "claude-sonnet-4", max_tokens=-1)


def test_recognition_order():
    assert list(PROVIDERS)[:5] == ["anthropic", "openai-responses", "gemini", "openai", "vllm"]
    cases = [(ANTHROPIC, "anthropic"), (OPENAI_RESPONSE, "openai-responses"), (GEMINI, "gemini")]
    for response, name in cases:
        assert reasoning_usage(response, count_tokens=words).provider == name


def test_chat_shape_is_openai_with_a_count_else_vllm():
    counted = {**OPENAI_CHAT, "usage": {"completion_tokens_details": {"reasoning_tokens": 0}}}
    assert reasoning_usage(counted).provider == "openai"
    usage = reasoning_usage(OPENAI_CHAT, count_tokens=words)
    assert (usage.reasoning_tokens, usage.provider) == (0, "vllm")


def test_unrecognised_response():
    with pytest.raises(ConfigError, match="Unrecognised response"):
        reasoning_usage({"foo": 1})
    with pytest.raises(ConfigError, match="Cannot read a response of type int"):
        reasoning_usage(3)


def test_unknown_provider_for_usage():
    with pytest.raises(ConfigError, match=r"Unknown provider 'x'. Available: \['anthropic'"):
        reasoning_usage(OPENAI_CHAT, provider="x")


def test_a_given_provider_reads_without_recognising():
    assert reasoning_usage(OPENAI_CHAT, count_tokens=words, provider="openai").provider == "openai"


def test_public_names():
    assert sorted(providers.__all__) == sorted(
        [
            "request_params", "reasoning_usage", "capability", "CAPABILITIES", "PROVIDERS",
            "Capability", "RequestParams", "Usage", "Provider", "default_token_counter",
        ]
    )  # fmt: skip
    assert all(hasattr(providers, name) for name in providers.__all__)

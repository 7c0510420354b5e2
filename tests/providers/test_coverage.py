"""Which row covers which model: listed names and their snapshots only, never a namesake."""

import pytest

from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.providers import CAPABILITIES, PROVIDERS, capability, request_params
from tests.providers.loopback import send_anthropic, send_openai

NONE = Decision("none", 0, 10, 50, 0.9, False, "v")
SHORT = Decision("short", 1024, 300, 900, 0.1, False, "v")
LONG = Decision("long", None, 3000, 6000, 0.0, False, "v")


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("openai", "o4-mini-2025-04-16", "o4-mini"),
        ("openai", "o1-mini-2024-09-12", "o1-mini"),
        ("openai", "o1-2024-12-17", "o1"),
        ("openai", "gpt-5-mini-2025-08-07", "gpt-5"),
        ("openai", "gpt-5.1-codex-mini", "gpt-5.1-codex-mini"),
        ("openai", "gpt-5.1-chat-latest", "gpt-5.1-chat"),
        ("openai", "gpt-5-chat-latest", "gpt-5-chat"),
        ("anthropic", "claude-opus-4-20250514", "claude-opus-4"),
        ("anthropic", "claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic", "claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("anthropic", "claude-sonnet-4@20250514", "claude-sonnet-4"),
        ("anthropic", "claude-3-5-sonnet-20241022", "claude-3"),
        ("gemini", "gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite"),
        ("gemini", "models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini", "gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("gemini", "gemini-3-pro-preview", "gemini-3-pro"),
        ("openrouter", "anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"),
        ("openrouter", "anthropic/claude-3.7-sonnet:thinking", "anthropic/claude-3-7-sonnet"),
        ("openrouter", "openai/o4-mini", "openai/o4-mini"),
        ("openrouter", "google/gemini-2.5-pro", "google/gemini-2.5-pro"),
    ],
)
def test_a_listed_model_and_its_snapshots_take_its_row(provider, model, family):
    assert capability(provider, model).family == family


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "gpt-5.10"),  # continues gpt-5.1's name
        ("openai", "gpt-5.1-mini"),  # no such model is documented
        ("openai", "o10-mini"),
        ("openai", "gpt-6"),
        ("anthropic", "claude-sonnet-6"),  # a newer Claude: its rules are not known
        ("anthropic", "claude-opus-4-9"),
        ("anthropic", "claude-haiku-5-5"),
        ("gemini", "gemini-3.5-flash"),
        ("gemini", "gemini-2.5-flash-image"),
        ("openrouter", "openai/gpt-6"),  # a vendor with rows: unlisted ones are refused
        ("openrouter", "anthropic/claude-sonnet-6"),
    ],
)
def test_an_unlisted_model_is_refused_never_given_a_namesakes_rules(provider, model):
    with pytest.raises(ConfigError, match=f"No capability row for {provider} model '{model}'"):
        request_params(SHORT, provider, model)


def test_an_unlisted_model_can_take_a_listed_models_rules_explicitly():
    with pytest.raises(ConfigError, match=r"pass capability=capability\('anthropic'"):
        request_params(SHORT, "anthropic", "claude-sonnet-6")
    rules = capability("anthropic", "claude-sonnet-5")
    params = request_params(SHORT, "anthropic", "claude-sonnet-6", capability=rules)
    assert params["thinking"] == {"type": "adaptive"}
    with pytest.raises(ConfigError, match="capability must be a Capability row"):
        request_params(SHORT, "anthropic", "claude-sonnet-6", capability="claude-sonnet-5")


def test_another_vendor_on_openrouter_takes_its_generic_rules_with_a_note():
    with pytest.warns(UserWarning, match="enabled: false is refused by models that always"):
        params = request_params(NONE, "openrouter", "x-ai/grok-4")
    assert params["extra_body"]["reasoning"] == {"effort": "low"}
    assert any("no row of its own" in n for n in params.notes)
    with pytest.raises(ConfigError, match="tier none on a model with no row of its own"):
        request_params(NONE, "openrouter", "x-ai/grok-4", strict=True)
    assert request_params(SHORT, "openrouter", "x-ai/grok-4")["extra_body"]["reasoning"] == {
        "max_tokens": 1024
    }
    assert request_params(SHORT, "openrouter", "openai/gpt-5").notes == []


def test_each_name_is_listed_by_one_row_per_provider():
    for provider in PROVIDERS.values():
        names = [n.lower() for row in provider.capabilities for n in row.names]
        assert len(names) == len(set(names)), provider.name
        for row in provider.capabilities:
            for name in row.names:
                assert capability(provider.name, name) == row, name


def test_every_row_cites_a_page_and_names_its_models():
    for row in CAPABILITIES:
        assert row.source.startswith("https://")
        assert row.family == "" or row.names


@pytest.mark.parametrize(
    ("model", "tier", "sent"),
    [
        ("gpt-5-pro", NONE, "high"),  # high only
        ("gpt-5-pro", SHORT, "high"),
        ("gpt-5.1-chat-latest", LONG, "medium"),  # medium only
        ("o3-deep-research", LONG, "medium"),
        ("gpt-5-codex", NONE, "low"),  # no "minimal" on codex
        ("gpt-5.1-codex-mini", NONE, "medium"),
        ("gpt-5.1-codex-max", LONG, "xhigh"),
        ("gpt-5.2", NONE, "none"),
        ("gpt-5", NONE, "minimal"),
    ],
)
def test_each_family_gets_a_level_it_accepts(server, model, tier, sent):
    params = request_params(tier, "openai", model)
    assert send_openai(server, params, model)["reasoning_effort"] == sent


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest"])
def test_a_model_that_does_not_reason_gets_no_reasoning_parameter(server, model):
    assert "reasoning_effort" not in send_openai(
        server, request_params(LONG, "openai", model), model
    )
    params = request_params(LONG, "openai-responses", model, max_tokens=500)
    assert dict(params) == {"max_output_tokens": 500}
    assert any("does not think" in n for n in params.notes)
    assert not request_params(NONE, "openai", model).notes  # tier none is honoured
    with pytest.raises(ConfigError, match="does not think"):
        request_params(LONG, "openai", model, strict=True)


def test_claude_3_5_and_gemini_2_0_get_no_thinking(server):
    body = send_anthropic(
        server, request_params(LONG, "anthropic", "claude-3-5-sonnet-latest"), "claude-3-5-sonnet"
    )
    assert "thinking" not in body and body["max_tokens"] >= 1
    assert request_params(LONG, "gemini", "gemini-2.0-flash") == {"config": {}}
    assert request_params(LONG, "openrouter", "openai/gpt-4o") == {}


@pytest.mark.parametrize(
    "model", ["claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-5", "claude-fable-5"]
)
def test_adaptive_only_claude_never_gets_enabled_or_disabled_thinking(server, model):
    for decision in (NONE, SHORT, LONG):
        body = send_anthropic(server, request_params(decision, "anthropic", model), model)
        assert body["thinking"] == {"type": "adaptive"}
        assert body["output_config"]["effort"] in ("low", "medium", "high", "max")


@pytest.mark.parametrize(
    ("decision", "provider", "model", "level"),
    [
        (SHORT, "openai", "o4-mini", {"budget": None, "effort": "medium"}),
        (NONE, "openai", "o4-mini", {"budget": None, "effort": "low"}),
        (LONG, "openai", "gpt-4o", {"budget": 0, "effort": None}),  # does not think
        (LONG, "openai", "o1-mini", {"budget": None, "effort": None}),  # thinks, no control
        (
            Decision("short", 512, 300, 900, 0.1, False, "v"),
            "anthropic",
            "claude-sonnet-4-5",
            {"budget": 1024, "effort": None},
        ),  # raised to Claude's minimum: what was sent
        (NONE, "anthropic", "claude-sonnet-4-5", {"budget": 0, "effort": None}),
        (SHORT, "anthropic", "claude-sonnet-5", {"budget": None, "effort": "medium"}),
        (LONG, "gemini", "gemini-2.5-flash", {"budget": None, "effort": None}),  # dynamic
        (NONE, "openrouter", "google/gemini-2.5-flash", {"budget": 0, "effort": None}),
        (SHORT, "vllm", "qwen3-8b", {"budget": 1024, "effort": None}),
    ],
)
def test_the_level_sent_is_what_the_outcome_row_records(decision, provider, model, level):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert request_params(decision, provider, model).level == level

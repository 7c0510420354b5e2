"""Input checks of ``request_params`` at the edge."""

import math

import pytest

from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params

SHORT = Decision("short", 512, 300, 900, 0.1, False, "v")


@pytest.mark.parametrize("bad", [math.nan, math.inf, 4096.5, 0, -3, True, "4096"])
def test_max_tokens_must_be_a_positive_whole_number(bad):
    with pytest.raises(ConfigError, match="max_tokens must be a positive whole number"):
        request_params(SHORT, "anthropic", "claude-sonnet-4-6", max_tokens=bad)


@pytest.mark.parametrize("bad", [math.nan, 0, None, 2.5])
def test_answer_tokens_must_be_a_positive_whole_number(bad):
    with pytest.raises(ConfigError, match="answer_tokens must be"):
        request_params(SHORT, "openai", "o4-mini", answer_tokens=bad)


@pytest.mark.parametrize(
    ("decision", "provider", "model", "match"),
    [
        ({"tier": "short"}, "openai", "o4-mini", "must be a budgetrouter Decision"),
        (SHORT, "openai", None, "must be names"),
        (SHORT, ["openai"], "o4-mini", "must be names"),
        (SHORT, "openai", "  ", "must be names"),
    ],
)
def test_bad_arguments_are_named(decision, provider, model, match):
    with pytest.raises(ConfigError, match=match):
        request_params(decision, provider, model)


NONE = Decision("none", 0, 10, 50, 0.9, False, "v")
LONG = Decision("long", None, 3000, 6000, 0.0, False, "v")


@pytest.mark.parametrize("model", ["o1-mini", "o1-mini-2024-09-12", "o1-preview"])
def test_o1_mini_and_preview_get_no_reasoning_effort(model):
    params = request_params(SHORT, "openai", model)
    assert "reasoning_effort" not in params
    assert any("takes no thinking parameter" in n for n in params.notes)
    assert "reasoning" not in request_params(SHORT, "openai-responses", model)
    with pytest.raises(ConfigError, match="takes no thinking parameter"):
        request_params(SHORT, "openai", model, strict=True)
    assert request_params(SHORT, "openai", "o1")["reasoning_effort"] == "medium"


def test_gpt_5_1_codex_sends_its_lowest_accepted_effort_for_tier_none():
    params = request_params(NONE, "openai", "gpt-5.1-codex")
    assert params["reasoning_effort"] == "low"
    assert any("cannot switch thinking off" in n for n in params.notes)
    assert request_params(NONE, "openai", "gpt-5.1")["reasoning_effort"] == "none"


@pytest.mark.parametrize("model", ["claude-sonnet-5", "claude-opus-4-8"])
def test_adaptive_only_claude_models_get_adaptive_thinking(model):
    params = request_params(SHORT, "anthropic", model)
    assert params["thinking"] == {"type": "adaptive"}
    assert params["output_config"]["effort"] in {"low", "medium", "high", "max"}


@pytest.mark.parametrize(
    ("model", "reasoning", "note"),
    [
        ("openai/gpt-5", {"effort": "minimal"}, "cannot switch thinking off"),
        ("openai/o4-mini", {"effort": "low"}, "cannot switch thinking off"),
        ("google/gemini-2.5-pro", {"max_tokens": 128}, "cannot switch reasoning off"),
        ("deepseek/deepseek-r1", {"effort": "low"}, "cannot switch reasoning off"),
    ],
)
def test_openrouter_tier_none_on_reasoning_mandatory_models_sends_their_lowest(
    model, reasoning, note
):
    params = request_params(NONE, "openrouter", model)
    assert params["extra_body"]["reasoning"] == reasoning
    assert any(note in n for n in params.notes)


@pytest.mark.parametrize("model", ["google/gemini-2.5-pro", "deepseek/deepseek-r1"])
def test_openrouter_tier_none_on_a_budget_model_that_cannot_switch_off_is_refused_under_strict(
    model,
):
    with pytest.raises(ConfigError, match="cannot switch reasoning off"):
        request_params(NONE, "openrouter", model, strict=True)


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [
        ("google/gemini-2.5-flash", {"enabled": False}),
        ("openai/gpt-5.1", {"effort": "none"}),  # its own way to switch reasoning off
        ("mistral/any", {"effort": "low"}),  # no row: enabled false may be refused
    ],
)
def test_openrouter_tier_none_switches_reasoning_off_where_it_is_known_to_be_accepted(
    model, reasoning
):
    params = request_params(NONE, "openrouter", model)
    assert params["extra_body"]["reasoning"] == reasoning


@pytest.mark.parametrize(
    ("model", "decision", "reasoning"),
    [
        ("openai/gpt-5-pro", SHORT, {"effort": "high"}),  # high only, never a budget
        ("openai/gpt-5.1-chat-latest", LONG, {"effort": "medium"}),
        ("openai/o3-deep-research", LONG, {"effort": "medium"}),
        ("google/gemini-3-pro-preview", SHORT, {"effort": "low"}),
        ("anthropic/claude-sonnet-5", LONG, {"effort": "xhigh"}),  # adaptive "max"
    ],
)
def test_openrouter_effort_models_get_a_level_they_accept(model, decision, reasoning):
    assert request_params(decision, "openrouter", model)["extra_body"]["reasoning"] == reasoning

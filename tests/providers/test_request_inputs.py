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

import math

import pytest

from budgetrouter.decision import TierRules
from budgetrouter.errors import ConfigError
from budgetrouter.levels import Level, ModelLevels

RULES = TierRules(short_max_tokens=1024)
CLAUDE = ModelLevels(
    "claude-sonnet-4",
    (Level("no_think", 0), Level("b1024", 1024), Level("b2048", 2048), Level("b4096", 4096)),
)
GEMINI = ModelLevels(
    "gemini-2.5-flash",
    (Level("no_think", 0), Level("b256", 256), Level("b512", 512), Level("b2048", 2048)),
)
O4 = ModelLevels(
    "o4-mini",
    (Level("low", effort="low"), Level("medium", effort="medium"), Level("high", effort="high")),
)
GROK = ModelLevels("grok-3-mini", (Level("low", effort="low"), Level("high", effort="high")))
QWEN = ModelLevels("qwen3-8b", (Level("no_think", 0), Level("exd0")))


def test_controls():
    assert (CLAUDE.control, O4.control, QWEN.control) == ("budget", "effort", "on_off")
    assert CLAUDE.top == 3 and GROK.top == 1


@pytest.mark.parametrize(
    ("levels", "tier", "budget", "index"),
    [
        (CLAUDE, "none", 0, 0),  # thinking off for tier none
        (CLAUDE, "short", 256, 1),  # at least the smallest thinking-on level
        (CLAUDE, "long", 3000, 2),  # the largest level at or below the budget
        (CLAUDE, "long", None, 3),  # the top level for no cap
        (CLAUDE, "long", math.inf, 3),
        (GEMINI, "short", 1024, 2),
        (O4, "none", 0, 0),  # lowest
        (O4, "short", 512, 1),  # middle
        (O4, "long", None, 2),  # highest
        (GROK, "short", 512, 0),  # the lower of two
        (QWEN, "none", 0, 0),
        (QWEN, "short", 128, 1),
    ],
)
def test_a_decision_lands_where_a_provider_would_put_it(levels, tier, budget, index):
    assert levels.index_for(tier, budget) == index


def test_a_levels_own_decision_lands_back_on_it():
    for levels in (CLAUDE, GEMINI, O4, GROK, QWEN):
        for k in range(len(levels.levels)):
            tier, budget, effort = levels.decision_parts(k, RULES)
            assert levels.landing(tier, budget, effort) == k, (levels.model, k)


def test_decision_parts_speak_the_models_control():
    assert CLAUDE.decision_parts(0, RULES) == ("none", 0, None)
    assert CLAUDE.decision_parts(2, RULES) == ("long", 2048, None)
    assert O4.decision_parts(1, RULES) == ("short", 1024, "medium")
    assert QWEN.decision_parts(1, RULES) == ("long", None, None)


def test_bad_ladders_are_refused():
    with pytest.raises(ConfigError, match="at least two levels"):
        ModelLevels("m", (Level("a", 0),))
    with pytest.raises(ConfigError, match="lowest first"):
        ModelLevels("m", (Level("b", 1024), Level("a", 0)))
    with pytest.raises(ConfigError, match="mix"):
        ModelLevels("m", (Level("a", 512), Level("b", effort="high")))


def test_round_trip_and_label_is_not_identity():
    assert ModelLevels.from_dict(CLAUDE.to_dict()) == CLAUDE
    assert Level("medium_effort", effort="medium") == Level("medium", effort="medium")

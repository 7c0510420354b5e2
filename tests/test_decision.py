"""Tier rules: tiers of budgets, fallback budgets, escalation and tier-to-effort."""

import pytest

from budgetrouter.decision import TIER_NAMES, Decision, Tier, TierRules, effort_for_tier
from budgetrouter.errors import ConfigError

SHORT = Decision("short", 2000, 300, 900, 0.1, False, "v1")


def test_escalate():
    rules = TierRules()
    none = Decision("none", 0, 0, 10, 0.9, False, "v")
    assert rules.escalate(none) == Decision("short", 1024, 0, 10, 0.9, False, "v")
    assert rules.escalate(SHORT).tier == "long" and rules.escalate(SHORT).budget_tokens is None
    assert rules.escalate(rules.escalate(SHORT)) is None


def test_escalate_up_to_the_long_cap():
    rules = TierRules(short_max_tokens=512, long_cap_tokens=8000)
    none = Decision("none", 0, 0, 10, 0.9, False, "v")
    assert rules.escalate(none).budget_tokens == 512
    assert rules.escalate(SHORT) == Decision("long", 8000, 300, 900, 0.1, False, "v1")
    below_cap = Decision("long", 5000, 300, 900, 0.1, False, "v1")
    assert rules.escalate(below_cap).budget_tokens == 8000
    assert rules.escalate(rules.escalate(SHORT)) is None


def test_tier_of_a_budget():
    rules = TierRules(short_max_tokens=1000, long_cap_tokens=6000)
    assert rules.tier(0) == Tier("none", 0)
    assert rules.tier(-1) == Tier("none", 0)
    assert rules.tier(1000) == Tier("short", 1000)
    assert rules.tier(1001) == Tier("long", 1001)
    assert rules.tier(float("inf")) == Tier("long", 6000)
    assert TierRules().tier(float("inf")) == Tier("long", None)


def test_budget_of_a_tier():
    rules = TierRules(short_max_tokens=1000, long_cap_tokens=6000)
    assert [rules.budget(t) for t in TIER_NAMES] == [0, 1000, 6000]
    assert TierRules().budget("long") is None
    with pytest.raises(ConfigError, match=r"Unknown tier 'medium'. Available: \['none'"):
        rules.budget("medium")


def test_fallback():
    rules = TierRules(short_max_tokens=1000)
    assert rules.fallback("short", "v9") == Decision("short", 1000, None, None, None, True, "v9")
    with pytest.raises(ConfigError, match="Unknown tier 'huge'"):
        rules.fallback("huge", "v9")


def test_unknown_tier_name():
    with pytest.raises(ConfigError, match="Unknown tier 'big'"):
        Tier("big", 10)


@pytest.mark.parametrize("value", [0, -5, 1.5, "1024"])
def test_short_max_tokens_must_be_a_positive_integer(value):
    with pytest.raises(ConfigError, match="short_max_tokens must be a positive integer"):
        TierRules(short_max_tokens=value)


@pytest.mark.parametrize("value", [1024, 100, 2048.0])
def test_long_cap_must_be_none_or_above_the_short_max(value):
    with pytest.raises(ConfigError, match=r"long_cap_tokens must be None \(no cap\) or an integer"):
        TierRules(short_max_tokens=1024, long_cap_tokens=value)


@pytest.mark.parametrize(
    ("levels", "none", "short", "long"),
    [
        (("low", "medium", "high"), "low", "medium", "high"),
        (("minimal", "low", "medium", "high"), "minimal", "low", "high"),
        (("none", "low", "medium", "high", "xhigh"), "none", "medium", "xhigh"),
        (("low", "high"), "low", "low", "high"),
        (("only",), "only", "only", "only"),
    ],
)
def test_effort_for_tier(levels, none, short, long):
    assert [effort_for_tier(t, levels) for t in TIER_NAMES] == [none, short, long]


def test_effort_for_tier_refuses():
    with pytest.raises(ConfigError, match="Unknown tier 'max'"):
        effort_for_tier("max", ("low", "high"))
    with pytest.raises(ConfigError, match="a model needs at least one effort level"):
        effort_for_tier("short", ())


def test_decision_to_dict():
    assert SHORT.to_dict()["predicted_tokens_upper"] == 900


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("huge", 5), "Unknown tier 'huge'"),
        (("none", 500), "tier 'none' needs budget_tokens 0"),
        (("short", -5), "tier 'short' needs budget_tokens a positive integer or None"),
        (("long", 1.5), "positive integer or None"),
    ],
)
def test_decisions_are_checked(args, message):
    with pytest.raises(ConfigError, match=message):
        Decision(*args, 1, 2, 0.5, False, "v")
    with pytest.raises(ConfigError, match="fallback must be True or False"):
        Decision("short", 10, 1, 2, 0.5, "no", "v")


def test_tier_of_odd_budgets():
    rules = TierRules(short_max_tokens=1024, long_cap_tokens=4096)
    assert rules.tier(0.5) == Tier("short", 1)
    assert rules.tier(1024.5) == Tier("long", 1025)
    assert rules.tier(5000) == Tier("long", 4096)  # never above the cap
    with pytest.raises(ConfigError, match="a budget must be a number of tokens or inf"):
        rules.tier(float("nan"))


def test_effort_levels_must_be_a_sequence_of_distinct_names():
    with pytest.raises(ConfigError, match="levels must be a sequence of effort names"):
        effort_for_tier("short", "low")
    with pytest.raises(ConfigError, match="effort levels must be distinct"):
        effort_for_tier("short", ("low", "low", "high"))


def test_bools_are_not_thresholds():
    with pytest.raises(ConfigError, match="short_max_tokens must be a positive integer"):
        TierRules(short_max_tokens=True)

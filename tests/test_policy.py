import math

import numpy as np
import pytest

from budgetrouter import Tier, TierPolicy, TierRules
from budgetrouter.errors import ConfigError

GRID = (0.0, 100.0, 400.0, math.inf)


def test_policy_tiers():
    policy = TierPolicy(grid=GRID, price=0.01, tiers=TierRules(short_max_tokens=100))
    assert policy.tier(0) == Tier("none", 0)
    assert policy.tier(100) == Tier("short", 100)
    assert policy.tier(400) == Tier("long", 400)
    assert policy.tier(math.inf) == Tier("long", None)
    capped = TierPolicy(grid=GRID, price=0.01, tiers=TierRules(long_cap_tokens=8000))
    assert capped.tier(math.inf) == Tier("long", 8000)


def test_policy_picks_success_minus_price_times_tokens():
    policy = TierPolicy(grid=GRID, price=0.001)
    success = np.array([[0.9, 0.9, 0.9, 0.9], [0.0, 0.2, 0.9, 0.95], [0.0, 0.0, 0.0, 0.05]])
    cost = np.array([[0, 50, 60, 60], [0, 100, 300, 500], [0, 100, 400, 900]])
    assert policy.budgets(success, cost).tolist() == [0, 400, 0]
    assert policy.budgets(success, cost, price=0).tolist() == [math.inf] * 3  # always long


def test_policy_round_trip():
    policy = TierPolicy(
        grid=GRID, price=0.002, tiers=TierRules(short_max_tokens=100), tradeoff=({"price": 1.0},)
    )
    again = TierPolicy.from_dict(policy.to_dict())
    assert again == policy
    assert again.tradeoff == policy.tradeoff


def test_budgets_apply_the_long_cap():
    success = np.array([[0.0, 0.1, 0.2, 0.9]])
    cost = np.array([[0.0, 10.0, 20.0, 30.0]])
    uncapped = TierPolicy(grid=GRID, price=1e-6)
    assert uncapped.budgets(success, cost).tolist() == [math.inf]
    capped = TierPolicy(grid=GRID, price=1e-6, tiers=TierRules(long_cap_tokens=8000))
    assert capped.budgets(success, cost).tolist() == [8000.0]


def test_policy_checks():
    with pytest.raises(ConfigError, match="grid must increase from 0"):
        TierPolicy(grid=(10.0, 100.0), price=0.0)
    with pytest.raises(ConfigError, match="price must be a non-negative number"):
        TierPolicy(grid=GRID, price=-1.0)
    with pytest.raises(ConfigError, match="margin_steps must be a non-negative integer"):
        TierPolicy(grid=GRID, price=0.0, margin_steps=-1)

import math

import numpy as np
import pytest

from budgetrouter import RouterConfig, Tier, TierPolicy, TrainConfig
from budgetrouter.errors import ConfigError
from budgetrouter.policy import calibrate
from tests.test_targets_replay import RUNS


def test_train_config_round_trip():
    cfg = TrainConfig(target_accuracy=0.98, budget_grid=(0, 100, 1000))
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ConfigError, match=r"Unknown TrainConfig keys \['target'\]"):
        TrainConfig.from_dict({"target": 0.9})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target_accuracy": 1.5}, "target_accuracy must be a number in"),
        ({"target_accuracy": 0}, "target_accuracy"),
        ({"max_mean_tokens": -1}, "max_mean_tokens"),
        ({"budget_grid": (10, 100)}, "starting at 0"),
        ({"budget_grid": (0, 100, 50)}, "strictly increasing"),
        ({"long_cap_tokens": 10}, "long_cap_tokens"),
        ({"quantile_high": 0.3}, "quantile_high"),
        ({"n_folds": 1}, "n_folds"),
        ({"n_outer_folds": 1}, "n_outer_folds"),
    ],
)
def test_train_config_checks(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**kwargs)


def test_router_config_checks():
    assert RouterConfig(fallback_tier="long").fallback_tier == "long"
    with pytest.raises(ConfigError, match=r"Unknown fallback_tier 'huge'. Available"):
        RouterConfig(fallback_tier="huge")
    with pytest.raises(ConfigError, match="batch_size"):
        RouterConfig(batch_size=0)


def test_tier_names_are_checked():
    with pytest.raises(ConfigError, match="Unknown tier 'medium'"):
        Tier("medium", 10)


GRID = (0.0, 100.0, 400.0, math.inf)


def test_policy_tiers():
    policy = TierPolicy(grid=GRID, price=0.01, short_max_tokens=100, long_cap_tokens=None)
    assert policy.tier(0) == Tier("none", 0)
    assert policy.tier(100) == Tier("short", 100)
    assert policy.tier(400) == Tier("long", 400)
    assert policy.tier(math.inf) == Tier("long", None)
    capped = TierPolicy(grid=GRID, price=0.01, long_cap_tokens=8000)
    assert capped.tier(math.inf) == Tier("long", 8000)


def test_policy_picks_success_minus_price_times_tokens():
    policy = TierPolicy(grid=GRID, price=0.001)
    success = np.array([[0.9, 0.9, 0.9, 0.9], [0.0, 0.2, 0.9, 0.95], [0.0, 0.0, 0.0, 0.05]])
    cost = np.array([[0, 50, 60, 60], [0, 100, 300, 500], [0, 100, 400, 900]])
    assert policy.budgets(success, cost).tolist() == [0, 400, 0]
    assert policy.budgets(success, cost, price=0).tolist() == [math.inf] * 3  # always long


def test_policy_round_trip():
    policy = TierPolicy(grid=GRID, price=0.002, short_max_tokens=100, tradeoff=({"price": 1.0},))
    again = TierPolicy.from_dict(policy.to_dict())
    assert again == policy
    assert again.tradeoff == policy.tradeoff


def _targets():
    import pandas as pd

    from budgetrouter.targets import build_targets

    frame = pd.DataFrame(RUNS, columns=["prompt", "reasoning_tokens", "correct"]).assign(
        group=lambda f: f["prompt"], correct=lambda f: f["correct"].astype(float)
    )
    return build_targets(frame)


def test_calibrate_meets_target_at_fewest_tokens():
    targets = _targets()
    grid = (0.0, 100.0, 200.0, 400.0, math.inf)
    success, cost = targets.curves(np.array(grid))
    n = targets.prompts["n_runs"].to_numpy()[:, None]
    policy = calibrate(
        TierPolicy(grid=grid, price=0.0), success / n, cost / n, targets, target_accuracy=1.0
    )
    budgets = policy.budgets(success / n, cost / n)
    assert budgets.tolist() == [100, 400, 0]  # perfect predictions recover the oracle
    assert len(policy.tradeoff) > 10


def test_calibrate_to_a_token_budget():
    targets = _targets()
    grid = (0.0, 100.0, 200.0, 400.0, math.inf)
    success, cost = targets.curves(np.array(grid))
    n = targets.prompts["n_runs"].to_numpy()[:, None]
    policy = calibrate(
        TierPolicy(grid=grid, price=0.0), success / n, cost / n, targets, max_mean_tokens=100
    )
    from budgetrouter.replay import replay

    assert replay(targets, policy.budgets(success / n, cost / n)).mean_tokens <= 100


def test_impossible_targets_say_what_is_reachable():
    targets = _targets()
    grid = (0.0, 100.0)  # no uncapped option: b's runs (200, 400 tokens) can never succeed
    success, cost = targets.curves(np.array(grid))
    with pytest.raises(ConfigError, match=r"the most this router keeps is 50.00%"):
        calibrate(TierPolicy(grid=grid, price=0.0), success, cost, targets, target_accuracy=0.99)


def test_budgets_apply_the_long_cap():
    success = np.array([[0.0, 0.1, 0.2, 0.9]])
    cost = np.array([[0.0, 10.0, 20.0, 30.0]])
    uncapped = TierPolicy(grid=GRID, price=1e-6)
    assert uncapped.budgets(success, cost).tolist() == [math.inf]
    capped = TierPolicy(grid=GRID, price=1e-6, long_cap_tokens=8000)
    assert capped.budgets(success, cost).tolist() == [8000.0]


def test_calibration_replays_the_long_cap():
    # b's 400-token correct run is cut by a 300-token long cap: calibration must see that.
    from budgetrouter.policy import tradeoff_curve

    targets = _targets()
    grid = (0.0, 100.0, math.inf)
    success, cost = targets.curves(np.array(grid))
    for cap, kept in ((None, 1.0), (300, 0.75)):
        policy = TierPolicy(grid=grid, price=0.0, long_cap_tokens=cap)
        always_long = tradeoff_curve(policy, success, cost, targets, prices=[0.0])[0]
        assert always_long["accuracy_kept"] == pytest.approx(kept)

import math

import numpy as np
import pytest

from budgetrouter import TierPolicy, TierRules
from budgetrouter.errors import ConfigError
from budgetrouter.train.calibration import calibrate, tradeoff_curve
from budgetrouter.train.replay import replay
from tests.train.test_targets_replay import RUNS


def _targets():
    import pandas as pd

    from budgetrouter.train import build_targets

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
    assert replay(targets, policy.budgets(success / n, cost / n)).mean_tokens <= 100


def test_impossible_targets_say_what_is_reachable():
    targets = _targets()
    grid = (0.0, 100.0)  # no uncapped option: b's runs (200, 400 tokens) can never succeed
    success, cost = targets.curves(np.array(grid))
    with pytest.raises(ConfigError, match=r"the most this router keeps is 50.00%"):
        calibrate(TierPolicy(grid=grid, price=0.0), success, cost, targets, target_accuracy=0.99)


def test_calibration_replays_the_long_cap():
    # b's 400-token correct run is cut by a 300-token long cap: calibration must see that.
    targets = _targets()
    grid = (0.0, 100.0, math.inf)
    success, cost = targets.curves(np.array(grid))
    for cap, kept in ((None, 1.0), (300, 0.75)):
        tiers = TierRules(short_max_tokens=100, long_cap_tokens=cap)
        policy = TierPolicy(grid=grid, price=0.0, tiers=tiers)
        always_long = tradeoff_curve(policy, success, cost, targets, prices=[0.0])[0]
        assert always_long["accuracy_kept"] == pytest.approx(kept)


def test_recalibrate_is_a_library_call(tiny_bundle, observations):
    from budgetrouter import Router
    from budgetrouter.train import recalibrate

    router = Router.load(tiny_bundle)
    mine = observations.assign(group=observations["group"] + "-mine")
    result = recalibrate(router, mine, target_accuracy=0.97)
    assert result.expected["accuracy_kept"] >= 0.97
    assert router.policy is result.policy
    assert router.manifest["calibration"]["calibrated_from"] == Router.load(tiny_bundle).version
    with pytest.raises(ConfigError, match="exactly one of target_accuracy or max_mean_tokens"):
        recalibrate(router, mine)


def test_recalibrate_refuses_a_zero_target_and_all_wrong_runs(tiny_bundle, observations):
    from budgetrouter import Router
    from budgetrouter.errors import DataError
    from budgetrouter.train import recalibrate

    router = Router.load(tiny_bundle)
    mine = observations.assign(group=observations["group"] + "-mine")
    with pytest.raises(ConfigError, match="target_accuracy must be a number in"):
        recalibrate(router, mine, target_accuracy=0)
    with pytest.raises(DataError, match="no run is correct"):
        recalibrate(router, mine.assign(correct=False), target_accuracy=0.9)
    with pytest.raises(DataError, match="missing required column"):
        recalibrate(router, mine.drop(columns=["reasoning_tokens"]), target_accuracy=0.9)
    assert router.version == Router.load(tiny_bundle).version  # nothing changed

import math

import numpy as np
import pandas as pd
import pytest

from budgetrouter.train.replay import fixed_budget_for, oracle_budgets, replay
from budgetrouter.train.targets import build_targets

# Prompt a: runs (0, correct), (100, correct), (300, wrong)  -> needs 0, solved with no reasoning
# Prompt b: runs (200, correct), (400, correct)              -> needs 200
# Prompt c: runs (50, wrong), (150, wrong)                   -> never solved (censored)
RUNS = [
    ("a", 0, True), ("a", 100, True), ("a", 300, False),
    ("b", 200, True), ("b", 400, True),
    ("c", 50, False), ("c", 150, False),
]  # fmt: skip


@pytest.fixture
def targets():
    frame = pd.DataFrame(RUNS, columns=["prompt", "reasoning_tokens", "correct"])
    frame["group"] = frame["prompt"]
    frame["correct"] = frame["correct"].astype(float)
    return build_targets(frame)


def test_needed_tokens_censoring_and_no_thinking(targets):
    p = targets.prompts.set_index("prompt")
    assert p.loc["a", "needed_tokens"] == 0
    assert p.loc["b", "needed_tokens"] == 200
    assert math.isnan(p.loc["c", "needed_tokens"])
    assert p["censored"].tolist() == [False, False, True]
    assert p.loc["c", "max_tokens"] == 150
    assert p["no_thinking"].tolist() == [True, False, False]
    assert p["n_runs"].tolist() == [3, 2, 2]


def test_curves(targets):
    success, cost = targets.curves(np.array([0, 100, np.inf]))
    np.testing.assert_array_equal(success, [[1, 2, 2], [0, 0, 2], [0, 0, 0]])
    np.testing.assert_array_equal(cost, [[0, 200, 400], [0, 200, 600], [0, 150, 200]])


def test_always_long_and_none(targets):
    long = replay(targets, np.full(3, np.inf))
    assert long.accuracy == pytest.approx(4 / 7)
    assert long.mean_tokens == pytest.approx(1200 / 7)
    assert long.truncation_rate == 0
    assert long.accuracy_kept == 1 and long.tokens_saved == 0
    none = replay(targets, np.zeros(3))
    assert none.accuracy == pytest.approx(1 / 7)  # only a's zero-token run
    assert none.mean_tokens == 0
    assert none.truncation_rate == pytest.approx(6 / 7)


def test_a_budget_truncates_exactly_the_longer_runs(targets):
    r = replay(targets, np.array([100, 100, 100]))
    # cut: a/300, b/200, b/400, c/150 -> 4 of 7 runs
    assert r.truncation_rate == pytest.approx(4 / 7)
    assert r.accuracy == pytest.approx(2 / 7)
    assert r.mean_tokens == pytest.approx((0 + 100 + 100 + 100 + 100 + 50 + 100) / 7)


def test_fixed_budget_is_the_smallest_that_keeps_the_target(targets):
    budget, result = fixed_budget_for(targets, 1.0)
    assert budget == 400  # b's 400-token correct run needs it
    assert result.accuracy_kept == pytest.approx(1.0)
    budget, result = fixed_budget_for(targets, 0.75)
    assert budget == 200
    assert result.accuracy_kept == pytest.approx(0.75)
    budget, _ = fixed_budget_for(targets, 0.2)
    assert budget == 0


def test_oracle_saves_exactly_what_it_should(targets):
    budgets = oracle_budgets(targets, 1.0)
    np.testing.assert_array_equal(budgets, [100, 400, 0])
    r = replay(targets, budgets)
    assert r.accuracy_kept == pytest.approx(1.0)
    # a: 0+100+100, b: 200+400, c: 0 -> 800 of 1200 tokens
    assert r.tokens_saved == pytest.approx(1 - 800 / 1200)


def test_oracle_at_lower_accuracy_drops_the_dearest_success(targets):
    budgets = oracle_budgets(targets, 0.75)  # 3 of 4 successes
    r = replay(targets, budgets)
    assert r.accuracy_kept >= 0.75
    # The Lagrangian jumps from 1 to 4 successes here; the greedy fill upgrades a (1 success
    # for 200 tokens) first, then b. Never worse than the best fixed budget (200: saves 25%).
    np.testing.assert_array_equal(budgets, [100, 400, 0])
    assert r.tokens_saved == pytest.approx(1 - 800 / 1200)


def test_replay_checks_shape(targets):
    with pytest.raises(ValueError, match="one entry per prompt"):
        replay(targets, np.zeros(2))

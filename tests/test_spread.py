"""Upper forecasts of reasoning spend: held-out spreads, carried by decisions and bundles."""

import numpy as np
import pytest

from budgetrouter import Router
from budgetrouter.spread import log_spread, upper, upper_tokens
from tests.test_model_aware import EASY, HARD
from tests.test_router import PROMPTS


def test_the_spread_covers_its_quantile_of_new_prompts():
    rng = np.random.default_rng(0)
    predicted = rng.uniform(100, 5000, size=(4000, 3))
    actual = predicted * np.exp(rng.normal(0, 0.5, size=predicted.shape))
    spread = log_spread(actual[:2000], predicted[:2000], 0.9)
    covered = (actual[2000:] <= upper(predicted[2000:], spread)).mean(axis=0)
    assert np.all(np.abs(covered - 0.9) < 0.03)


def test_an_over_predicted_or_thin_option_gets_no_negative_or_lonely_spread():
    predicted = np.full((100, 2), 1000.0)
    actual = np.column_stack([np.full(100, 10.0), np.r_[np.full(5, 3000.0), np.full(95, np.nan)]])
    spread = log_spread(actual, predicted, 0.9)
    assert spread[0] == 0.0  # never below the typical forecast
    assert spread[1] == pytest.approx(
        max(0.0, np.nanquantile(np.log1p(actual) - np.log1p(predicted), 0.9))
    )  # fmt: skip  (pooled: 5 rows only)
    assert upper_tokens(1000.0, float("nan")) is None
    assert upper_tokens(1000.0, 1.0, budget=1024) == 1024


def test_decisions_carry_upper_forecasts(tiny_bundle):
    for d in Router.load(tiny_bundle).route_batch(PROMPTS):
        assert d.expected_tokens_upper >= d.expected_tokens
        assert d.expected_tokens_top_upper >= d.expected_tokens_top
        if d.budget_tokens is not None:
            assert d.expected_tokens_upper <= d.budget_tokens


def test_model_aware_decisions_carry_their_levels_upper_forecasts(level_bundle):
    router = Router.load(level_bundle)
    assert set(router.levels.upper) == {"effort-model", "budget-model"}
    for d in router.route_batch([EASY, HARD], model="budget-model"):
        assert d.model_aware and d.expected_tokens_upper >= d.expected_tokens
        if d.budget_tokens is not None:
            assert d.expected_tokens_upper <= d.budget_tokens
    assert router.escalate(router.route(EASY, model="effort-model")).expected_tokens_upper is None


def test_an_effort_levels_upper_forecast_is_not_capped_by_its_tiers_budget(level_bundle):
    router = Router.load(level_bundle)
    for d in router.route_batch([EASY, HARD], model="effort-model"):
        assert d.effort is not None and d.expected_tokens_upper >= d.expected_tokens


def test_a_dated_snapshot_or_vendor_name_routes_for_the_known_model(level_bundle):
    router = Router.load(level_bundle)
    for name in ("effort-model-2025-04-16", "acme/Effort-Model"):
        d = router.route(HARD, model=name)
        assert d.model_aware and d.model == name and d.effort is not None

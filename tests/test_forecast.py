"""Forecasts of a call's reasoning tokens, cost and added latency."""

import pytest

from budgetrouter import Router
from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.forecast import forecast
from budgetrouter.rates import PRICES, THROUGHPUT, Rate
from tests.test_model_aware import HARD

D = Decision(
    "short", 1024, 300, 900, 0.1, False, "v", model="o4-mini", model_aware=True,
    expected_tokens=400, expected_tokens_top=2000, expected_tokens_upper=900,
    expected_tokens_top_upper=5000,
)  # fmt: skip


def test_tokens_priced_and_timed_from_the_tables():
    f = forecast(D)
    price, speed = PRICES["o4-mini"].value, THROUGHPUT["o4-mini"].value
    assert (f.tokens, f.tokens_upper, f.tokens_top, f.tokens_top_upper) == (400, 900, 2000, 5000)
    assert f.cost_usd == pytest.approx(400 * price / 1e6)
    assert f.cost_upper_usd == pytest.approx(900 * price / 1e6)
    assert f.saved_usd == pytest.approx(1600 * price / 1e6)
    assert f.latency_s == pytest.approx(400 / speed) and f.latency_top_s == pytest.approx(
        2000 / speed
    )
    assert "LiteLLM" in f.price_source and "2026" in f.price_source
    assert "Artificial Analysis" in f.throughput_source
    assert f.model_aware and f.notes == ()
    assert f.to_dict()["cost_top_upper_usd"] == pytest.approx(5000 * price / 1e6)


def test_names_match_without_vendor_or_snapshot_and_tables_are_overridable():
    assert forecast(D, "openai/o4-mini-2025-04-16").usd_per_million == PRICES["o4-mini"].value
    f = forecast(
        D, prices={"o4-mini": 1.0}, throughput={"o4-mini": Rate(100.0, "my lab", "2026-11")}
    )
    assert (f.cost_usd, f.latency_s) == (pytest.approx(400e-6), pytest.approx(4.0))
    assert f.price_source == "given by the caller" and f.throughput_source == "my lab (2026-11)"


def test_a_missing_price_or_model_is_a_clear_error_never_a_zero():
    with pytest.raises(ConfigError, match=r"no output-token price for model 'qwen3-8b'.*prices="):
        forecast(D, "qwen3-8b")
    with pytest.raises(ConfigError, match="name the model called"):
        forecast(Decision("long", None, 3000, 6000, 0.0, False, "v", expected_tokens=1,
                          expected_tokens_top=1))  # fmt: skip
    fallback = Decision("short", 1024, None, None, None, True, "v", model="o4-mini")
    with pytest.raises(ConfigError, match="no token forecast"):
        forecast(fallback)
    for bad in (0, -1.0, float("nan"), "4.4", True):
        with pytest.raises(ConfigError, match="must be a positive number"):
            forecast(D, prices={"o4-mini": bad})
    with pytest.raises(ConfigError, match="must be a budgetrouter Decision"):
        forecast({"tier": "short"}, "o4-mini")


def test_an_unknown_speed_leaves_latency_out_and_says_so():
    f = forecast(D, "claude-sonnet-4")
    assert f.latency_s is None and f.cost_usd > 0
    assert any("no output speed known for 'claude-sonnet-4'" in n for n in f.notes)
    assert any("figures are for 'o4-mini'" in n for n in f.notes) and not f.model_aware


def test_every_table_entry_has_a_source_and_date():
    for rate in (*PRICES.values(), *THROUGHPUT.values()):
        assert rate.value > 0 and rate.source and rate.as_of[:4].isdigit()


def test_a_routed_decision_forecasts_from_the_bundles_own_predictions(level_bundle):
    router = Router.load(level_bundle)
    d = router.route(HARD, model="effort-model")
    f = forecast(d, prices={"effort-model": 2.0}, throughput={"effort-model": 50.0})
    assert f.tokens == d.expected_tokens and f.tokens_upper == d.expected_tokens_upper
    assert f.tokens_top_upper >= f.tokens_top and f.cost_upper_usd >= f.cost_usd


def test_numpy_prices_and_snapshot_names_are_the_models_own():
    import numpy as np

    f = forecast(D, "openai/O4-MINI-2025-04-16", prices={"o4-mini": np.float32(2.0)})
    assert f.usd_per_million == 2.0 and f.model_aware and f.notes == ()
    for bad in (5, [("o4-mini", 3.0)]):
        with pytest.raises(ConfigError, match="prices must map model names to numbers"):
            forecast(D, prices=bad)

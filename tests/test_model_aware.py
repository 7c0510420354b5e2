"""Routing for the model being called (``route(prompt, model=...)``), on a tiny trained bundle."""

import logging

import pytest

from budgetrouter import Router, RouterConfig
from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params

EASY = "Task add #1: solve for these 2 numbers: 4 5"
HARD = "Task add #2: solve for these 38 numbers: " + " ".join(str(i) for i in range(38))


@pytest.fixture(scope="module")
def router(level_bundle):
    return Router.load(level_bundle)


def test_the_bundle_records_the_models_it_knows_and_their_control(router):
    assert router.known_models == ["budget-model", "effort-model"]
    manifest_levels = router.manifest["levels"]["models"]
    controls = {m["model"]: m["control"] for m in manifest_levels}
    assert controls == {"budget-model": "budget", "effort-model": "effort"}


def test_effort_models_get_an_effort_and_budget_models_a_level_budget(router):
    for prompt in (EASY, HARD):
        d = router.route(prompt, model="effort-model")
        assert d.model_aware and d.model == "effort-model"
        assert d.effort in {"low", "medium", "high"}
        b = router.route(prompt, model="budget-model")
        assert b.model_aware and b.effort is None
        assert b.budget_tokens in {0, 512, 2048}
        assert b.expected_tokens is not None and b.expected_tokens_top is not None


def test_hard_prompts_get_the_top_level(router):
    assert router.route(HARD, model="effort-model").effort == "high"
    assert router.route(HARD, model="budget-model").budget_tokens == 2048


def test_no_model_gives_the_model_agnostic_decision(router):
    d = router.route(EASY)
    assert d.model is None and not d.model_aware and d.effort is None


def test_an_unknown_model_is_flagged_and_warned_once(router, caplog):
    with caplog.at_level(logging.WARNING, logger="budgetrouter.router"):
        d = router.route(EASY, model="some-other-model")
        router.route(HARD, model="some-other-model")
    assert d.model == "some-other-model" and not d.model_aware
    assert d.tier == router.route(EASY).tier
    assert caplog.text.count("is not one this bundle knows") == 1


def test_strict_model_refuses_an_unknown_model(router):
    strict = Router.load(router.path, RouterConfig(strict_model=True))
    with pytest.raises(ConfigError, match="not one this bundle knows"):
        strict.route(EASY, model="some-other-model")
    assert strict.route(EASY, model="effort-model").model_aware


@pytest.mark.parametrize("bad", ["", "   ", 3])
def test_a_bad_model_name_is_refused(router, bad):
    with pytest.raises(ConfigError, match="model must be a non-empty string"):
        router.route(EASY, model=bad)


def test_route_batch_takes_one_model_per_prompt(router):
    out = router.route_batch([EASY, EASY, HARD], model=[None, "effort-model", "budget-model"])
    assert [d.model for d in out] == [None, "effort-model", "budget-model"]
    assert [d.model_aware for d in out] == [False, True, True]
    with pytest.raises(ConfigError, match="2 model names for 3 prompts"):
        router.route_batch([EASY, EASY, HARD], model=["a", "b"])


def test_the_cache_tells_models_apart(router):
    a = router.route(EASY, model="effort-model")
    b = router.route(EASY, model="budget-model")
    assert a.model != b.model and router.route(EASY, model="effort-model") is a


def test_request_params_send_the_decisions_effort(router):
    d = router.route(HARD, model="effort-model")
    params = request_params(d, "openai", "o4-mini")
    assert params.get("reasoning_effort") == d.effort


def test_evaluate_replays_runs_at_levels_model_aware_and_agnostic(router):
    from budgetrouter.train import evaluate_bundle
    from tests.conftest import make_level_observations

    report = evaluate_bundle(
        router, make_level_observations(seed=5), include_training_families=True
    )
    levels = report["levels"]["observations"]
    assert set(levels["models"]) == {"effort-model", "budget-model"}
    for kinds in levels["models"].values():
        for kind in ("model_aware", "model_agnostic"):
            r = kinds[kind]
            assert -0.01 <= r["tokens_saved"] <= 1 and r["accuracy_kept"] > 0
            assert r["oracle"]["tokens_saved"] >= r["best_level"]["tokens_saved"] - 1e-9
    mean = levels["mean"]
    assert mean["model_aware"]["accuracy_kept"] >= 0.9
    assert "best_single_decision" in mean["model_agnostic"]


def test_known_models_record_the_provider_rows_that_cover_them():
    from budgetrouter.train.level_fit import provider_rows

    (o4,) = provider_rows("o4-mini", "effort")
    assert o4["provider"] == "openai" and o4["style"] == "effort" and o4["source"]
    (flash,) = provider_rows("gemini-2.5-flash", "budget")
    assert flash["provider"] == "gemini" and flash["style"] == "budget"
    assert provider_rows("qwen3-8b", "on_off") == []  # served by a generic server row only


def test_the_manifest_keeps_the_capability_rows(router):
    assert set(router.manifest["levels"]["capabilities"]) == set(router.known_models)


def test_escalation_moves_up_the_models_own_levels(router):
    d = router.route(EASY, model="effort-model")
    seen = [d.effort]
    while (d := router.escalate(d)) is not None:
        seen.append(d.effort)
    assert seen == ["low", "medium", "high"][["low", "medium", "high"].index(seen[0]) :]
    b = router.route(EASY, model="budget-model")
    budgets = [b.budget_tokens]
    while (b := router.escalate(b)) is not None:
        budgets.append(b.budget_tokens)
    assert budgets == [0, 512, 2048][[0, 512, 2048].index(budgets[0]) :]
    agnostic = router.escalate(router.route(EASY, model="not-known"))
    assert agnostic is None or agnostic.effort is None


@pytest.mark.parametrize(
    "bad", [{"effort-model": 1}, {"effort-model"}, b"effort-model", 7, [None, ["x"]]]
)
def test_model_containers_that_are_not_one_name_per_prompt_are_refused(router, bad):
    with pytest.raises(ConfigError, match="model"):
        router.route_batch([EASY, HARD], model=bad)


def test_models_as_array_or_series_and_odd_names(router):
    import numpy as np
    import pandas as pd

    for models in (np.array(["effort-model", "budget-model"]), pd.Series(["effort-model", None])):
        out = router.route_batch([EASY, HARD], model=models)
        assert out[0].model == "effort-model" and out[0].model_aware
    for bad in (" effort-model", "effort-model\n", "\ud800"):
        with pytest.raises(ConfigError, match="model"):
            router.route(EASY, model=bad)
    with pytest.raises(ConfigError, match="model"):
        router.knows_model(None)  # type: ignore[arg-type]


def test_request_params_refuse_under_strict_what_they_would_clamp(router):
    from dataclasses import replace

    d = router.route(HARD, model="effort-model")
    wrong = replace(d, model="o4-mini", effort="xhigh")
    notes = request_params(wrong, "openai", "o4-mini").notes
    assert any("not one" in n for n in notes)
    with pytest.raises(ConfigError, match="xhigh"):
        request_params(wrong, "openai", "o4-mini", strict=True)
    made_for = replace(d, model="o4-mini", effort="low")
    assert any("made for" in n for n in request_params(made_for, "openai", "gpt-5.1").notes)
    openrouter = request_params(made_for, "openrouter", "openai/o4-mini")
    assert openrouter["extra_body"]["reasoning"] == {"effort": "low"}
    server = request_params(replace(made_for, model="gpt-oss-20b"), "vllm", "gpt-oss-20b")
    assert server["reasoning_effort"] == "low"


def _fact_only_levels(seed: int = 3):
    """Visible runs on tasks of every size; the effort model run at its levels on facts only.

    On the facts every level answers alike, so the model's runs alone say its levels never pay;
    the tasks' visible runs say long tasks need long reasoning.
    """
    import numpy as np
    import pandas as pd

    from tests.conftest import make_observations

    rng = np.random.default_rng(seed)
    visible = make_observations(seed).assign(count_source="visible_text")
    visible["reasoning_tokens"] *= 10  # long tasks need thousands of tokens, short ones none
    rows = []
    for k in range(60):
        prompt = f"Fact question {k}: in which year was item {k} first recorded?"
        for effort, tokens in (("low", 300), ("medium", 1200), ("high", 4000)):
            rows.append(
                {
                    "prompt": prompt,
                    "group": f"facts-{k % 4}",
                    "model": "effort-model",
                    "effort": effort,
                    "reasoning_tokens": int(tokens * rng.uniform(0.8, 1.2)),
                    "correct": bool(rng.random() < 0.5),
                    "count_source": "usage",
                }
            )
    return pd.concat([visible, pd.DataFrame(rows)], ignore_index=True)


def test_levels_seen_on_facts_only_still_follow_the_prompts_demand():
    from budgetrouter.embedders import HashingEmbedder
    from budgetrouter.train import train_router
    from tests.conftest import TINY

    router = train_router(_fact_only_levels(), TINY, HashingEmbedder(dim=16)).router
    levels = router.levels
    assert levels is not None and router.known_models == ["effort-model"]
    buys = levels.buys["effort-model"]
    assert buys[0] < buys[1] < buys[2]  # placed by the tokens each level buys
    easy = router.route(EASY, model="effort-model")
    hard = router.route(HARD, model="effort-model")
    assert easy.effort == "low" and easy.tier == "none"
    assert hard.effort == "high" and hard.tier == "long"
    assert easy.expected_tokens < hard.expected_tokens


def test_a_level_model_refuses_levels_without_their_tokens():
    from budgetrouter.level_model import LevelModel
    from budgetrouter.levels import Level, ModelLevels

    ladder = ModelLevels("m", (Level("low", effort="low"), Level("high", effort="high")))
    with pytest.raises(ConfigError, match="tokens each of its levels buys"):
        LevelModel({"m": ladder}, {"m": [100.0]}, 0.5)
    with pytest.raises(ConfigError, match="share"):
        LevelModel({"m": ladder}, {"m": [100.0, 900.0]}, 1.5)
    model = LevelModel({"m": ladder}, {"m": [100.0, 900.0]}, 0.5)
    assert LevelModel.from_dict(model.to_dict()).buys == model.buys


@pytest.mark.parametrize(
    "buys, match",
    [
        ([900.0, 100.0], "at least the tokens of a lower one"),
        ([100.0, float("nan")], "finite non-negative"),
        ([-1.0, 100.0], "finite non-negative"),
        ("12", "a list of 2"),
        ([100.0], "a list of 2"),
    ],
)
def test_a_level_model_refuses_tokens_that_are_not_a_ladder(buys, match):
    from budgetrouter.level_model import LevelModel
    from budgetrouter.levels import Level, ModelLevels

    ladder = ModelLevels("m", (Level("low", effort="low"), Level("high", effort="high")))
    with pytest.raises(ConfigError, match=match):
        LevelModel({"m": ladder}, {"m": buys}, 0.5)


def test_a_level_models_record_is_checked_field_by_field():
    import numpy as np

    from budgetrouter.level_model import LevelModel
    from budgetrouter.levels import Level, ModelLevels

    ladder = ModelLevels("m", (Level("low", effort="low"), Level("high", effort="high")))
    good = LevelModel({"m": ladder}, {"m": [100.0, 900.0]}, np.float32(0.5)).to_dict()
    assert LevelModel.from_dict(good).share == 0.5
    for key in ("buys", "share", "models"):
        with pytest.raises(ConfigError, match=key):
            LevelModel.from_dict({k: v for k, v in good.items() if k != key})
    for bad in (True, None, 1.5):
        with pytest.raises(ConfigError, match="share"):
            LevelModel.from_dict({**good, "share": bad})
    with pytest.raises(ConfigError, match="upper"):
        LevelModel.from_dict({**good, "upper": {"m": [1.0]}})
    with pytest.raises(ConfigError, match="not known"):
        LevelModel.from_dict({**good, "buys": {**good["buys"], "other": [1.0, 2.0]}})

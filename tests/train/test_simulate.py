"""The traffic simulation at a small size: the bundled runs as a provider, learning from the
logs alone (the full-size figures come from ``training/simulate_traffic.py``)."""

from __future__ import annotations

import json

import pytest

from budgetrouter import Router, TrainConfig
from budgetrouter.train.level_world import LevelWorld
from budgetrouter.train.simulate import agreement_rows, graded_rows, replay, simulate
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def world():
    return LevelWorld.from_source(ROOT / "data" / "tts-frames", "gpt-5-mini")


def test_the_world_answers_from_the_bundled_runs(world):
    assert world.efforts == ["low", "medium", "high"] and len(world.prompts) > 300
    prompt = world.prompts[0]
    correct, tokens = world.runs[prompt]["low"]
    text, spent, ok = world.answer(prompt, "low")
    assert (spent, ok) == (tokens, correct)
    assert (text == world.answers[prompt]) is correct
    # the top level's label compares it with the second opinion (the level below)
    assert world.label(prompt, "high") == (
        world.answer(prompt, "high")[0] == world.answer(prompt, "medium")[0]
    )


def test_a_small_simulation_learns_from_agreement_rows_only(world, tiny_bundle, tmp_path):
    router = Router.load(tiny_bundle)
    config = TrainConfig(
        target_accuracy=0.95, model_target_accuracy=0.95, n_outer_folds=3, n_inner_folds=2,
        n_estimators=20, calibration_runs=20_000,
    )  # fmt: skip
    result = simulate(router, world, config, tmp_path, calls=300, explore=0.3, shadow=0.5, seed=1)
    log = [json.loads(line) for line in (tmp_path / "traffic-1.jsonl").read_text().splitlines()]
    assert len(log) == 300 and all("propensity" in r for r in log)
    labelled = [r for r in log if r["correct_source"] == "agreement"]
    assert result.labelled_rows == len(labelled) and 100 < len(labelled) < 200
    # each label is the agreement the simulated provider gives, never the run's grade
    assert all(r["correct"] == float(world.label(r["prompt"], r["effort"])) for r in labelled)
    assert world.level("minimal") == "low" and world.level("high") == "high"
    for replayed in (result.before, result.from_agreement, result.from_true_labels):
        assert 0 <= replayed["tokens_saved"] <= 1 and replayed["accuracy_kept"] > 0
    # the off-policy check uses the other half of the traffic's prompts; at this size its
    # interval may be undefined (null: a resample with no row at the candidate's level)
    kept = result.offpolicy["accuracy_kept"]
    assert 0 < result.offpolicy["rows"] < len(labelled) and kept["estimate"] > 0
    assert kept["low"] is None or kept["low"] <= kept["estimate"] <= kept["high"]
    assert 0 < result.offpolicy_truth <= 1.5


def test_true_grades_replace_the_labels(world):
    import pandas as pd

    prompt = world.prompts[0]
    rows = pd.DataFrame([{"prompt": prompt, "effort": "low", "correct": 1.0,
                          "correct_source": "agreement"}])  # fmt: skip
    graded = graded_rows(agreement_rows(rows), world)
    assert graded["correct"].tolist() == [float(world.runs[prompt]["low"][0])]
    assert graded["correct_source"].tolist() == ["caller"]


def test_replay_scores_a_router_with_the_true_grades(world, tiny_bundle):
    out = replay(Router.load(tiny_bundle), world, world.prompts[:50])
    assert set(out) == {"accuracy", "accuracy_kept", "tokens_saved", "agreement_kept"}

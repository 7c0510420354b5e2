"""The dataset readers on the real folders of ``data/``."""

import logging

import numpy as np
import pandas as pd
import pytest

from budgetrouter.errors import DataError
from budgetrouter.train import read_observations
from budgetrouter.train.data import validate_observations
from budgetrouter.train.level_runs import known_models, level_runs
from budgetrouter.train.sources import read_routing_folder
from tests.conftest import ROOT

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def simpleqa() -> pd.DataFrame:
    return read_routing_folder(DATA / "tts-simpleqa")


def test_simpleqa_runs_keep_their_level_and_count_source(simpleqa, caplog):
    claude = simpleqa[simpleqa["model"] == "claude-sonnet-4"]
    assert sorted(claude["budget"].unique()) == [0.0, 1024.0, 2048.0, 4096.0]
    off = claude[claude["budget"] == 0]
    assert (off["count_source"] == "thinking_off").all() and (off["reasoning_tokens"] == 0).all()
    on = claude[claude["budget"] > 0]
    assert (on["count_source"] == "usage").all() and on["count_includes_answer"].all()
    gpt5 = simpleqa[simpleqa["model"] == "gpt-5-mini"]
    assert set(gpt5["effort"]) == {"low", "medium", "high"}
    assert gpt5["budget"].isna().all() and not gpt5["count_includes_answer"].any()
    assert (simpleqa["source"] == "tts-simpleqa").all()
    # One family: split into groups of questions so that cross-validation holds questions out.
    assert simpleqa["group"].nunique() == 8
    assert simpleqa.groupby("prompt")["group"].nunique().max() == 1


def test_excluded_runs_are_counted_and_logged(caplog):
    with caplog.at_level(logging.INFO, logger="budgetrouter.train.sources"):
        table = read_routing_folder(DATA / "tts-simpleqa")
    raw = pd.read_parquet(DATA / "tts-simpleqa" / "outcomes.parquet")
    forced = raw["setting"].str.fullmatch(r"exd[1-9]\d*").fillna(False)
    assert len(table) == len(raw) - int(forced.sum())
    assert f"excluded {int(forced.sum())} runs (budget forcing" in caplog.text
    # Not attempted answers (grade C) are kept, as not correct.
    graded_c = raw.loc[~forced & (raw["grade"] == "C")]
    assert len(graded_c) > 0
    kept = table.merge(
        graded_c[["prompt_id", "model", "setting"]], on=["prompt_id", "model", "setting"]
    )
    assert len(kept) == len(graded_c) and not kept["correct"].any()


def test_mmlu_pro_drops_length_capped_models_and_guessed_labels(caplog):
    with caplog.at_level(logging.INFO, logger="budgetrouter.train.sources"):
        table = read_routing_folder(DATA / "mmlu-pro")
    assert "Qwen1.5-72B-Chat" not in set(table["model"])  # capped at ~256 tokens
    assert "Meta-Llama-3_1-70B-Instruct" in set(table["model"])
    assert (table["count_source"] == "visible_text").all()
    assert "length-capped model" in caplog.text and "no answer marker" in caplog.text


def test_the_data_folder_reads_all_six_sources(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="budgetrouter.train.sources"):
        table = read_observations(DATA)
    assert "negative reasoning count" in caplog.text  # two o4-mini FRAMES runs
    assert set(table["source"]) == {
        "reasoning-gym",
        "tts-simpleqa",
        "tts-frames",
        "mip-overthinking",
        "crux",
        "mmlu-pro",
    }
    assert table["reasoning_tokens"].notna().all() and table["correct"].notna().all()


def test_known_models_and_their_ladders(simpleqa):
    models = known_models(simpleqa)
    assert {"o4-mini", "gpt-5-mini", "claude-sonnet-4", "gemini-2.5-flash", "qwen3-8b"} <= set(
        models
    )
    assert "r1-distill-qwen-7b" not in models  # natural thinking only: nothing to choose
    assert models["o4-mini"].control == "effort"
    assert models["gemini-2.5-flash"].control == "budget"
    assert models["qwen3-8b"].control == "on_off"
    runs = level_runs(simpleqa, models)["gemini-2.5-flash"]
    assert runs.correct.shape == (800, 5)
    # The source's own statistics: accuracy 0.126 with thinking off, 0.286 at budget 2048.
    np.testing.assert_allclose(runs.correct.mean(axis=0)[[0, -1]], [0.126, 0.286], atol=5e-4)


def test_contract_checks_the_new_columns():
    base = {"prompt": ["q"], "reasoning_tokens": [5], "correct": [True]}
    with pytest.raises(DataError, match="effort must be one of"):
        validate_observations(pd.DataFrame({**base, "effort": ["turbo"]}), "t")
    with pytest.raises(DataError, match="count_source must be one of"):
        validate_observations(pd.DataFrame({**base, "count_source": ["guess"]}), "t")
    with pytest.raises(DataError, match="not both"):
        validate_observations(pd.DataFrame({**base, "effort": ["low"], "budget": [512]}), "t")
    with pytest.raises(DataError, match="count_includes_answer"):
        validate_observations(pd.DataFrame({**base, "count_includes_answer": ["maybe"]}), "t")
    ok = validate_observations(pd.DataFrame({**base, "effort": ["low"], "setting": ["low_e"]}), "t")
    assert ok["effort"].iloc[0] == "low" and not ok["count_includes_answer"].iloc[0]


def test_contract_refuses_contradicting_levels():
    base = {"prompt": ["q"], "reasoning_tokens": [5], "correct": [True]}
    with pytest.raises(DataError, match="not both"):
        validate_observations(pd.DataFrame({**base, "effort": ["high"], "budget": [0]}), "t")
    with pytest.raises(DataError, match="whole number"):
        validate_observations(pd.DataFrame({**base, "budget": [0.5]}), "t")
    with pytest.raises(DataError, match="model must be"):
        validate_observations(pd.DataFrame({**base, "model": ["  "]}), "t")

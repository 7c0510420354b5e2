import json

import pandas as pd
import pytest

from budgetrouter.errors import DataError
from budgetrouter.train import data_digest, read_observations
from budgetrouter.train.sources import read_reasoning_gym
from tests.conftest import DATA

GOOD = [
    {"prompt": "2+2?", "reasoning_tokens": 0, "correct": 1.0, "model": "a", "group": "add"},
    {
        "prompt": "Prove it.",
        "reasoning_tokens": 900,
        "correct": 0.5,
        "model": "a",
        "group": "proof",
    },
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_reads_every_format(tmp_path, fmt):
    path = tmp_path / f"obs.{fmt}"
    frame = pd.DataFrame(GOOD)
    if fmt == "jsonl":
        write_jsonl(path, GOOD)
    elif fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    table = read_observations(path)
    assert table["prompt"].tolist() == ["2+2?", "Prove it."]
    assert table["reasoning_tokens"].tolist() == [0, 900]
    assert table["correct"].tolist() == [1.0, 0.5]
    assert table["group"].tolist() == ["add", "proof"]
    assert table["budget"].isna().all()


def test_optional_columns_are_filled(tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [{"prompt": "x", "reasoning_tokens": 3, "correct": 1}])
    table = read_observations(path)
    assert table["group"].tolist() == ["x"]  # each prompt its own group
    assert table["model"].isna().all()


def test_concatenates_several_files(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", GOOD[:1])
    b = write_jsonl(tmp_path / "b.jsonl", GOOD[1:])
    assert len(read_observations([a, b])) == 2


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"prompt": "", "reasoning_tokens": 1, "correct": True}, "prompt", "empty"),
        ({"prompt": 5, "reasoning_tokens": 1, "correct": True}, "prompt", "must be a string"),
        ({"prompt": "p", "reasoning_tokens": -3, "correct": True}, "reasoning_tokens", ">= 0"),
        ({"prompt": "p", "reasoning_tokens": 2.5, "correct": True}, "reasoning_tokens", "integer"),
        (
            {"prompt": "p", "reasoning_tokens": "lots", "correct": True},
            "reasoning_tokens",
            "number",
        ),
        ({"prompt": "p", "reasoning_tokens": None, "correct": True}, "reasoning_tokens", "number"),
        ({"prompt": "p", "reasoning_tokens": 1, "correct": "maybe"}, "correct", "true/false"),
        ({"prompt": "p", "reasoning_tokens": 1, "correct": 1.5}, "correct", r"\[0, 1\]"),
        ({"prompt": "p", "reasoning_tokens": 1, "correct": 1, "tier": "huge"}, "tier", "one of"),
        ({"prompt": "p", "reasoning_tokens": 1, "correct": 1, "budget": -1}, "budget", ">= 0"),
    ],
)
def test_bad_value_names_file_row_and_field(tmp_path, row, field, message):
    base = {"prompt": "2+2?", "reasoning_tokens": 0, "correct": 1.0}
    path = write_jsonl(tmp_path / "bad.jsonl", [base, row])
    with pytest.raises(DataError, match=message) as info:
        read_observations(path)
    assert info.value.row == 2
    assert info.value.field == field
    assert str(path) in str(info.value)
    assert f"row 2, field '{field}'" in str(info.value)


def test_csv_rows_are_counted_from_one(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame([GOOD[0], GOOD[0], {**GOOD[0], "reasoning_tokens": -1}]).to_csv(path, index=False)
    with pytest.raises(DataError, match="row 3, field 'reasoning_tokens'"):
        read_observations(path)


def test_missing_column(tmp_path):
    path = write_jsonl(tmp_path / "o.jsonl", [{"prompt": "p", "correct": True}])
    with pytest.raises(DataError, match=r"missing required column\(s\) \['reasoning_tokens'\]"):
        read_observations(path)


def test_unknown_format(tmp_path):
    path = tmp_path / "obs.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match="unknown format '.xlsx'"):
        read_observations(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_observations(tmp_path / "nope.jsonl")


def test_invalid_json_line(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text(json.dumps(GOOD[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2: invalid JSON"):
        read_observations(path)


def test_empty_file(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text("\n")
    with pytest.raises(DataError, match="holds no observations"):
        read_observations(path)


def test_folder_that_is_not_a_dataset_folder(tmp_path):
    with pytest.raises(DataError, match="not a dataset folder"):
        read_observations(tmp_path)


def test_reasoning_gym_adapter_keeps_visible_runs_only(caplog):
    caplog.set_level("INFO")
    table = read_reasoning_gym(DATA)
    outcomes = pd.read_parquet(DATA / "outcomes.parquet")
    visible = outcomes["model_kind"] == "visible_cot"
    assert len(table) == int(visible.sum())
    assert f"excluded {int((~visible).sum())} hidden_reasoning runs" in caplog.text
    assert table["reasoning_tokens"].min() >= 0
    assert {"category", "difficulty", "prompt_id"} <= set(table.columns)
    families = pd.read_parquet(DATA / "prompts.parquet")["family"]
    assert set(table["group"]) <= set(families)


def test_digest_changes_with_content():
    table = pd.DataFrame(GOOD).assign(correct=[1.0, 0.5])
    other = table.assign(reasoning_tokens=[0, 901])
    assert data_digest(table) == data_digest(table.copy())
    assert data_digest(table) != data_digest(other)


@pytest.mark.parametrize("tokens", ["Infinity", "1e300", "9223372036854775807"])
def test_huge_token_counts_are_refused(tmp_path, tokens):
    path = tmp_path / "huge.jsonl"
    path.write_text('{"prompt": "p", "reasoning_tokens": ' + tokens + ', "correct": true}\n')
    with pytest.raises(DataError, match="row 1, field 'reasoning_tokens'.*must be <="):
        read_observations(path)


def test_bad_values_are_shown_plainly(tmp_path):
    path = tmp_path / "neg.parquet"
    import pandas as pd

    pd.DataFrame({"prompt": ["p"], "reasoning_tokens": [-3], "correct": [True]}).to_parquet(path)
    with pytest.raises(DataError, match=r"must be >= 0 \(got -3; 1 such row"):
        read_observations(path)


def test_training_refuses_observations_where_no_run_is_correct():
    from budgetrouter.embedders import HashingEmbedder
    from budgetrouter.train import train_router
    from tests.conftest import TINY, make_observations

    wrong = make_observations().assign(correct=False)
    with pytest.raises(DataError, match="no run is correct"):
        train_router(wrong, TINY, HashingEmbedder(dim=8))

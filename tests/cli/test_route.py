"""``budgetrouter route``."""

import json

import pytest

from budgetrouter.cli import main
from tests.test_router import PROMPTS


def test_route_one_prompt(tiny_bundle, capsys):
    assert main(["route", PROMPTS[0], "--bundle", str(tiny_bundle)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["tier"] in ("none", "short", "long")
    assert record["fallback"] is False


def test_route_batch_file(tiny_bundle, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"id": f"q{i}", "prompt": p}) + "\n" for i, p in enumerate(PROMPTS))
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert (
        main(["route", "--input", str(src), "--output", str(out), "--bundle", str(tiny_bundle)])
        == 0
    )
    lines = out.read_text().splitlines()
    assert len(lines) == len(PROMPTS)
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["q0", "q1", "q2"]
    for r in records:
        assert set(r) >= {
            "id",
            "tier",
            "budget_tokens",
            "predicted_tokens",
            "predicted_tokens_upper",
            "p_no_thinking",
            "fallback",
        }


def test_route_table(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "prompt": PROMPTS[0]}) + "\n")
    assert (
        main(["route", "--input", str(src), "--format", "table", "--bundle", str(tiny_bundle)]) == 0
    )
    out = capsys.readouterr().out
    assert "tier" in out.splitlines()[0] and "Task add" in out


def test_bad_lines_keep_their_place_and_lose_none_of_the_others(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "prompt": "ok"})
        + "\n"
        + '{"id": 2, "text": "x"}\n'
        + '{"id": 3, "prompt": "2+3? \\ud83d"}\n'  # a lone surrogate, as JSON escapes it
        + "{not json\n"
        + json.dumps({"id": 5, "prompt": "fine too"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    argv = ["route", "--input", str(src), "--output", str(out), "--bundle", str(tiny_bundle)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "3 of 5 lines" in err and "line 2:" in err and "Traceback" not in err
    assert "line 3: the prompt is not valid text: an unpaired surrogate" in err
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in records] == [1, 2, 3, 4, 5]
    assert [("error" in r) for r in records] == [False, True, True, True, False]
    assert records[0]["tier"] in ("none", "short", "long") and "tier" in records[4]
    assert main([*argv[:3], "--format", "table", "--bundle", str(tiny_bundle)]) == 1
    table = capsys.readouterr().out
    assert "2+3? \\ud83d" in table and "error (line 4): invalid JSON" in table


def test_empty_prompt_in_batch_without_and_with_fallback(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "prompt": "ok"}) + "\n" + json.dumps({"id": 2, "prompt": ""}) + "\n"
    )
    assert main(["route", "--input", str(src), "--bundle", str(tiny_bundle)]) == 1
    captured = capsys.readouterr()
    assert "line 2: the prompt is empty" in captured.err
    assert json.loads(captured.out.splitlines()[1]) == {
        "id": 2,
        "error": "line 2: the prompt is empty; pass a non-empty string",
    }
    assert (
        main(
            ["route", "--input", str(src), "--bundle", str(tiny_bundle), "--fallback-tier", "short"]
        )
        == 0
    )
    records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["fallback"] for r in records] == [False, True]
    assert records[1]["tier"] == "short"


def test_a_single_bad_prompt_is_an_error(tiny_bundle, capsys):
    assert main(["route", "2+3? \ud83d", "--bundle", str(tiny_bundle)]) == 2
    assert "unpaired surrogate" in capsys.readouterr().err


def test_missing_bundle_is_a_clean_error(tmp_path, capsys):
    assert main(["route", "hello", "--bundle", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "No bundle at" in err and "Traceback" not in err


def test_route_needs_a_prompt_or_input(tiny_bundle, capsys):
    assert main(["route", "--bundle", str(tiny_bundle)]) == 2
    assert "either one PROMPT or --input" in capsys.readouterr().err


def test_output_into_a_missing_folder_is_a_clear_error(tiny_bundle, tmp_path, capsys):
    out = tmp_path / "nodir" / "out.jsonl"
    assert main(["route", "hi", "--bundle", str(tiny_bundle), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {out.parent} does not exist" in err and ".out.jsonl." not in err


def test_bad_prompt_deep_in_a_file_names_its_line(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "big.jsonl"
    lines = [json.dumps({"id": i, "prompt": f"p {i}"}) for i in range(299)]
    src.write_text("\n".join([*lines, json.dumps({"id": "x", "prompt": None})]) + "\n")
    assert main(["route", "--input", str(src), "--bundle", str(tiny_bundle)]) == 1
    captured = capsys.readouterr()
    assert "line 300: the prompt must be a string" in captured.err
    assert len(captured.out.splitlines()) == 300


def test_route_for_a_model_and_per_line_models(level_bundle, tmp_path, capsys):
    from tests.test_model_aware import EASY, HARD

    assert main(["route", HARD, "--model", "effort-model", "--bundle", str(level_bundle)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model"] == "effort-model" and record["model_aware"] is True
    assert record["effort"] == "high"
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "prompt": EASY})
        + "\n"
        + json.dumps({"id": "b", "prompt": HARD, "model": "budget-model"})
        + "\n"
        + json.dumps({"id": "c", "prompt": EASY, "model": "not-known"})
        + "\n"
    )
    argv = ["route", "--input", str(src), "--model", "effort-model", "--bundle", str(level_bundle)]
    assert main(argv) == 0
    records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["model"] for r in records] == ["effort-model", "budget-model", "not-known"]
    assert [r["model_aware"] for r in records] == [True, True, False]
    assert records[1]["budget_tokens"] == 2048
    assert main([*argv, "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "effort-model" in table and "not-known?" in table and "at top" in table


def test_strict_model_names_the_line_of_an_unknown_model(level_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"prompt": "fine", "model": "effort-model"})
        + "\n"
        + json.dumps({"prompt": "fine", "model": "gpt-9"})
        + "\n"
    )
    argv = ["route", "--input", str(src), "--strict-model", "--bundle", str(level_bundle)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "line 2" in captured.err and "'gpt-9' is not one this bundle knows" in captured.err
    first, second = (json.loads(x) for x in captured.out.splitlines())
    assert first["model_aware"] is True and "gpt-9" in second["error"]


def test_a_bad_model_field_names_its_line(level_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"prompt": "fine", "model": 7}) + "\n")
    assert main(["route", "--input", str(src), "--bundle", str(level_bundle)]) == 1
    err = capsys.readouterr().err
    assert "line 1" in err and "must be a non-empty string" in err


def test_strict_model_names_the_option_for_an_unknown_model_option(level_bundle, capsys):
    argv = ["route", "fine", "--model", "gpt-9", "--strict-model", "--bundle", str(level_bundle)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--model" in err and "gpt-9" in err and "Traceback" not in err
    assert main(["route", "fine", "--model", " ", "--bundle", str(level_bundle)]) == 2
    assert "--model must name the model" in capsys.readouterr().err


def test_route_forecast_jsonl_and_table(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a", "prompt": PROMPTS[0], "model": "o4-mini"})
        + "\n"
        + json.dumps({"id": "b", "prompt": PROMPTS[0]})
        + "\n"
        + json.dumps({"id": "c", "prompt": PROMPTS[0], "model": "qwen3-8b"})
        + "\n"
    )
    argv = ["route", "--input", str(src), "--forecast", "--bundle", str(tiny_bundle)]
    assert main(argv) == 0
    a, b, c = (json.loads(x) for x in capsys.readouterr().out.splitlines())
    f = a["forecast"]
    assert f["model"] == "o4-mini" and f["tokens"] == a["expected_tokens"]
    assert f["cost_usd"] == pytest.approx(a["expected_tokens"] * 4.4 / 1e6)
    assert "--model" in b["forecast_error"] and "forecast" not in b
    assert "no output-token price for model 'qwen3-8b'" in c["forecast_error"]
    assert main([*argv, "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "cost $" in table and "think s" in table
    assert "no forecast for (any): no model named" in table
    assert "no forecast for qwen3-8b" in table


def test_bad_model_fields_bad_bytes_and_a_bom_lose_no_other_line(level_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "prompt": "fine"}).encode(),
        json.dumps({"id": "b", "prompt": "fine", "model": " effort-model "}).encode(),
        b'{"id": "c", "prompt": "fine", "model": "effort-model\\ud83d"}',
        b'{"id": "d", "prompt": "caf\xe9"}',  # Latin-1, not UTF-8
        json.dumps({"id": "e", "prompt": "fine", "model": "effort-model"}).encode(),
    ]
    src.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")  # a byte-order mark first
    assert main(["route", "--input", str(src), "--bundle", str(level_bundle)]) == 1
    captured = capsys.readouterr()
    records = [json.loads(x) for x in captured.out.splitlines()]
    assert [("error" in r) for r in records] == [False, True, True, True, False]
    assert "surrounding spaces" in records[1]["error"] and "surrogate" in records[2]["error"]
    assert "not valid UTF-8" in records[3]["error"] and records[4]["model_aware"] is True


def test_route_without_a_bundle_uses_the_packaged_router(capsys):
    assert main(["route", "What is 2 + 3?", "--model", "o4-mini"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["model_aware"] is True and record["effort"] in ("low", "medium", "high")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--bundle", " "], "--bundle must name a bundle folder"),
        (["--output", "."], "it is a folder; give a file path"),
    ],
)
def test_route_refuses_a_blank_bundle_and_a_folder_as_output(tmp_path, capsys, extra, message):
    assert main(["route", "What is 2 + 3?", *extra]) == 2
    assert message in capsys.readouterr().err


def test_route_an_input_without_prompts_is_an_error(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("\n  \n")
    assert main(["route", "--input", str(src)]) == 2
    assert "no prompts (the file has no non-blank line)" in capsys.readouterr().err

import json

import pytest

from budgetrouter.cli import main
from tests.test_router_bundle import PROMPTS


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
            "predicted_tokens_high",
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


def test_bad_input_line_fails_clearly_and_keeps_the_old_output(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "prompt": "ok"}) + "\n" + '{"id": 2, "text": "x"}\n')
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    assert (
        main(["route", "--input", str(src), "--output", str(out), "--bundle", str(tiny_bundle)])
        == 2
    )
    err = capsys.readouterr().err
    assert "row 2" in err and '"prompt"' in err and "Traceback" not in err
    assert out.read_text() == "previous results\n"


def test_empty_prompt_in_batch_without_and_with_fallback(tiny_bundle, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "prompt": "ok"}) + "\n" + json.dumps({"id": 2, "prompt": ""}) + "\n"
    )
    assert main(["route", "--input", str(src), "--bundle", str(tiny_bundle)]) == 2
    assert "prompt 1 is empty" in capsys.readouterr().err
    assert (
        main(
            ["route", "--input", str(src), "--bundle", str(tiny_bundle), "--fallback-tier", "short"]
        )
        == 0
    )
    records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["fallback"] for r in records] == [False, True]
    assert records[1]["tier"] == "short"


def test_missing_bundle_is_a_clean_error(tmp_path, capsys):
    assert main(["route", "hello", "--bundle", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "No bundle at" in err and "Traceback" not in err


def test_route_needs_a_prompt_or_input(tiny_bundle, capsys):
    assert main(["route", "--bundle", str(tiny_bundle)]) == 2
    assert "either one PROMPT or --input" in capsys.readouterr().err


def test_evaluate_prints_replay_json_and_writes_a_report(
    tiny_bundle, observations, tmp_path, capsys
):
    data = tmp_path / "obs.parquet"
    observations.to_parquet(data)
    report_dir = tmp_path / "report"
    args = ["evaluate", "--bundle", str(tiny_bundle), "--data", str(data)]
    assert main([*args, "--include-training-families", "--report", str(report_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["policies"]["always-long"]["accuracy_kept"] == pytest.approx(1.0)
    assert 0 <= report["policies"]["router"]["accuracy_kept"] <= 1.0
    assert report["prompts"] == observations["prompt"].nunique()
    assert "saved_at_98" in report["curves"]["router"]
    assert (report_dir / "report.md").is_file() and (report_dir / "tradeoff.png").is_file()


def test_evaluate_leaves_out_training_families(tiny_bundle, observations, tmp_path, capsys):
    data = tmp_path / "obs.parquet"
    observations.to_parquet(data)
    assert main(["evaluate", "--bundle", str(tiny_bundle), "--data", str(data)]) == 2
    assert "--include-training-families" in capsys.readouterr().err
    unseen = tmp_path / "unseen.parquet"
    observations.assign(group=observations["group"] + "-new").to_parquet(unseen)
    assert main(["evaluate", "--bundle", str(tiny_bundle), "--data", str(unseen)]) == 0


def test_train_rejects_bad_data(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "reasoning_tokens": -1, "correct": True}) + "\n")
    assert main(["train", "--data", str(bad), "--out", str(tmp_path / "b"), "--no-track"]) == 2
    err = capsys.readouterr().err
    assert "row 1, field 'reasoning_tokens'" in err
    assert not (tmp_path / "b").exists()


def test_train_needs_families(tmp_path, capsys):
    data = tmp_path / "obs.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": f"p{i}", "reasoning_tokens": i, "correct": True, "group": "one"})
            + "\n"
            for i in range(20)
        )
    )
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--out",
                str(tmp_path / "b"),
                "--no-track",
                "--embedder",
                "hashing",
            ]
        )
        == 2
    )
    assert "distinct 'group' values" in capsys.readouterr().err


def test_train_with_hashing_embedder_no_tracking(observations, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "obs.csv"
    observations.to_csv(data, index=False)
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"n_estimators": 10, "min_child_samples": 3, "n_folds": 2}))
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--out",
                "b",
                "--no-track",
                "--embedder",
                "hashing",
                "--config",
                str(config),
                "--target-accuracy",
                "0.9",
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["bundle"] == "b" and (tmp_path / "b" / "manifest.json").is_file()
    assert not (tmp_path / "mlflow.db").exists()


def test_calibrate_writes_a_new_bundle_that_meets_the_target(
    tiny_bundle, observations, tmp_path, capsys
):
    from budgetrouter import Router

    data = tmp_path / "mine.parquet"
    observations.assign(group=observations["group"] + "-mine").to_parquet(data)
    out = tmp_path / "recalibrated"
    args = ["calibrate", "--bundle", str(tiny_bundle), "--data", str(data), "--out", str(out)]
    assert main([*args, "--target-accuracy", "0.97"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["expected"]["accuracy_kept"] >= 0.97
    assert summary["bundle_version"] != summary["calibrated_from"]
    router = Router.load(out)  # every hash verifies
    assert router.version == summary["bundle_version"]
    assert router.manifest["calibration"]["target_accuracy"] == 0.97
    assert router.policy.price == summary["price"]
    assert main([*args, "--max-mean-tokens", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["expected"]["mean_tokens"] <= 5


def test_calibrate_rejects_impossible_targets(tiny_bundle, observations, tmp_path, capsys):
    data = tmp_path / "mine.parquet"
    observations.assign(group=observations["group"] + "-mine").to_parquet(data)
    args = ["calibrate", "--bundle", str(tiny_bundle), "--data", str(data)]
    assert main([*args, "--target-accuracy", "1.5"]) == 2
    assert "target_accuracy must be a number in (0.0, 1.0]" in capsys.readouterr().err
    assert main([*args, "--max-mean-tokens", "-3"]) == 2
    assert "max_mean_tokens must be a non-negative number" in capsys.readouterr().err

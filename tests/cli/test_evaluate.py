"""``budgetrouter evaluate``."""

import json

import pytest

from budgetrouter.cli import main


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
    report = json.loads(capsys.readouterr().out)
    # The same report as training writes: the kNN baseline too, fitted out of family.
    assert {"router", "knn", "fixed budget", "oracle"} <= set(report["curves"])
    assert "knn at router accuracy" in report["policies"]
    assert report["operating_point"]["router"]["accuracy_kept"] == pytest.approx(
        report["policies"]["router"]["accuracy_kept"]
    )


def test_evaluate_refuses_runs_with_no_correct_answer(tiny_bundle, observations, tmp_path, capsys):
    data = tmp_path / "wrong.parquet"
    observations.assign(group=observations["group"] + "-new", correct=False).to_parquet(data)
    assert main(["evaluate", "--bundle", str(tiny_bundle), "--data", str(data)]) == 2
    assert "no run is correct" in capsys.readouterr().err

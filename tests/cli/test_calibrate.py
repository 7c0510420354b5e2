"""``budgetrouter calibrate``."""

import json

from budgetrouter.cli import main


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


def test_calibrate_refuses_a_zero_target_and_keeps_the_bundle(
    tiny_bundle, observations, tmp_path, capsys
):
    import shutil

    from budgetrouter import Router

    live = tmp_path / "live"
    shutil.copytree(tiny_bundle, live)
    data = tmp_path / "mine.parquet"
    observations.assign(group=observations["group"] + "-mine").to_parquet(data)
    args = ["calibrate", "--bundle", str(live), "--data", str(data), "--target-accuracy", "0"]
    assert main(args) == 2
    assert "target_accuracy must be a number in" in capsys.readouterr().err
    assert Router.load(live).version == Router.load(tiny_bundle).version

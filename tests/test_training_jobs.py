"""The offline jobs of training/: glue over budgetrouter.train, run as a scheduler would."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from budgetrouter import Router
from tests.conftest import make_observations

ROOT = Path(__file__).resolve().parents[1]


def load_job(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "training" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_config_is_a_train_config():
    from budgetrouter import TrainConfig

    options = json.loads((ROOT / "training" / "default.json").read_text())
    assert TrainConfig.from_dict(options) == TrainConfig()


def test_retrain_job_registers_and_promotes_a_better_candidate(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.chdir(tmp_path)
    served = tmp_path / "served"
    shutil.copytree(tiny_bundle, served)
    before = Router.load(served).version
    make_observations(seed=0).to_parquet(tmp_path / "base.parquet")
    make_observations(seed=1).to_json(tmp_path / "logs.jsonl", orient="records", lines=True)
    (tmp_path / "cfg.json").write_text(
        json.dumps({"n_estimators": 10, "min_child_samples": 3, "n_inner_folds": 2})
    )
    job = load_job("retrain_job")
    args = ["--logs", "logs.jsonl", "--base-data", "base.parquet", "--bundle", str(served)]
    args += ["--config", "cfg.json", "--cache-dir", "", "--out", "candidate", "--promote"]
    assert job.main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["registered_version"] and summary["champion_version"]
    assert summary["promoted"] == summary["candidate_is_better"]
    after = Router.load(served).version
    if summary["promoted"]:
        assert after == summary["candidate"]["bundle_version"] != before
    else:
        assert after == before
    assert job.main(["--logs", "logs.jsonl", "--bundle", str(tmp_path / "none")]) == 2
    assert "No bundle at" in capsys.readouterr().err
    (tmp_path / "list.json").write_text("[1]")
    assert job.main(["--logs", "logs.jsonl", "--bundle", str(served), "--config", "list.json"]) == 2
    assert "must hold a JSON object of TrainConfig keys" in capsys.readouterr().err
    assert job.main([*args[:6], "--out", str(served)]) == 2  # never over the live bundle
    assert "is the current bundle's folder" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["headroom", "retrain_job"])
def test_jobs_are_glue_over_the_library(name):
    text = (ROOT / "training" / f"{name}.py").read_text()
    assert "from budgetrouter.train" in text
    assert "from budgetrouter.cli" not in text

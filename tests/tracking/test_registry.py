"""retrain, the MLflow Model Registry and the served pyfunc model (real store, real server)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from budgetrouter import Router
from budgetrouter.cli import main
from tests.conftest import make_observations
from tests.test_router import PROMPTS

CONFIG = {"n_estimators": 10, "min_child_samples": 3, "n_inner_folds": 2, "n_outer_folds": 3}


@pytest.fixture(scope="module")
def registry(tiny_bundle, tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
    mp.chdir(root)
    base = root / "base.parquet"
    make_observations(seed=0).to_parquet(base)
    (root / "cfg.json").write_text(json.dumps(CONFIG))
    yield root, base, tiny_bundle
    mp.undo()


def retrain(root, base, bundle, logs, out, capsys):
    assert (
        main(
            [
                "retrain",
                "--logs",
                str(logs),
                "--base-data",
                str(base),
                "--bundle",
                str(bundle),
                "--out",
                str(root / out),
                "--config",
                str(root / "cfg.json"),
                "--cache-dir",
                "",
                "--target-accuracy",
                "0.95",
            ]
        )
        == 0
    )
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def first(registry):
    logs = registry[0] / "good.jsonl"
    make_observations(seed=1).to_json(logs, orient="records", lines=True)
    return logs


def test_first_retrain_registers_both_and_names_a_champion(registry, first, capsys):
    root, base, bundle = registry
    summary = retrain(root, base, bundle, first, "cand1", capsys)
    assert summary["heldout_families"] >= 1
    assert set(summary["current"]) >= {"accuracy_kept", "tokens_saved", "bundle_version"}
    import mlflow

    client = mlflow.MlflowClient()
    versions = client.search_model_versions("name='budgetrouter'")
    assert len(versions) == 2
    champ = client.get_model_version_by_alias("budgetrouter", "champion")
    expected = summary["candidate"] if summary["candidate_is_better"] else summary["current"]
    assert champ.tags["bundle_version"] == expected["bundle_version"]


def test_retrain_on_worse_logs_leaves_the_champion_alone(registry, first, capsys):
    import mlflow

    root, base, bundle = registry
    before = mlflow.MlflowClient().get_model_version_by_alias("budgetrouter", "champion").version
    # Logs that claim every prompt is solved with no reasoning: a candidate trained on them
    # learns nothing that keeps the accuracy of the real runs at a lower spend.
    obs = make_observations(seed=0)
    worse = pd.concat([obs.assign(reasoning_tokens=0, correct=True)] * 5, ignore_index=True)
    logs = root / "worse.jsonl"
    worse.to_json(logs, orient="records", lines=True)
    summary = retrain(root, base, bundle, logs, "cand2", capsys)
    assert summary["candidate_is_better"] is False
    assert summary["candidate"]["accuracy_kept"] <= summary["current"]["accuracy_kept"]
    after = mlflow.MlflowClient().get_model_version_by_alias("budgetrouter", "champion").version
    assert after == before
    assert summary["champion_version"] == str(before)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_served_champion_answers_like_the_router(registry, first, capsys):
    """``budgetrouter serve`` as written (the venv's bin not on PATH), a model per row."""
    import mlflow

    root, _, _ = registry
    if not mlflow.MlflowClient().search_model_versions("name='budgetrouter'"):
        pytest.skip("needs the retrain tests of this module")
    model = mlflow.pyfunc.load_model("models:/budgetrouter@champion")
    assert [c.name for c in model.metadata.get_input_schema().inputs] == ["prompt", "model"]
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != bin_dir)
    env = {**os.environ, "PATH": path}
    proc = subprocess.Popen(
        [str(Path(bin_dir) / "budgetrouter"), "serve", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    models = ["o4-mini", None, "claude-sonnet-4-5"] * (len(PROMPTS) // 3 + 1)
    records = [
        {"prompt": p} if m is None else {"prompt": p, "model": m}
        for p, m in zip(PROMPTS, models, strict=False)
    ]
    try:
        deadline = time.time() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("budgetrouter serve did not come up")
                time.sleep(1)
        body = json.dumps({"dataframe_records": records}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            raw = r.read().decode()
        assert "NaN" not in raw  # strict JSON: an empty field is null
        served = json.loads(raw)["predictions"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert "extra inputs" not in stderr.lower()  # MLflow's warning when it drops a column
    sent_models = [r.get("model") for r in records]
    local = model.predict(pd.DataFrame(records)).to_dict("records")
    # the champion is one of the two bundles written by the retrain tests, or the current one
    by_version = {Router.load(p).version: p for p in (registry[2], root / "cand1", root / "cand2")}
    router = Router.load(by_version[served[0]["bundle_version"]])
    expected = router.route_batch(PROMPTS, model=sent_models)
    # each row routed for its own model (MLflow sends an empty one back as NaN)
    assert [g["model"] if isinstance(g["model"], str) else None for g in served] == sent_models
    assert [d.tier for d in expected] == [g["tier"] for g in served]
    assert [d.budget_tokens for d in expected] == [g["budget_tokens"] for g in served]
    assert [d.model_aware for d in expected] == [g["model_aware"] for g in served]
    for got, want in zip(served, local, strict=True):
        assert got["tier"] == want["tier"] and str(got["model"]) == str(want["model"])
        assert got["predicted_tokens"] == want["predicted_tokens"]
        assert got["bundle_version"] == want["bundle_version"]

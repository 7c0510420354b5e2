"""The whole path on real data: real MiniLM, a real MLflow store, the real CLI."""

import json
import logging

import numpy as np
import pytest

from budgetrouter import Router
from budgetrouter.cli import main

SMALL = {"n_estimators": 40, "min_child_samples": 20, "n_inner_folds": 2, "n_outer_folds": 3}


@pytest.fixture(scope="module")
def trained(real_subset_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
    config = root / "config.json"
    config.write_text(json.dumps(SMALL))
    args = [
        "train",
        "--data",
        str(real_subset_path),
        "--out",
        str(root / "bundle"),
        "--config",
        str(config),
        "--cache-dir",
        str(root / "cache"),
        "--run-name",
        "e2e",
    ]
    try:
        assert main(args) == 0
        yield root, args
    finally:
        mp.undo()


def test_training_run_is_tracked_in_mlflow(trained):
    import mlflow

    root, _ = trained
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("budgetrouter")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.info.run_name == "e2e"
    for key in (
        "heldout_tokens_saved",
        "heldout_accuracy_kept",
        "heldout_fixed_tokens_saved",
        "heldout_spearman",
        "heldout_ridge_spearman",
        "heldout_knn_mae_log1p",
    ):
        assert key in run.data.metrics
    assert run.data.params["n_estimators"] == "40"
    assert len(run.data.tags["data_digest"]) == 64
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "bundle")}
    assert "bundle/manifest.json" in artifacts and "bundle/success.txt" in artifacts
    assert "training_report.json" in {a.path for a in client.list_artifacts(run.info.run_id)}


def test_bundle_records_the_real_embedder(trained):
    root, _ = trained
    manifest = json.loads((root / "bundle" / "manifest.json").read_text())
    assert manifest["embedder"]["name"] == "minilm-static-64"  # the default, shipped in the package
    assert manifest["embedder"]["dim"] == 64
    assert manifest["policy"]["grid"][-1] is None  # the uncapped option
    assert set(manifest["files"]) == {
        "success.txt",
        "cost.txt",
        "median.txt",
        "upper.txt",
        "no_thinking.txt",
        "projection.npz",
    }


def test_reload_routes_the_same(trained):
    root, _ = trained
    router = Router.load(root / "bundle")
    prompts = [
        "What is 2 + 3?",
        "Solve this Sudoku:\n" + "_ 3 _ 5 _ 7 _ 9 _\n" * 9,
        "x" * 20000,
    ]  # longer than the embedder's 512 tokens: truncated for the embedding only
    first = router.route_batch(prompts)
    again = Router.load(root / "bundle").route_batch(prompts)
    assert first == again
    assert all(not d.fallback for d in first)
    emb = router.embedder.encode(prompts[:1])
    assert emb.shape == (1, 64)
    assert np.isclose(np.linalg.norm(emb), 1.0, atol=1e-4)


def test_second_training_reuses_the_embedding_cache(trained, caplog, tmp_path, monkeypatch):
    _, args = trained
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO)
    args = [
        *args[: args.index("--out") + 1],
        str(tmp_path / "b2"),
        *args[args.index("--out") + 2 :],
        "--no-track",
    ]
    assert main(args) == 0
    assert "found in the embedding cache" in caplog.text
    assert "new prompts" not in caplog.text


def test_cli_batch_routing_with_the_real_model(trained, tmp_path):
    root, _ = trained
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(json.dumps({"id": i, "prompt": f"What is {i} + {i}?"}) for i in range(5)) + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert (
        main(["route", "--input", str(src), "--output", str(out), "--bundle", str(root / "bundle")])
        == 0
    )
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == list(range(5))


def test_evaluate_report_is_logged_to_mlflow(trained, real_subset_path, tmp_path, monkeypatch):
    import mlflow

    root, _ = trained
    uri = f"sqlite:///{tmp_path / 'eval.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    report = tmp_path / "report"
    assert (
        main(
            [
                "evaluate",
                "--bundle",
                str(root / "bundle"),
                "--data",
                str(real_subset_path),
                "--include-training-families",
                "--report",
                str(report),
                "--track",
            ]
        )
        == 0
    )
    assert (report / "tradeoff.png").stat().st_size > 10_000
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.search_runs([client.get_experiment_by_name("budgetrouter").experiment_id])[0]
    assert "router_tokens_saved" in run.data.metrics
    logged = {a.path for a in client.list_artifacts(run.info.run_id, "report")}
    assert {"report/report.md", "report/tradeoff.png"} <= logged

"""Training on Dask: a real LocalCluster with two worker processes, small real data."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from budgetrouter import Router, TrainConfig
from budgetrouter.cli import main
from budgetrouter.errors import ConfigError, DataError
from budgetrouter.projection import Projection
from budgetrouter.train import read_observations
from budgetrouter.train.calibration import budget_grid

pytest.importorskip("distributed")

SMALL = {"n_estimators": 40, "min_child_samples": 20, "n_inner_folds": 3, "n_outer_folds": 3}


@pytest.fixture(scope="module")
def client():
    from budgetrouter.train.dask_cluster import dask_client

    with dask_client("local", n_workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """12 real families x 40 prompts, split by family into Parquet and JSONL files, as logs
    would arrive."""
    from budgetrouter.train.sources import read_reasoning_gym
    from tests.conftest import DATA, REAL_FAMILIES

    table = read_reasoning_gym(DATA)
    table = table[table["group"].isin(REAL_FAMILIES)]
    keep = table.drop_duplicates("prompt_id").groupby("group", observed=True).head(40)
    table = table[table["prompt_id"].isin(set(keep["prompt_id"]))]
    folder = tmp_path_factory.mktemp("shards")
    for i, (_, part) in enumerate(table.groupby("group", observed=True)):
        if i % 2:
            part.to_parquet(folder / f"part-{i:02d}.parquet")
        else:
            part.to_json(folder / f"part-{i:02d}.jsonl", orient="records", lines=True)
    return folder


def test_dask_reader_matches_the_in_memory_reader(client, shards):
    from budgetrouter.train.dask_cluster import read_observations_dask

    ddf = read_observations_dask(shards)
    assert ddf.npartitions == len(list(shards.iterdir()))
    got = ddf.compute().sort_values(["prompt", "reasoning_tokens", "model"]).reset_index(drop=True)
    want = read_observations(shards)
    want = want.sort_values(["prompt", "reasoning_tokens", "model"]).reset_index(drop=True)
    assert len(got) == len(want)
    for column in ("prompt", "reasoning_tokens", "correct", "group"):
        assert got[column].tolist() == want[column].tolist()


def test_per_prompt_targets_on_the_cluster_equal_the_single_machine_ones(client, shards):
    from budgetrouter.train import build_targets
    from budgetrouter.train.dask_cluster import read_observations_dask
    from budgetrouter.train.dask_targets import prompt_targets_dask

    grid = budget_grid(TrainConfig())
    got = prompt_targets_dask(read_observations_dask(shards), grid).compute()
    got = got.set_index("prompt").sort_index()
    targets = build_targets(read_observations(shards))
    success, cost = targets.curves(grid)
    shares, _, solvers = targets.model_curves(grid)
    want = targets.prompts.assign(
        **{f"s{j}": success[:, j] for j in range(len(grid))},
        **{f"c{j}": cost[:, j] for j in range(len(grid))},
        **{f"share{j}": shares[:, j] for j in range(len(grid))},
        solvers=solvers,
    )
    want = want.set_index(want["prompt"].astype(str)).sort_index()
    assert got.index.astype(str).tolist() == want.index.tolist()
    np.testing.assert_array_equal(got["n_runs"], want["n_runs"])
    np.testing.assert_array_equal(got["max_tokens"], want["max_tokens"])
    np.testing.assert_array_equal(got["needed_tokens"].isna(), want["censored"])
    solved = ~want["censored"].to_numpy()
    np.testing.assert_allclose(got["needed_tokens"][solved], want["needed_tokens"][solved])
    np.testing.assert_array_equal(got["no_thinking"] > 0, want["no_thinking"])
    np.testing.assert_allclose(got["solvers"], want["solvers"])
    for j in range(len(grid)):
        np.testing.assert_allclose(got[f"s{j}"], want[f"s{j}"])
        np.testing.assert_allclose(got[f"c{j}"], want[f"c{j}"])
        np.testing.assert_allclose(got[f"share{j}"], want[f"share{j}"])


def test_runs_with_no_model_are_solvers_of_their_own_across_files(client, tmp_path):
    import pandas as pd

    from budgetrouter.train import build_targets
    from budgetrouter.train.dask_cluster import read_observations_dask
    from budgetrouter.train.dask_targets import prompt_targets_dask

    rows = [(400, True), (100, False)], [(50, True), (800, True)]
    files = []
    for i, runs in enumerate(rows):
        path = tmp_path / f"part-{i}.jsonl"
        frame = pd.DataFrame(runs, columns=["reasoning_tokens", "correct"])
        frame.assign(prompt="p", group="g").to_json(path, orient="records", lines=True)
        files.append(path)
    grid = budget_grid(TrainConfig())
    got = prompt_targets_dask(read_observations_dask(files), grid).compute()
    want = build_targets(read_observations(files))
    assert got["solvers"].tolist() == [3.0]
    assert got["needed_tokens"].tolist() == want.prompts["needed_tokens"].tolist() == [400.0]


def test_projection_from_the_distributed_covariance_matches_the_svd():
    import dask.array as da

    from budgetrouter.train.dask_fit import projection_from_embeddings

    rng = np.random.default_rng(0)
    emb = rng.normal(size=(300, 40)) @ rng.normal(size=(40, 40))
    got = projection_from_embeddings(da.from_array(emb, chunks=(70, 40)))
    want = Projection.fit(emb)
    np.testing.assert_allclose(got.mean, want.mean, atol=1e-10)
    # One sign rule: the same components, not only up to sign.
    np.testing.assert_allclose(got.components, want.components, atol=1e-6)


def test_cli_trains_on_a_local_cluster_and_routes_like_a_single_machine_bundle(
    shards, tmp_path, capfd
):
    config = tmp_path / "small.json"
    config.write_text(json.dumps(SMALL))
    out = {}
    for name, extra in (("dask", ["--dask", "local", "--dask-workers", "2"]), ("single", [])):
        out[name] = tmp_path / name
        status = main(
            [
                "-q",
                "train",
                "--data",
                str(shards),
                "--out",
                str(out[name]),
                "--embedder",
                "hashing",
                "--config",
                str(config),
                "--no-track",
                *extra,
            ]
        )
        assert status == 0
        # Read at the file-descriptor level: what workers print must stay off it.
        summary = json.loads(capfd.readouterr().out)
        assert summary["families"] == 12
    assert "dask" in summary["evaluated_on"] or "nested" in summary["evaluated_on"]

    dask_router, single_router = Router.load(out["dask"]), Router.load(out["single"])
    manifest = dask_router.manifest
    assert manifest["data_digest"].startswith("dask:")
    assert manifest["trained_on"]["dask_workers"] == 2
    assert manifest["text_feature_names"] == single_router.manifest["text_feature_names"]
    assert manifest["projection_dim"] == single_router.manifest["projection_dim"]
    assert manifest["counts"]["runs"] == single_router.manifest["counts"]["runs"]
    assert manifest["counts"]["prompts"] == single_router.manifest["counts"]["prompts"]

    grid = np.asarray(single_router.policy.grid)
    prompts = read_observations(shards)["prompt"].astype(str).unique().tolist()
    a, b = dask_router.route_batch(prompts), single_router.route_batch(prompts)
    assert len(a) == len(b) == len(prompts)
    # The models agree: success curves and needed-token rankings.
    pa, pb = dask_router.predict(prompts), single_router.predict(prompts)
    assert np.corrcoef(pa.success.ravel(), pb.success.ravel())[0, 1] > 0.98
    rho = spearmanr([d.predicted_tokens for d in a], [d.predicted_tokens for d in b]).statistic
    assert rho > 0.8
    # Price and margin are calibrated on different out-of-family samples (nested folds
    # here, one level of family folds on Dask): under one price and margin they route alike.
    policy = dataclasses.replace(single_router.policy, price=1e-3, margin_steps=0)
    mine = policy.budgets(pa.success, pa.cost)
    theirs = policy.budgets(pb.success, pb.cost)
    assert len(np.unique(theirs)) >= 4  # a price at which budgets really differ
    steps = np.abs(np.searchsorted(grid, mine) - np.searchsorted(grid, theirs))
    # Which rows each worker holds changes LightGBM's bagging from run to run, and the
    # success-share curves put many prompts near the plateau where a small change moves the
    # choice a step: over five runs, 0.78-0.95 within one grid step and 0.82-0.91 the same tier.
    assert np.mean(steps <= 1) > 0.7  # within one grid step
    same = [policy.tier(u).name == policy.tier(v).name for u, v in zip(mine, theirs, strict=True)]
    assert np.mean(same) > 0.7


def test_a_bad_row_on_a_worker_names_the_file_row_and_field(client, shards, tmp_path):
    from budgetrouter.train.dask_trainer import train_router_dask

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"prompt": "ok", "reasoning_tokens": 3, "correct": true, "group": "g"}\n'
        '{"prompt": "ok", "reasoning_tokens": -3, "correct": true, "group": "g"}\n'
    )
    with pytest.raises(DataError, match=r"bad.jsonl, row 2, field 'reasoning_tokens'"):
        train_router_dask([shards, bad], client, TrainConfig(**SMALL))


def test_too_few_families_and_bad_addresses_are_refused(client, shards):
    from budgetrouter.train.dask_cluster import dask_client
    from budgetrouter.train.dask_trainer import train_router_dask

    one_family = sorted(p for p in shards.iterdir())[:2]
    with pytest.raises(ConfigError, match="distinct 'group' values"):
        train_router_dask(one_family, client, TrainConfig(**SMALL))
    with (
        pytest.raises(ConfigError, match="Unknown Dask address 'cluster-1'"),
        dask_client("cluster-1"),
    ):
        pass


def test_retrain_on_a_local_cluster_compares_on_the_same_held_out_families(
    tiny_bundle, tmp_path, monkeypatch, capsys
):
    from tests.conftest import make_observations

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.chdir(tmp_path)
    base, logs = tmp_path / "base.parquet", tmp_path / "logs.jsonl"
    make_observations(seed=0).to_parquet(base)
    make_observations(seed=1).to_json(logs, orient="records", lines=True)
    (tmp_path / "cfg.json").write_text(
        json.dumps({"n_estimators": 10, "min_child_samples": 3, "n_inner_folds": 2})
    )
    summaries = {}
    for name, extra in (("dask", ["--dask", "local", "--dask-workers", "2"]), ("single", [])):
        args = ["-q", "retrain", "--logs", str(logs), "--base-data", str(base)]
        args += ["--bundle", str(tiny_bundle), "--out", str(tmp_path / name)]
        args += ["--config", "cfg.json", "--cache-dir", "", "--target-accuracy", "0.95"]
        assert main([*args, *extra]) == 0
        summaries[name] = json.loads(capsys.readouterr().out)
    dask, single = summaries["dask"], summaries["single"]
    assert dask["heldout_families"] == single["heldout_families"] >= 1
    assert dask["heldout_runs"] == single["heldout_runs"]
    assert dask["current"] == single["current"]  # the same slice, replayed alike
    trained = Router.load(tmp_path / "dask").manifest["training_groups"]
    assert len(trained) == 10 - dask["heldout_families"]  # held-out families left out
    assert dask["registered_version"] != single["registered_version"]


def test_each_worker_loads_the_embedder_once_and_the_bundle_is_ordinary(client, shards, tmp_path):
    from budgetrouter.embedders import HashingEmbedder
    from budgetrouter.train.dask_trainer import train_router_dask

    def loaded(clear: bool = False) -> int:
        from budgetrouter.train import dask_cluster

        if clear:
            dask_cluster._WORKER_EMBEDDERS.clear()
        return len(dask_cluster._WORKER_EMBEDDERS)

    client.run(loaded, True)
    result = train_router_dask(shards, client, TrainConfig(**SMALL), HashingEmbedder(dim=16))
    counts = client.run(loaded)
    assert list(counts.values()) == [1, 1]  # both workers embedded, each loaded it once
    result.router.save(tmp_path / "bundle")
    router = Router.load(tmp_path / "bundle")
    assert sorted(p.name for p in (tmp_path / "bundle").iterdir()) == [
        "cost.txt", "manifest.json", "median.txt", "no_thinking.txt", "projection.npz",
        "success.txt", "upper.txt",
    ]  # fmt: skip
    decision = router.route("Sort these numbers: 5, 1, 4")
    assert decision.tier in ("none", "short", "long") and not decision.fallback

"""Training throughput on Dask against a single process, and how it grows with the logs.

Usage: python benchmarks/bench_dask.py [--sizes 10000 100000 1000000] [--workers 2]

The scaling rows are synthetic: runs drawn with replacement from the real runs of
data/reasoning-gym (seed 0), so every row is a real (prompt, reasoning tokens, correct) triple
but the number of distinct prompts stays at most 8,589 while the rows grow. Each size is written
as 8 Parquet files. Printed, measured in one run:

1. embedding: MiniLM prompts/s in this process against the local cluster (each worker loads
   the model once, before timing);
2. the reduction of runs to per-prompt targets: rows/s of the in-memory code against the
   cluster, at each size;
3. model fitting on the full per-prompt table: the success-curve model with LightGBM in this
   process against lightgbm.dask on the cluster (same data, same settings);
4. ``train_router_dask`` end to end (static MiniLM embedder, default settings) at each size.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def write_shards(runs: pd.DataFrame, n_rows: int, folder: Path, n_files: int = 8) -> list[Path]:
    rng = np.random.default_rng(0)
    sample = runs.iloc[rng.integers(0, len(runs), n_rows)].reset_index(drop=True)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, part in enumerate(np.array_split(np.arange(n_rows), n_files)):
        path = folder / f"part-{i}.parquet"
        sample.iloc[part].to_parquet(path, index=False)
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--embed-prompts", type=int, default=256)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import distributed  # noqa: F401  (sets its own log levels when imported)

    for name in ("distributed", "lightgbm"):  # lightgbm.dask warns that n_jobs is ignored
        logging.getLogger(name).setLevel(logging.ERROR)

    import dask.array as da
    import dask.dataframe as dd

    from budgetrouter.config import TrainConfig
    from budgetrouter.curves import BudgetCurveModel
    from budgetrouter.embedders import get_embedder
    from budgetrouter.features import prompt_features
    from budgetrouter.projection import Projection
    from budgetrouter.train import build_targets, read_observations
    from budgetrouter.train.calibration import budget_grid
    from budgetrouter.train.dask_cluster import (
        dask_client,
        embed_partition,
        read_observations_dask,
    )
    from budgetrouter.train.dask_fit import Design, fit_curves
    from budgetrouter.train.dask_targets import prompt_targets_dask
    from budgetrouter.train.dask_trainer import train_router_dask
    from budgetrouter.train.sources import read_reasoning_gym

    runs = read_reasoning_gym(ROOT / "data" / "reasoning-gym")[
        ["prompt", "reasoning_tokens", "correct", "model", "group"]
    ]
    cfg = TrainConfig()
    grid = budget_grid(cfg)
    print(f"machine: {os.cpu_count()} cores; local cluster: {args.workers} single-threaded workers")
    print(f"source: {len(runs)} real runs of {runs['prompt'].nunique()} prompts")

    with tempfile.TemporaryDirectory() as tmp, dask_client("local", args.workers) as client:
        # 1. Embedding.
        prompts = runs["prompt"].drop_duplicates().sample(args.embed_prompts, random_state=0)
        minilm = get_embedder("minilm")
        minilm.encode(prompts.head(8).tolist())
        start = time.perf_counter()
        minilm.encode(prompts.tolist())
        single_s = time.perf_counter() - start
        spec = minilm.spec()
        table = dd.from_pandas(prompts.to_frame(), npartitions=4 * args.workers)
        meta = embed_partition(table._meta, spec)
        warm = dd.from_pandas(prompts.head(4 * args.workers).to_frame(), npartitions=args.workers)
        warm.map_partitions(embed_partition, spec, meta=meta).compute()  # load on each worker
        start = time.perf_counter()
        table.map_partitions(embed_partition, spec, meta=meta).compute()
        cluster_s = time.perf_counter() - start
        print(
            f"\nembedding {len(prompts)} prompts with MiniLM: this process "
            f"{len(prompts) / single_s:.1f} prompts/s, local cluster "
            f"{len(prompts) / cluster_s:.1f} prompts/s ({single_s / cluster_s:.2f}x)"
        )

        # 2. Runs -> per-prompt targets, and 4. end to end, at each size.
        static = get_embedder("minilm-static")
        print(
            "\nrows       reduce: in memory   on the cluster    train_router_dask (static MiniLM)"
        )
        files = {}
        for n in args.sizes:
            files[n] = write_shards(runs, n, Path(tmp) / f"rows-{n}")
            start = time.perf_counter()
            build_targets(read_observations(files[n])).curves(grid)
            mem_s = time.perf_counter() - start
            start = time.perf_counter()
            prompt_targets_dask(read_observations_dask(files[n]), grid).compute()
            dask_s = time.perf_counter() - start
            start = time.perf_counter()
            result = train_router_dask(files[n], client, cfg, static)
            train_s = time.perf_counter() - start
            prompts_n = result.report["counts"]["prompts"]
            print(
                f"{n:>9,}  {n / mem_s:>12,.0f} rows/s {n / dask_s:>12,.0f} rows/s"
                f"    {train_s:6.1f} s ({n / train_s:,.0f} rows/s, {prompts_n:,} prompts)"
            )

        # 3. Model fitting on the same per-prompt table.
        targets = build_targets(read_observations(files[max(args.sizes)]))
        texts = targets.prompts["prompt"].astype(str).tolist()
        emb = static.encode(texts)
        X = prompt_features(texts, emb, Projection.fit(emb))
        success, cost = targets.mean_curves(grid)
        weight = targets.prompts["n_runs"].to_numpy(dtype="float64")
        start = time.perf_counter()
        BudgetCurveModel(grid, **cfg.lgbm_settings()).fit(X, success, cost, weight)
        fit_single = time.perf_counter() - start
        rows = max(1, len(X) // (4 * args.workers))
        design = Design(
            da.from_array(X, chunks=(rows, X.shape[1])),
            da.from_array(success, chunks=(rows, success.shape[1])),
            da.from_array(cost, chunks=(rows, cost.shape[1])),
            da.from_array(weight, chunks=(rows,)),
        )
        start = time.perf_counter()
        fit_curves(client, design, grid, cfg)
        fit_dask = time.perf_counter() - start
        print(
            f"\nfitting the curve models on {len(X):,} prompts x {len(grid)} budgets: this "
            f"process {fit_single:.1f} s, lightgbm.dask on the cluster {fit_dask:.1f} s "
            f"({fit_single / fit_dask:.2f}x)"
        )


if __name__ == "__main__":
    main()

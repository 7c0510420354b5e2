"""``budgetrouter train``: train a router on observations and save its bundle."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from budgetrouter.cli.common import DEFAULT_BUNDLE, DEFAULT_CACHE, add_dask, cluster, train_options

HELP = "train a router and save its bundle"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``train``."""
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="PATH",
        help="observation files (.jsonl/.csv/.parquet), folders of them, or dataset folders",
    )
    p.add_argument("--out", default=DEFAULT_BUNDLE, metavar="DIR", help="bundle folder to write")
    add_dask(p)
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        metavar="SHARE",
        help="keep this share of always-long accuracy (default 0.98)",
    )
    target.add_argument(
        "--max-mean-tokens",
        type=float,
        default=None,
        metavar="N",
        help="instead: most reasoning tokens per run on average",
    )
    p.add_argument("--config", metavar="JSON", help="TrainConfig options as a JSON file")
    p.add_argument(
        "--correct-source",
        nargs="+",
        metavar="SOURCE",
        help="train only on rows whose correct_source is one of these (e.g. agreement: the "
        "shadow-labelled rows of an outcome log; caller: graded rows)",
    )
    p.add_argument(
        "--embedder",
        default="minilm-static-64",
        help="embedder name (default minilm-static-64, the packaged default router's)",
    )
    p.add_argument(
        "--cache-dir",
        default=DEFAULT_CACHE,
        metavar="DIR",
        help=f"embedding cache (default {DEFAULT_CACHE}); '' disables it",
    )
    p.add_argument("--no-track", action="store_true", help="do not log the run to MLflow")
    p.add_argument("--run-name", default=None, help="MLflow run name")
    p.add_argument(
        "--report",
        metavar="DIR",
        help="write the held-out evaluation (report.json, report.md, PNG plots) here",
    )


def run(args: argparse.Namespace) -> int:
    """Train, save, write the report, log to MLflow, print a JSON summary."""
    from budgetrouter.bundle import check_writable
    from budgetrouter.config import TrainConfig
    from budgetrouter.embedders import get_embedder
    from budgetrouter.train import read_observations, train_router, write_report

    options = train_options(args.config)
    if args.target_accuracy is not None:
        options["target_accuracy"] = args.target_accuracy
    if args.max_mean_tokens is not None:
        options["max_mean_tokens"] = args.max_mean_tokens
    config = TrainConfig.from_dict(options)
    check_writable(args.out)  # before hours of training, not after
    kwargs = {"show_progress_bar": True} if args.embedder == "minilm" and not args.dask else {}
    embedder = get_embedder(args.embedder, **kwargs)
    with cluster(args) as client:
        if client is not None:
            from budgetrouter.train.dask_trainer import train_router_dask

            result = train_router_dask(list(args.data), client, config, embedder)
        else:
            observations = read_observations(list(args.data))
            if args.correct_source:
                observations = _with_sources(observations, args.correct_source)
            result = train_router(observations, config, embedder, args.cache_dir or None)
    version = result.router.save(args.out)
    if args.report:
        write_report(result.report["evaluation"], args.report)
    if not args.no_track:
        from budgetrouter.tracking import log_training_run

        log_training_run(
            result,
            config,
            args.out,
            params={
                "data": ",".join(args.data),
                "embedder": embedder.name,
                "dask": args.dask or "",
            },
            report_dir=args.report,
            run_name=args.run_name,
        )
    op = result.report["evaluation"]["operating_point"]
    summary = {
        "bundle": str(args.out),
        "bundle_version": version,
        "families": result.report["counts"]["groups"],
        "evaluated_on": (
            "dask calibration sample (out-of-family models)"
            if args.dask
            else f"nested cross-validation, {len(result.report['per_fold'])} outer folds"
        ),
        "accuracy_kept": round(op["router"]["accuracy_kept"], 4),
        "tokens_saved": round(op["router"]["tokens_saved"], 4),
        "fixed_budget_tokens_saved": round(op["fixed_at_router_accuracy"]["tokens_saved"], 4),
        "oracle_tokens_saved": round(op["oracle_at_router_accuracy"]["tokens_saved"], 4),
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0


def _with_sources(table: Any, sources: list[str]) -> Any:
    """The rows whose ``correct_source`` is one of ``sources``; a clear error when none is."""
    if "correct_source" not in table:
        raise ValueError("--correct-source: the data has no correct_source column")
    kept = table.loc[table["correct_source"].isin(sources)].reset_index(drop=True)
    if kept.empty:
        found = sorted(map(str, table["correct_source"].dropna().unique()))
        raise ValueError(f"--correct-source {sources}: no such row (the data has {found})")
    return kept

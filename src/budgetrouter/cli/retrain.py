"""``budgetrouter retrain``: a candidate from outcome logs, compared and registered."""

from __future__ import annotations

import argparse
import json
import sys

from budgetrouter.cli.common import DEFAULT_BUNDLE, DEFAULT_CACHE, add_dask, cluster

HELP = "train a candidate on outcome logs, compare it with the current bundle, register it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``retrain``."""
    p.add_argument(
        "--logs",
        nargs="+",
        required=True,
        metavar="PATH",
        help="outcome logs (OutcomeLog JSONL) or other observation files",
    )
    p.add_argument(
        "--base-data",
        nargs="*",
        default=[],
        metavar="PATH",
        help="data to train on beside the logs (e.g. data/reasoning-gym)",
    )
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR", help="the current bundle")
    p.add_argument(
        "--out",
        default="models/candidate",
        metavar="DIR",
        help="where to write the candidate bundle",
    )
    p.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        metavar="SHARE",
        help="the operator's target (default: --config's, else the current bundle's)",
    )
    p.add_argument(
        "--holdout-fraction",
        type=float,
        default=0.25,
        metavar="SHARE",
        help="share of task families held out to compare the two bundles",
    )
    p.add_argument("--config", metavar="JSON", help="TrainConfig options as a JSON file")
    p.add_argument("--cache-dir", default=DEFAULT_CACHE, metavar="DIR")
    p.add_argument("--run-name", default=None, help="MLflow run name")
    add_dask(p)


def run(args: argparse.Namespace) -> int:
    """Retrain, compare, register in MLflow, print a JSON summary."""
    from budgetrouter import Router
    from budgetrouter.tracking import record_retrain
    from budgetrouter.train import retrain
    from budgetrouter.train.retrain import retrain_config

    current = Router.load(args.bundle)
    config = retrain_config(current, args.config, args.target_accuracy)
    with cluster(args) as client:
        result = retrain(
            current,
            args.logs,
            args.out,
            base_data=args.base_data,
            config=config,
            holdout_fraction=args.holdout_fraction,
            cache_dir=args.cache_dir or None,
            client=client,
        )
    registry = record_retrain(
        result,
        args.bundle,
        params={
            "logs": ",".join(args.logs),
            "base_data": ",".join(args.base_data),
            "current": args.bundle,
        },
        run_name=args.run_name,
    )
    sys.stdout.write(json.dumps({**result.summary(), **registry}, indent=2) + "\n")
    if result.why_not:
        sys.stderr.write(
            "candidate not promoted: " + "; ".join(result.why_not) + "\n"
        )  # fmt: skip
    return 0

"""``budgetrouter evaluate``: replay a bundle and every baseline on observations."""

from __future__ import annotations

import argparse
import json
import sys

from budgetrouter.cli.common import DEFAULT_BUNDLE

HELP = "replay a bundle and the baselines on observations"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``evaluate``."""
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--data", nargs="+", metavar="PATH", help="observations to replay")
    what.add_argument(
        "--off-policy",
        nargs="+",
        metavar="LOG",
        help="outcome logs written with exploration on: estimate the bundle's accuracy kept and "
        "spend on their traffic (IPS and doubly robust, with intervals)",
    )
    p.add_argument(
        "--report", metavar="DIR", help="write report.json, report.md and PNG plots here"
    )
    p.add_argument(
        "--include-training-families",
        action="store_true",
        help="also replay prompts of families the bundle was trained on (overstates the router)",
    )
    p.add_argument("--track", action="store_true", help="log the evaluation as an MLflow run")


def run(args: argparse.Namespace) -> int:
    """Evaluate, write the report, optionally log it, print a JSON summary."""
    from budgetrouter import Router
    from budgetrouter.train import evaluate_bundle, read_observations, write_report

    router = Router.load(args.bundle)
    if args.off_policy:
        from budgetrouter.train.offpolicy import estimate_offpolicy

        estimate = estimate_offpolicy(router, read_observations(args.off_policy))
        out = {"bundle_version": router.version, **estimate.to_dict()}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    report = evaluate_bundle(
        router,
        read_observations(args.data),
        include_training_families=args.include_training_families,
        source=", ".join(map(str, args.data)),
    )
    if args.report:
        write_report(report, args.report)
    if args.track:
        from budgetrouter.tracking import log_evaluation_run

        params = {
            "bundle": args.bundle,
            "data": ",".join(map(str, args.data)),
            "include_training_families": args.include_training_families,
        }
        log_evaluation_run(report, params, args.report)
    summary = {k: v for k, v in report.items() if k not in ("curves", "predicted_vs_needed")}
    summary["curves"] = {name: c["summary"] for name, c in report["curves"].items()}
    sys.stdout.write(json.dumps(summary, indent=2, default=float) + "\n")
    return 0

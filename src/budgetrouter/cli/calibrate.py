"""``budgetrouter calibrate``: re-choose a bundle's price and margin on your observations."""

from __future__ import annotations

import argparse
import json
import sys

from budgetrouter.cli.common import DEFAULT_BUNDLE

HELP = "re-choose a bundle's price and margin on your own observations"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``calibrate``."""
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR")
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="PATH",
        help="your own observations (runs of the model you route for)",
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--target-accuracy",
        type=float,
        metavar="SHARE",
        help="keep this share of always-long accuracy at the fewest tokens",
    )
    target.add_argument(
        "--max-mean-tokens",
        type=float,
        metavar="N",
        help="most reasoning tokens per run on average, at the best accuracy",
    )
    p.add_argument("--out", metavar="DIR", help="new bundle folder (default: replace --bundle)")
    p.add_argument(
        "--include-training-families",
        action="store_true",
        help="also calibrate on families the bundle was trained on",
    )


def run(args: argparse.Namespace) -> int:
    """Recalibrate, save the new bundle, print what it expects."""
    from budgetrouter import Router
    from budgetrouter.bundle import check_writable
    from budgetrouter.train import read_observations, recalibrate

    router = Router.load(args.bundle)
    check_writable(args.out or args.bundle)
    previous = router.version
    result = recalibrate(
        router,
        read_observations(args.data),
        target_accuracy=args.target_accuracy,
        max_mean_tokens=args.max_mean_tokens,
        include_training_families=args.include_training_families,
        source=", ".join(map(str, args.data)),
    )
    out = args.out or args.bundle
    version = router.save(out)
    summary = {
        "bundle": out,
        "bundle_version": version,
        "calibrated_from": previous,
        "price": result.policy.price,
        "margin_steps": result.policy.margin_steps,
        "prompts": result.prompts,
        "expected": result.expected,
        "best_fixed_budget_at_that_accuracy": {"budget": result.fixed_budget, **result.fixed},
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0

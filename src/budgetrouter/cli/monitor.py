"""``budgetrouter monitor``: what routing is doing, from outcome logs."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "summarise outcome logs: calls and tokens per level, agreement, cut-offs, prompt drift"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``monitor``."""
    p.add_argument("--logs", nargs="+", required=True, metavar="LOG", help="outcome logs")
    p.add_argument("--bundle", metavar="DIR", help="the routing bundle (for the drift check)")
    p.add_argument(
        "--reference",
        nargs="+",
        metavar="PATH",
        help="the bundle's training data (observation files or data folders): prompt drift",
    )
    p.add_argument("--out", metavar="DIR", help="write monitor.json, monitor.md, monitor.png")


def run(args: argparse.Namespace) -> int:
    """Build the report, write it, print its JSON."""
    from budgetrouter.train import read_observations
    from budgetrouter.train.monitor import monitor, write_monitor

    router = None
    reference = None
    if args.reference:
        if not args.bundle:
            raise ValueError("--reference needs --bundle (its features measure the drift)")
        from budgetrouter import Router

        router = Router.load(args.bundle)
        table = read_observations(args.reference)
        reference = table["prompt"].drop_duplicates().astype(str).tolist()
    report = monitor(read_observations(args.logs), router, reference)
    if args.out:
        for path in write_monitor(report, args.out):
            sys.stderr.write(f"wrote {path}\n")
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 0

"""Scheduled retraining: a candidate from the outcome logs, compared, registered, promoted.

Usage (from cron, a systemd timer, or an orchestrator's shell step):

    python training/retrain_job.py --logs logs/ --bundle models/default \
        [--base-data data/reasoning-gym] [--promote]

1. ``budgetrouter.train.retrain``: hold out a share of the task families, train a candidate on
   the rest of the logs and base data, replay candidate and current bundle on the held-out
   slice;
2. ``budgetrouter.tracking.record_retrain``: log the comparison to MLflow, register the
   candidate, move the ``champion`` alias to it only when it is better;
3. with ``--promote``, a better candidate also replaces the served bundle folder (written to a
   temporary folder and renamed into place, so routers never see half a bundle).

Prints one JSON summary. Exit status 0 whether or not the candidate won, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime, timezone

from budgetrouter import Router
from budgetrouter.errors import BudgetRouterError
from budgetrouter.tracking import record_retrain
from budgetrouter.train import retrain
from budgetrouter.train.retrain import retrain_config


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", nargs="+", required=True, help="outcome logs (files or folders)")
    ap.add_argument("--bundle", default="models/default", help="the served bundle")
    ap.add_argument("--base-data", nargs="*", default=[], help="data trained on beside the logs")
    ap.add_argument("--out", help="candidate folder (default models/candidate-<UTC time>)")
    ap.add_argument(
        "--config", help="TrainConfig options as a JSON file (target: its, else the bundle's)"
    )
    ap.add_argument("--cache-dir", default=".cache/budgetrouter", help="embedding cache")
    ap.add_argument("--promote", action="store_true", help="replace --bundle when better")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or f"models/candidate-{stamp}"
    try:
        current = Router.load(args.bundle)
        result = retrain(
            current,
            args.logs,
            out,
            base_data=args.base_data,
            config=retrain_config(current, args.config),
            cache_dir=args.cache_dir or None,
        )
        summary = {
            **result.summary(),
            **record_retrain(result, args.bundle, run_name=f"job {stamp}"),
        }
        summary["promoted"] = bool(args.promote and result.candidate_is_better)
        if summary["promoted"]:
            summary["bundle_version"] = result.candidate.save(args.bundle)
    except (BudgetRouterError, ValueError, OSError) as exc:
        print(f"retrain job: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

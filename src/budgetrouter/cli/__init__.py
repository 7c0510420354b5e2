"""Command line: ``budgetrouter train | route | evaluate | calibrate | retrain | serve | monitor``.

Each command is a module of this package with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``: it parses, calls the library, prints. Adding a command is one module
and one line of :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from types import ModuleType

from budgetrouter._version import __version__
from budgetrouter.cli import calibrate, evaluate, monitor, retrain, route, serve, train
from budgetrouter.errors import BudgetRouterError

COMMANDS: dict[str, ModuleType] = {
    "train": train,
    "route": route,
    "evaluate": evaluate,
    "calibrate": calibrate,
    "retrain": retrain,
    "serve": serve,
    "monitor": monitor,
}


def build_parser() -> argparse.ArgumentParser:
    """The ``budgetrouter`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="budgetrouter",
        description="Route prompts to a thinking tier from the reasoning tokens they need; "
        "train, evaluate, recalibrate, retrain, serve and monitor routers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.HELP, description=command.HELP)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else (logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    if args.verbose == 0:
        for noisy in ("mlflow", "alembic", "sentence_transformers", "httpx", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # transformers reads these when first imported: no per-load weight report or bar.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        return int(args.run(args))
    except (BudgetRouterError, ValueError, OSError, ImportError) as exc:
        sys.stderr.write(f"budgetrouter {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""What the command modules share: defaults, argument groups, the Dask client, safe output."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from budgetrouter.errors import BudgetRouterError

DEFAULT_BUNDLE = "models/default"
DEFAULT_CACHE = ".cache/budgetrouter"


class UsageError(BudgetRouterError):
    """A command-line argument is wrong."""


def train_options(path: str | None) -> dict[str, Any]:
    """TrainConfig options of ``--config FILE.json`` (checked), ``{}`` without one."""
    from budgetrouter.config import TrainConfig

    return TrainConfig.from_file(path).to_dict() if path else {}


def add_dask(p: argparse.ArgumentParser) -> None:
    """``--dask ADDRESS`` and ``--dask-workers N``."""
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="train on a Dask cluster: 'local' (one worker per core on this machine) or a "
        "scheduler address such as tcp://HOST:8786",
    )
    p.add_argument(
        "--dask-workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of a --dask local cluster (default: one per core)",
    )


@contextlib.contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client of ``--dask`` for the duration of a command, or ``None``."""
    if not args.dask:
        yield None
        return
    if args.dask_workers is not None and args.dask_workers < 1:
        raise UsageError(f"--dask-workers must be at least 1, got {args.dask_workers}")
    from budgetrouter.train.dask_cluster import dask_client, import_dask

    import_dask()
    if not args.verbose:
        import distributed  # noqa: F401  (it sets its own log levels when imported)

        logging.getLogger("distributed").setLevel(logging.WARNING)
        # lightgbm.dask warns on every fit that the sklearn wrapper's n_jobs is ignored.
        for name in ("distributed.shuffle", "lightgbm"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with dask_client(args.dask, args.dask_workers) as client:
        yield client


def write_output(path: str | None, emit: Callable[[TextIO], None], stdout: TextIO) -> None:
    """Write through ``emit`` to ``path`` whole or not at all (a renamed temporary file)."""
    if not path:
        emit(stdout)
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file path")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {path}: the folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            emit(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

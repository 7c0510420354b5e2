"""``budgetrouter serve``: serve a registered router over HTTP with ``mlflow models serve``.

MLflow starts its server (uvicorn) by name from ``PATH``; this command runs MLflow with this
interpreter's ``bin`` folder first on ``PATH`` and the tracking store ``budgetrouter`` writes to,
so it works from any shell without activating the virtual environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HELP = "serve a registered router (MLflow model URI) over HTTP: POST /invocations"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``serve``."""
    p.add_argument(
        "--model",
        default="models:/budgetrouter@champion",
        metavar="URI",
        help="MLflow model URI (default: the registry's champion, set by retrain)",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=5000, help="port (default: %(default)s)")
    p.add_argument("--workers", type=int, default=1, help="server processes (default: %(default)s)")


def serve_command(model: str, host: str, port: int, workers: int) -> list[str]:
    """The ``mlflow models serve`` command line, run by this interpreter."""
    return [
        sys.executable, "-m", "mlflow", "models", "serve", "--env-manager", "local",
        "-m", model, "-h", host, "-p", str(port), "-w", str(workers),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run ``mlflow models serve`` until it stops; its exit status."""
    import importlib.util

    from budgetrouter.tracking.runs import tracking_uri

    if importlib.util.find_spec("mlflow") is None:
        raise ImportError("budgetrouter serve needs mlflow: pip install 'budgetrouter[track]'")
    if not 0 < args.port < 65536 or args.workers < 1:
        raise ValueError(f"--port must be 1..65535 and --workers at least 1, got {args.port}, "
                         f"{args.workers}")  # fmt: skip
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MLFLOW_TRACKING_URI": tracking_uri(),
    }
    sys.stderr.write(f"serving {args.model} on http://{args.host}:{args.port}/invocations\n")
    return subprocess.call(serve_command(args.model, args.host, args.port, args.workers), env=env)

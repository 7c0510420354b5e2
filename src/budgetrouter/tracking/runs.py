"""MLflow runs of training, evaluation and retraining (mlflow is imported on first use).

The tracking store is ``MLFLOW_TRACKING_URI`` when set, otherwise a SQLite file ``mlflow.db`` in
the working directory, with artifacts in ``mlartifacts/`` beside it.
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter._version import __version__

if TYPE_CHECKING:
    from budgetrouter.config import TrainConfig
    from budgetrouter.train.fit import TrainResult

logger = logging.getLogger(__name__)

EXPERIMENT = "budgetrouter"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else ``sqlite:///<cwd>/mlflow.db``."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current git commit of ``cwd``, or ``None`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class Run:
    """An active MLflow run; methods drop values MLflow cannot store (NaN, non-numbers)."""

    def __init__(self, mlflow: Any, run_id: str) -> None:
        self._mlflow = mlflow
        self.run_id = run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log parameters (values are stringified, long ones truncated by MLflow's limit)."""
        self._mlflow.log_params({k: str(v)[:6000] for k, v in params.items()})

    def log_metrics(self, metrics: Mapping[str, Any]) -> None:
        """Log the finite numeric metrics of a mapping."""
        clean = {
            k: float(v)
            for k, v in metrics.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        }
        self._mlflow.log_metrics(clean)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags (``None`` values are skipped)."""
        self._mlflow.set_tags({k: str(v) for k, v in tags.items() if v is not None})

    def log_artifacts(self, folder: str | Path, artifact_path: str | None = None) -> None:
        """Upload a folder's files as run artifacts."""
        self._mlflow.log_artifacts(str(folder), artifact_path=artifact_path)

    def log_dict(self, data: Mapping[str, Any], name: str) -> None:
        """Store a JSON-ready mapping as an artifact file."""
        self._mlflow.log_dict(dict(data), name)


@contextmanager
def start_run(run_name: str | None = None, experiment: str = EXPERIMENT) -> Iterator[Run]:
    """Open an MLflow run in the configured store.

    Parameters
    ----------
    run_name
        Name shown in the MLflow UI.
    experiment
        Experiment name; created on first use (artifacts beside a local SQLite store).

    Raises
    ------
    ImportError
        If mlflow is not installed (``pip install budgetrouter[track]``).
    """
    mlflow = require("mlflow", "track", "Tracking (turn it off with --no-track)")

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        location = None
        if uri.startswith("sqlite:///"):
            location = (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts").as_uri()
        mlflow.create_experiment(experiment, artifact_location=location)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as active:
        logger.info("MLflow run %s in %s (experiment %s)", active.info.run_id, uri, experiment)
        yield Run(mlflow, active.info.run_id)


def log_training_run(
    result: TrainResult,
    config: TrainConfig,
    bundle: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    report_dir: str | Path | None = None,
    run_name: str | None = None,
) -> str:
    """Log a training run: parameters, held-out metrics, the report and the saved bundle.

    Parameters
    ----------
    result
        What the trainer returned (its router already saved at ``bundle``).
    config
        The training options (logged as parameters).
    bundle
        The saved bundle folder (logged as artifacts, its version as a tag).
    params
        Further parameters (data paths, embedder, ...).
    report_dir
        Folder of the written report files, logged as artifacts; without it the report is
        logged as ``report/report.json``.
    run_name
        MLflow run name.

    Returns
    -------
    str
        The MLflow run id.
    """
    with start_run(run_name) as run:
        run.log_params({**config.to_dict(), **(params or {}), **result.report["counts"]})
        run.log_metrics(result.metrics)
        run.set_tags(
            {
                "data_digest": result.router.manifest["data_digest"],
                "git_commit": git_commit(),
                "bundle_version": result.router.version,
                "budgetrouter_version": __version__,
            }
        )
        run.log_dict(
            {k: v for k, v in result.report.items() if k != "evaluation"}, "training_report.json"
        )
        if report_dir:
            run.log_artifacts(report_dir, "report")
        else:
            run.log_dict(result.report["evaluation"], "report/report.json")
        run.log_artifacts(bundle, "bundle")
        logger.info("logged MLflow run %s", run.run_id)
        return run.run_id


def log_evaluation_run(
    report: Mapping[str, Any],
    params: Mapping[str, Any],
    report_dir: str | Path | None = None,
) -> str:
    """Log an evaluation of a bundle (``evaluate --track``); returns the MLflow run id."""
    from budgetrouter.train.report import report_metrics

    version = report.get("bundle_version", "unsaved")
    with start_run(f"evaluate {version}") as run:
        run.log_params(params)
        run.set_tags({"bundle_version": version, "kind": "evaluate"})
        op = report["operating_point"]
        run.log_metrics({f"router_{k}": v for k, v in op["router"].items()})
        run.log_metrics(report_metrics(report))
        if report_dir:
            run.log_artifacts(report_dir, "report")
        else:
            run.log_dict(dict(report), "report/report.json")
        return run.run_id

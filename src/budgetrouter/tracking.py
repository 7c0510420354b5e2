"""Optional MLflow tracking of training runs (mlflow is imported only when tracking is on).

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
from typing import Any

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
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(
            "Tracking needs mlflow: pip install 'budgetrouter[track]', or pass --no-track"
        ) from exc

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


REGISTERED_MODEL = "budgetrouter"
CHAMPION = "champion"


def log_router_model(bundle: str | Path, name: str = "router") -> str:
    """Log a bundle as an MLflow pyfunc model in the active run; returns its model URI.

    The model is logged as code (:mod:`budgetrouter.mlflow_pyfunc`) with the bundle as its
    artifact, so loading it never unpickles a Python object.
    """
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature

    from budgetrouter.router import Router

    code = Path(__file__).with_name("mlflow_pyfunc.py")
    example = pd.DataFrame({"prompt": ["What is 2 + 3?"]})
    decision = Router.load(bundle).route(example["prompt"][0]).to_dict()
    output = pd.DataFrame([decision]).astype({"budget_tokens": "object"})
    info = mlflow.pyfunc.log_model(
        name=name,
        python_model=str(code),
        artifacts={"bundle": str(bundle)},
        signature=infer_signature(example, output),
    )
    return str(info.model_uri)


def register(model_uri: str, tags: Mapping[str, Any] | None = None) -> str:
    """Register a logged model under :data:`REGISTERED_MODEL`; returns the new version."""
    import mlflow

    version = mlflow.register_model(model_uri, REGISTERED_MODEL, tags=dict(tags or {}))
    return str(version.version)


def champion() -> Any:
    """The model version holding the ``champion`` alias, or ``None``."""
    import mlflow
    from mlflow.exceptions import MlflowException

    client = mlflow.MlflowClient()
    try:
        return client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION)
    except MlflowException:
        return None


def set_champion(version: str) -> None:
    """Move the ``champion`` alias to ``version``."""
    import mlflow

    mlflow.MlflowClient().set_registered_model_alias(REGISTERED_MODEL, CHAMPION, version)

"""The MLflow Model Registry: routers logged as pyfunc models, and the ``champion`` alias.

:func:`record_retrain` logs a retraining comparison and registers the candidate, moving
``champion`` to it only when it beats the current bundle at the operator's target.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.tracking.runs import git_commit, start_run

if TYPE_CHECKING:
    from budgetrouter.train.retrain import RetrainResult

logger = logging.getLogger(__name__)

REGISTERED_MODEL = "budgetrouter"
CHAMPION = "champion"


def log_router_model(bundle: str | Path, name: str = "router") -> str:
    """Log a bundle as an MLflow pyfunc model in the active run; returns its model URI.

    The model is logged as code (``budgetrouter/tracking/pyfunc_model.py``) with the bundle as
    its artifact, so loading it never unpickles a Python object. Its signature takes a string
    column ``prompt`` and an optional string column ``model`` (the model routed for, per row).
    """
    import mlflow
    import pandas as pd
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import ColSpec, Schema

    from budgetrouter.router import Router

    code = Path(__file__).with_name("pyfunc_model.py")
    router = Router.load(bundle)
    model = router.known_models[0] if router.known_models else None
    decision = router.route("What is 2 + 3?", model=model).to_dict()
    output = pd.DataFrame([decision]).astype({"budget_tokens": "object"})
    # ``model`` in the signature: MLflow drops input columns the signature does not name
    inputs = Schema([ColSpec("string", "prompt"), ColSpec("string", "model", required=False)])
    signature = ModelSignature(inputs=inputs, outputs=infer_signature(None, output).outputs)
    info = mlflow.pyfunc.log_model(
        name=name,
        python_model=str(code),
        artifacts={"bundle": str(bundle)},
        signature=signature,
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


def record_retrain(
    result: RetrainResult,
    current_bundle: str | Path,
    params: Mapping[str, Any] | None = None,
    run_name: str | None = None,
) -> dict[str, Any]:
    """Log a retraining comparison and register the candidate; move ``champion`` if better.

    When no version holds ``champion`` yet, the current bundle is registered first and the
    better of the two becomes champion.

    Parameters
    ----------
    result
        What :func:`budgetrouter.train.retrain` returned.
    current_bundle
        The current bundle's folder (registered when there is no champion yet).
    params
        Further parameters to log (log paths, ...).
    run_name
        MLflow run name (default ``retrain <candidate version>``).

    Returns
    -------
    dict
        ``registered_version`` (the candidate's) and ``champion_version``.
    """
    version = result.candidate.version
    with start_run(run_name or f"retrain {version}") as run:
        run.log_params({**result.training.router.manifest["train_config"], **(params or {})})
        run.log_metrics(
            {f"{who}_{k}": v for who, r in result.compared.items() for k, v in r.items()}
        )
        run.set_tags(
            {
                "git_commit": git_commit(),
                "candidate_bundle_version": version,
                "current_bundle_version": result.current.version,
                "data_digest": result.candidate.manifest["data_digest"],
            }
        )
        candidate = register(log_router_model(result.candidate_path), {"bundle_version": version})
        if champion() is None:
            current = register(
                log_router_model(current_bundle, name="current_router"),
                {"bundle_version": result.current.version},
            )
            set_champion(candidate if result.candidate_is_better else current)
        elif result.candidate_is_better:
            set_champion(candidate)
        return {"registered_version": candidate, "champion_version": str(champion().version)}

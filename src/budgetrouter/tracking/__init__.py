"""MLflow tracking: runs of training, evaluation and retraining, and the Model Registry.

Imported only by the offline jobs and the command line, never by routing; mlflow itself is
imported on first use (extra ``budgetrouter[track]``).
"""

from budgetrouter.tracking.registry import (
    champion,
    log_router_model,
    record_retrain,
    register,
    set_champion,
)
from budgetrouter.tracking.runs import (
    Run,
    git_commit,
    log_evaluation_run,
    log_training_run,
    start_run,
    tracking_uri,
)

__all__ = [
    "Run",
    "champion",
    "git_commit",
    "log_evaluation_run",
    "log_router_model",
    "log_training_run",
    "record_retrain",
    "register",
    "set_champion",
    "start_run",
    "tracking_uri",
]

"""Training time: everything that turns logged runs into a bundle, and judges bundles.

Nothing here runs before a request; :mod:`budgetrouter` (the runtime) never imports it.

- ``data``, ``readers``, ``sources``: the observation contract, file readers, dataset readers;
- ``targets``: runs to per-prompt targets (needed tokens, success and cost curves);
- ``replay``: how a budget policy would have done on logged runs;
- ``calibration``: price and margin to an operator's target, and :func:`recalibrate`;
- ``fit``: fitting a router's models (shared by both trainers);
- ``local``: :func:`train_router`, nested grouped cross-validation on one machine;
- ``dask_cluster``, ``dask_fit``, ``dask_trainer``: :func:`train_router_dask`, on a cluster;
- ``baselines``, ``metrics``, ``report``, ``report_files``: the held-out report and its files;
- ``evaluate``: :func:`evaluate_bundle` on new observations;
- ``retrain``: :func:`retrain`, a candidate from outcome logs compared on held-out families;
- ``embedding_cache``: the on-disk cache of prompt embeddings.
"""

from budgetrouter._optional import require

for _module in ("pandas", "sklearn"):
    require(_module, "train", "Training")

from budgetrouter.train.calibration import calibrate  # noqa: E402
from budgetrouter.train.data import data_digest, validate_observations  # noqa: E402
from budgetrouter.train.evaluate import evaluate_bundle  # noqa: E402
from budgetrouter.train.fit import TrainResult  # noqa: E402
from budgetrouter.train.local import train_router  # noqa: E402
from budgetrouter.train.readers import read_observations  # noqa: E402
from budgetrouter.train.recalibrate import Recalibration, recalibrate  # noqa: E402
from budgetrouter.train.report import build_report  # noqa: E402
from budgetrouter.train.report_files import write_report  # noqa: E402
from budgetrouter.train.retrain import RetrainResult, retrain  # noqa: E402
from budgetrouter.train.targets import PromptTargets, build_targets  # noqa: E402

__all__ = [
    "PromptTargets",
    "Recalibration",
    "RetrainResult",
    "TrainResult",
    "build_report",
    "build_targets",
    "calibrate",
    "data_digest",
    "evaluate_bundle",
    "read_observations",
    "recalibrate",
    "retrain",
    "train_router",
    "train_router_dask",
    "validate_observations",
    "write_report",
]


def __getattr__(name: str) -> object:
    # The Dask trainer is imported on first use (its module pulls in dask-only helpers).
    if name == "train_router_dask":
        from budgetrouter.train.dask_trainer import train_router_dask

        return train_router_dask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

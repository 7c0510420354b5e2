"""Fitted LightGBM boosters as routing calls them, and the one home of their inverse links.

Routing needs numpy and LightGBM only: a bundle's boosters are loaded as :class:`BoosterModel`
(a booster and its inverse link). Training fits them with the scikit-learn estimators of
:mod:`budgetrouter.estimators` (the ``train`` extra), whose ``predict`` applies the same links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from budgetrouter.config import LGBM_DEFAULTS

if TYPE_CHECKING:
    import lightgbm
    import numpy as np

#: ``"tokens"``: ``expm1`` clipped at 0 (a model of ``log1p`` tokens); ``"share"``: clipped to
#: [0, 1] (a probability or a share).
Link = Literal["tokens", "share"]


class TrustedPredictor(Protocol):
    """What routing calls on a fitted model.

    A loaded :class:`BoosterModel`, or a training estimator of :mod:`budgetrouter.estimators`.
    """

    @property
    def booster_(self) -> lightgbm.Booster:
        """The fitted LightGBM booster."""
        ...

    def predict_trusted(self, X: np.ndarray) -> np.ndarray:
        """Predictions on the natural scale for a trusted float64 matrix ``(n, f)``."""
        ...


def lgbm_params(
    n_estimators: int = LGBM_DEFAULTS["n_estimators"],
    learning_rate: float = LGBM_DEFAULTS["learning_rate"],
    num_leaves: int = LGBM_DEFAULTS["num_leaves"],
    min_child_samples: int = LGBM_DEFAULTS["min_child_samples"],
    colsample_bytree: float = LGBM_DEFAULTS["colsample_bytree"],
    random_state: int | None = 0,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """LightGBM keyword arguments from the shared settings (``colsample_bytree`` per node)."""
    return {
        "n_estimators": n_estimators,
        "learning_rate": learning_rate,
        "num_leaves": num_leaves,
        "min_child_samples": min_child_samples,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 1.0,
        "feature_fraction_bynode": colsample_bytree,
        "random_state": random_state,
        "n_jobs": n_jobs,
        "verbosity": -1,
    }


def booster_predict(booster: lightgbm.Booster, X: np.ndarray) -> np.ndarray:
    """Raw prediction of a LightGBM booster on one thread (what routing needs), shape ``(n,)``.

    Calls LightGBM's C entry point ``LGBM_BoosterPredictForMat`` directly on the float64 rows:
    the same prediction as ``booster.predict(X, num_threads=1)`` (a test checks it) without the
    Python wrapper's input conversion, which costs more than the trees for one prompt. Falls
    back to ``booster.predict`` where this LightGBM does not expose its library handle.
    """
    import ctypes

    import numpy as np

    X = np.ascontiguousarray(X, dtype="float64")
    lib, handle = _c_api(booster)
    if (
        lib is None
        or X.ndim != 2
        or X.shape[1] != booster.num_feature()
        or booster.num_model_per_iteration() != 1  # one value per row only
    ):
        return np.asarray(booster.predict(X, num_threads=1), dtype="float64")
    out = np.empty(len(X), dtype="float64")
    written = ctypes.c_int64(0)
    status = lib.LGBM_BoosterPredictForMat(
        handle,
        X.ctypes.data_as(ctypes.c_void_p),
        ctypes.c_int(1),  # C_API_DTYPE_FLOAT64
        ctypes.c_int32(X.shape[0]),
        ctypes.c_int32(X.shape[1]),
        ctypes.c_int(1),  # row major
        ctypes.c_int(0),  # C_API_PREDICT_NORMAL
        ctypes.c_int(0),  # start iteration
        ctypes.c_int(-1),  # every iteration
        _PREDICT_PARAMETERS,
        ctypes.byref(written),
        out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
    )
    if status != 0 or written.value != len(X):
        from lightgbm.basic import LightGBMError

        raise LightGBMError(lib.LGBM_GetLastError().decode("utf-8", "replace"))
    return out


_PREDICT_PARAMETERS = b"num_threads=1"


def _c_api(booster: lightgbm.Booster) -> tuple[Any, Any]:
    """LightGBM's loaded C library and the booster's handle, or ``(None, None)``."""
    try:
        from lightgbm.basic import _LIB

        return _LIB, booster._handle
    except (ImportError, AttributeError):
        return None, None


def apply_link(raw: np.ndarray, link: Link) -> np.ndarray:
    """A booster's raw output on its natural scale (see :data:`Link`)."""
    import numpy as np

    if link == "tokens":
        return np.maximum(np.expm1(raw), 0.0)
    return np.clip(raw, 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class BoosterModel:
    """A fitted booster with its inverse link, as a bundle loads it.

    Attributes
    ----------
    booster_
        The LightGBM booster.
    link
        Its inverse link (:data:`Link`).
    """

    booster_: lightgbm.Booster
    link: Link

    def __post_init__(self) -> None:
        if self.link not in ("tokens", "share"):
            raise ValueError(f"link must be 'tokens' or 'share', got {self.link!r}")

    def predict_trusted(self, X: np.ndarray) -> np.ndarray:
        """Predictions on the natural scale for a float64 feature matrix ``(n, f)``, ``(n,)``.

        ``X`` is trusted (built by :func:`budgetrouter.features.prompt_features`).
        """
        return apply_link(booster_predict(self.booster_, X), self.link)

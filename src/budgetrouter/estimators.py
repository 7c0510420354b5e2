"""The scikit-learn estimators training fits (the ``train`` extra): what a prompt needs.

* :class:`TokenBudgetRegressor`: a scikit-learn estimator, LightGBM quantile regression of
  ``log1p(needed tokens)`` (used for the median and an upper quantile);
* :class:`NoThinkingClassifier`: LightGBM probability that no thinking is needed;
* :class:`budgetrouter.curves.BudgetCurveModel` (beside this module): each prompt's
  success-versus-budget and cost-versus-budget curves.

Every model exposes its fitted ``lightgbm.Booster`` (``booster_``) so a bundle can store it in
LightGBM's native text format, and can be rebuilt from a booster with ``from_booster``. Each
``predict`` applies its model's inverse link from :mod:`budgetrouter.boosters` (``expm1``
clipped at 0, probabilities clipped to [0, 1]), as the :class:`~budgetrouter.boosters.BoosterModel`
a bundle loads for routing does. Defaults of the
LightGBM settings are :data:`budgetrouter.config.LGBM_DEFAULTS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.boosters import apply_link, booster_predict, lgbm_params
from budgetrouter.config import LGBM_DEFAULTS

require("sklearn", "train", "The scikit-learn estimators (training)")

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

if TYPE_CHECKING:
    import lightgbm
    import numpy as np


def _check_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    import numpy as np

    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype="float64")
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if np.any(w < 0) or not np.any(w > 0):
        raise ValueError("sample_weight must be non-negative and not all zero")
    return w


class _LightGBMEstimator(BaseEstimator):
    """The shared LightGBM settings of the estimators below (see :class:`NoThinkingClassifier`)."""

    def __init__(
        self,
        n_estimators: int = LGBM_DEFAULTS["n_estimators"],
        learning_rate: float = LGBM_DEFAULTS["learning_rate"],
        num_leaves: int = LGBM_DEFAULTS["num_leaves"],
        min_child_samples: int = LGBM_DEFAULTS["min_child_samples"],
        colsample_bytree: float = LGBM_DEFAULTS["colsample_bytree"],
        random_state: int | None = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit_booster(
        self, X: np.ndarray, target: np.ndarray, weight: np.ndarray | None, **objective: Any
    ) -> None:
        import lightgbm

        settings = {k: getattr(self, k) for k in (*LGBM_DEFAULTS, "random_state", "n_jobs")}
        model = lightgbm.LGBMRegressor(**objective, **lgbm_params(**settings))
        self.booster_ = model.fit(X, target, sample_weight=weight).booster_


class TokenBudgetRegressor(RegressorMixin, _LightGBMEstimator):
    """Quantile regression of reasoning tokens on log scale with LightGBM.

    Fits ``log1p(y)`` with the quantile objective, so predictions are the ``quantile`` of the
    needed tokens (quantiles commute with the monotone transform).

    Parameters
    ----------
    quantile
        The quantile to predict, in (0, 1).
    **others
        The shared LightGBM settings of :class:`NoThinkingClassifier` (``n_estimators``,
        ``learning_rate``, ``num_leaves``, ``min_child_samples``, ``colsample_bytree`` per
        node, ``random_state``, ``n_jobs``).
    """

    def __init__(
        self,
        quantile: float = 0.5,
        n_estimators: int = LGBM_DEFAULTS["n_estimators"],
        learning_rate: float = LGBM_DEFAULTS["learning_rate"],
        num_leaves: int = LGBM_DEFAULTS["num_leaves"],
        min_child_samples: int = LGBM_DEFAULTS["min_child_samples"],
        colsample_bytree: float = LGBM_DEFAULTS["colsample_bytree"],
        random_state: int | None = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.quantile = quantile
        super().__init__(
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            num_leaves=num_leaves,
            min_child_samples=min_child_samples,
            colsample_bytree=colsample_bytree,
            random_state=random_state,
            n_jobs=n_jobs,
        )

    def fit(self, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> TokenBudgetRegressor:
        """Fit on features ``X`` and token counts ``y`` (non-negative).

        Returns
        -------
        TokenBudgetRegressor
            The fitted estimator.
        """
        import numpy as np

        if not 0.0 < self.quantile < 1.0:
            raise ValueError(f"quantile must be in (0, 1), got {self.quantile!r}")
        X, y = validate_data(self, X, y, dtype="float64", y_numeric=True)
        if np.any(y < 0):
            raise ValueError("token counts y must be >= 0")
        w = _check_weight(sample_weight, len(y))
        self._fit_booster(X, np.log1p(y), w, objective="quantile", alpha=self.quantile)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted tokens (the fitted quantile): ``expm1`` of the booster, clipped at 0."""
        check_is_fitted(self, "booster_")
        return self.predict_trusted(validate_data(self, X, dtype="float64", reset=False))

    def predict_trusted(self, X: np.ndarray) -> np.ndarray:
        """:meth:`predict` without the input checks, for a feature matrix the caller built.

        The routing hot path calls this (sklearn's checks cost more than the boosters there).
        """
        return apply_link(booster_predict(self.booster_, X), "tokens")

    @classmethod
    def from_booster(cls, booster: lightgbm.Booster, quantile: float) -> TokenBudgetRegressor:
        """Rebuild a fitted regressor from a saved booster."""
        est = cls(quantile=quantile)
        est.booster_ = booster
        est.n_features_in_ = booster.num_feature()
        return est


class NoThinkingClassifier(ClassifierMixin, _LightGBMEstimator):
    """LightGBM probability that a prompt is solved with no thinking.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples, colsample_bytree
        LightGBM settings (``colsample_bytree`` is applied per node).
    random_state
        Seed passed to LightGBM.
    n_jobs
        Threads used for fitting.
    """

    def fit(self, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> NoThinkingClassifier:
        """Fit on features ``X`` and boolean labels ``y`` (True = no thinking needed).

        Returns
        -------
        NoThinkingClassifier
            The fitted estimator.
        """
        import numpy as np

        X, y = validate_data(self, X, y, dtype="float64")
        self.classes_ = np.array([False, True])
        y = np.asarray(y, dtype=bool)
        w = _check_weight(sample_weight, len(y))
        self._fit_booster(X, y.astype("float64"), w, objective="cross_entropy")
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of [needs thinking, no thinking needed], shape ``(n, 2)``."""
        import numpy as np

        check_is_fitted(self, "booster_")
        p = self.predict_trusted(validate_data(self, X, dtype="float64", reset=False))
        return np.column_stack([1.0 - p, p])

    def predict_trusted(self, X: np.ndarray) -> np.ndarray:
        """Probability that no thinking is needed, shape ``(n,)``, without the input checks.

        For a feature matrix the caller built (the routing hot path).
        """
        return apply_link(booster_predict(self.booster_, X), "share")

    def predict(self, X: Any) -> np.ndarray:
        """Boolean labels: True when no thinking is more likely than not."""
        return self.predict_proba(X)[:, 1] >= 0.5

    @classmethod
    def from_booster(cls, booster: lightgbm.Booster) -> NoThinkingClassifier:
        """Rebuild a fitted classifier from a saved booster."""
        import numpy as np

        est = cls()
        est.booster_ = booster
        est.classes_ = np.array([False, True])
        est.n_features_in_ = booster.num_feature()
        return est

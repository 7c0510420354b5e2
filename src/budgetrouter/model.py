"""LightGBM models of what a prompt needs.

* :class:`TokenBudgetRegressor`: a scikit-learn estimator, LightGBM quantile regression of
  ``log1p(needed tokens)`` (used for the median and an upper quantile);
* :class:`NoThinkingClassifier`: LightGBM probability that no reasoning is needed;
* :class:`BudgetCurveModel`: each prompt's success-versus-budget and cost-versus-budget curves,
  one LightGBM model each over (features, log budget) with the budget constrained monotone.

Every model exposes its fitted ``lightgbm.Booster`` (``booster_``) so a bundle can store it in
LightGBM's native text format, and can be rebuilt from a booster with ``from_booster``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

if TYPE_CHECKING:
    import lightgbm
    import numpy as np


def _lgbm_params(est: Any) -> dict[str, Any]:
    return {
        "n_estimators": est.n_estimators,
        "learning_rate": est.learning_rate,
        "num_leaves": est.num_leaves,
        "min_child_samples": est.min_child_samples,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 1.0,
        "feature_fraction_bynode": est.colsample_bytree,
        "random_state": est.random_state,
        "n_jobs": est.n_jobs,
        "verbosity": -1,
    }


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


def booster_predict(booster: lightgbm.Booster, X: np.ndarray) -> np.ndarray:
    """Raw prediction of a LightGBM booster on one thread (what routing needs)."""
    import numpy as np

    return np.asarray(booster.predict(X, num_threads=1), dtype="float64")


class TokenBudgetRegressor(RegressorMixin, BaseEstimator):
    """Quantile regression of reasoning tokens on log scale with LightGBM.

    Fits ``log1p(y)`` with the quantile objective, so predictions are the ``quantile`` of the
    needed tokens (quantiles commute with the monotone transform).

    Parameters
    ----------
    quantile
        The quantile to predict, in (0, 1).
    n_estimators, learning_rate, num_leaves, min_child_samples, colsample_bytree
        LightGBM settings (``colsample_bytree`` is applied per node).
    random_state
        Seed passed to LightGBM.
    n_jobs
        Threads used for fitting.
    """

    def __init__(
        self,
        quantile: float = 0.5,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        colsample_bytree: float = 1.0,
        random_state: int | None = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.quantile = quantile
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.colsample_bytree = colsample_bytree
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> TokenBudgetRegressor:
        """Fit on features ``X`` and token counts ``y`` (non-negative).

        Returns
        -------
        TokenBudgetRegressor
            The fitted estimator.
        """
        import lightgbm
        import numpy as np

        if not 0.0 < self.quantile < 1.0:
            raise ValueError(f"quantile must be in (0, 1), got {self.quantile!r}")
        X, y = validate_data(self, X, y, dtype="float64", y_numeric=True)
        if np.any(y < 0):
            raise ValueError("token counts y must be >= 0")
        w = _check_weight(sample_weight, len(y))
        model = lightgbm.LGBMRegressor(
            objective="quantile", alpha=self.quantile, **_lgbm_params(self)
        )
        model.fit(X, np.log1p(y), sample_weight=w)
        self.booster_ = model.booster_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted tokens (the fitted quantile), non-negative floats."""
        import numpy as np

        check_is_fitted(self, "booster_")
        X = validate_data(self, X, dtype="float64", reset=False)
        return np.maximum(np.expm1(self.booster_.predict(X)), 0.0)

    @classmethod
    def from_booster(cls, booster: lightgbm.Booster, quantile: float) -> TokenBudgetRegressor:
        """Rebuild a fitted regressor from a saved booster."""
        est = cls(quantile=quantile)
        est.booster_ = booster
        est.n_features_in_ = booster.num_feature()
        return est


class NoThinkingClassifier(ClassifierMixin, BaseEstimator):
    """LightGBM probability that a prompt is solved with no reasoning.

    Parameters are those of :class:`TokenBudgetRegressor` (less ``quantile``).
    """

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        colsample_bytree: float = 1.0,
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

    def fit(self, X: Any, y: Any, sample_weight: np.ndarray | None = None) -> NoThinkingClassifier:
        """Fit on features ``X`` and boolean labels ``y`` (True = no reasoning needed).

        Returns
        -------
        NoThinkingClassifier
            The fitted estimator.
        """
        import lightgbm
        import numpy as np

        X, y = validate_data(self, X, y, dtype="float64")
        self.classes_ = np.array([False, True])
        y = np.asarray(y, dtype=bool)
        w = _check_weight(sample_weight, len(y))
        model = lightgbm.LGBMRegressor(objective="cross_entropy", **_lgbm_params(self))
        model.fit(X, y.astype("float64"), sample_weight=w)
        self.booster_ = model.booster_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of [needs reasoning, no reasoning needed], shape ``(n, 2)``."""
        import numpy as np

        check_is_fitted(self, "booster_")
        X = validate_data(self, X, dtype="float64", reset=False)
        p = np.clip(self.booster_.predict(X), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """Boolean labels: True when no reasoning is more likely than not."""
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


def budget_feature(grid: np.ndarray) -> np.ndarray:
    """The model's budget input: ``log2(1 + b)``, with no cap mapped to 2**17 tokens."""
    import numpy as np

    return np.log2(1.0 + np.minimum(np.asarray(grid, dtype="float64"), 2.0**17))


def _stack(X: np.ndarray, grid: np.ndarray) -> np.ndarray:
    import numpy as np

    n, g = len(X), len(grid)
    out = np.empty((n * g, X.shape[1] + 1), dtype="float64")
    out[:, :-1] = np.repeat(X, g, axis=0)
    out[:, -1] = np.tile(budget_feature(grid), n)
    return out


class BudgetCurveModel:
    """Each prompt's success-versus-budget and cost-versus-budget curves.

    Two LightGBM models over the prompt's features plus ``log2(1 + budget)``: the success rate
    under the budget (cross-entropy objective) and ``log1p`` of the mean tokens paid under it
    (L2). Both are constrained to rise with the budget.

    Parameters
    ----------
    grid
        Candidate budgets in tokens (``inf`` = no cap).
    params
        LightGBM settings (as :class:`TokenBudgetRegressor`'s).
    """

    def __init__(self, grid: np.ndarray, **params: Any) -> None:
        import numpy as np

        self.grid = np.asarray(grid, dtype="float64")
        self.params = params

    def fit(
        self, X: np.ndarray, success: np.ndarray, cost: np.ndarray, weight: np.ndarray
    ) -> BudgetCurveModel:
        """Fit on per-prompt mean success and mean cost at each grid budget.

        Parameters
        ----------
        X
            Features, shape ``(n, f)``.
        success, cost
            Mean success and mean tokens paid under each budget, shape ``(n, g)``.
        weight
            Runs behind each prompt, shape ``(n,)``.

        Returns
        -------
        BudgetCurveModel
            The fitted model.
        """
        import lightgbm
        import numpy as np

        Xs = _stack(X, self.grid)
        w = np.repeat(weight, len(self.grid))
        success_params, cost_params = self.booster_params(X.shape[1])
        self.success_booster_ = (
            lightgbm.LGBMRegressor(**success_params)
            .fit(Xs, success.ravel(), sample_weight=w)
            .booster_
        )
        self.cost_booster_ = (
            lightgbm.LGBMRegressor(**cost_params)
            .fit(Xs, np.log1p(cost).ravel(), sample_weight=w)
            .booster_
        )
        return self

    def booster_params(self, n_features: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """LightGBM settings of the success and cost models for ``n_features`` features.

        Both take the stacked design (features plus the budget, see :func:`budget_feature`)
        and rise with the budget; the success model has the cross-entropy objective, the cost
        model L2 on ``log1p`` of the tokens paid.
        """
        params = _lgbm_params(_Params(**self.params))
        params["monotone_constraints"] = [0] * n_features + [1]
        return {**params, "objective": "cross_entropy"}, {**params, "objective": "l2"}

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted success rate and mean tokens under each grid budget, each ``(n, g)``."""
        import numpy as np

        Xs = _stack(np.asarray(X, dtype="float64"), self.grid)
        g = len(self.grid)
        success = np.clip(booster_predict(self.success_booster_, Xs), 0.0, 1.0).reshape(-1, g)
        cost = np.maximum(np.expm1(booster_predict(self.cost_booster_, Xs)), 0.0).reshape(-1, g)
        cost[:, self.grid == 0] = 0.0
        return success, cost

    @classmethod
    def from_boosters(
        cls, grid: np.ndarray, success: lightgbm.Booster, cost: lightgbm.Booster
    ) -> BudgetCurveModel:
        """Rebuild a fitted model from its saved boosters."""
        model = cls(grid)
        model.success_booster_ = success
        model.cost_booster_ = cost
        return model


class _Params:
    """Defaults for the shared LightGBM settings, filled from keyword arguments."""

    def __init__(
        self,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 100,
        colsample_bytree: float = 0.5,
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

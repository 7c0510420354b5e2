"""Each prompt's success and cost as functions of its thinking budget.

:class:`BudgetCurveModel` is two LightGBM models over (prompt features, log budget), both
constrained to rise with the budget. Success is the share of the prompt's uncapped success
that a budget keeps (the fraction of its correct runs that fit in the budget); cost is the
mean reasoning tokens paid per run. Like the boosters of :mod:`budgetrouter.boosters`,
its ``predict`` applies the inverse links (success clipped to [0, 1], ``expm1`` of the cost
clipped at 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgetrouter.boosters import booster_predict, lgbm_params

if TYPE_CHECKING:
    import lightgbm
    import numpy as np


def budget_feature(grid: np.ndarray) -> np.ndarray:
    """The model's budget input: ``log2(1 + b)``, with no cap mapped to 2**17 tokens."""
    import numpy as np

    return np.log2(1.0 + np.minimum(np.asarray(grid, dtype="float64"), 2.0**17))


def stack_budgets(X: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The curve models' design: each row of ``X`` repeated per budget, plus the budget.

    Returns an array of shape ``(n * g, f + 1)`` (rows grouped by prompt, see
    :func:`budget_feature`).
    """
    import numpy as np

    n, g = len(X), len(grid)
    out = np.empty((n * g, X.shape[1] + 1), dtype="float64")
    out[:, :-1] = np.repeat(X, g, axis=0)
    out[:, -1] = np.tile(budget_feature(grid), n)
    return out


def share_at(success: np.ndarray, grid: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """Success curves on ``grid`` read at other ``budgets``, linear in :func:`budget_feature`.

    Parameters
    ----------
    success
        Success shares on ``grid``, shape ``(n, g)`` (rising with the budget).
    grid
        Their budgets in tokens, increasing (``inf`` = no cap).
    budgets
        Where to read them, in tokens, shape ``(k,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``.
    """
    import numpy as np

    x = budget_feature(np.asarray(grid, dtype="float64"))
    at = budget_feature(np.asarray(budgets, dtype="float64"))
    pos = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    span = np.maximum(x[pos + 1] - x[pos], 1e-12)
    frac = np.clip((at - x[pos]) / span, 0.0, 1.0)
    success = np.asarray(success, dtype="float64")
    return success[:, pos] * (1.0 - frac) + success[:, pos + 1] * frac


class BudgetCurveModel:
    """Each prompt's success-versus-budget and cost-versus-budget curves.

    Two LightGBM models over the prompt's features plus ``log2(1 + budget)``: the share of the
    prompt's uncapped success kept under the budget (cross-entropy objective) and ``log1p`` of
    the mean tokens paid under it (L2). Both are constrained to rise with the budget.

    Parameters
    ----------
    grid
        Candidate budgets in tokens (``inf`` = no cap).
    params
        Shared LightGBM settings (keywords of :func:`lgbm_params`).
    """

    def __init__(self, grid: np.ndarray, **params: Any) -> None:
        import numpy as np

        self.grid = np.asarray(grid, dtype="float64")
        self.params = params

    def fit(
        self,
        X: np.ndarray,
        success: np.ndarray,
        cost: np.ndarray,
        weight: np.ndarray,
        success_weight: np.ndarray | None = None,
    ) -> BudgetCurveModel:
        """Fit on per-prompt success shares and mean cost at each grid budget.

        Parameters
        ----------
        X
            Features, shape ``(n, f)``.
        success, cost
            Share of the uncapped success kept and mean tokens paid under each budget, shape
            ``(n, g)`` (see :meth:`budgetrouter.train.targets.PromptTargets.model_curves`).
        weight
            Runs behind each prompt, shape ``(n,)`` (the cost model's weights).
        success_weight
            Correct runs behind each share, shape ``(n,)``; prompts with none are left out of
            the success model. Default: ``weight``.

        Returns
        -------
        BudgetCurveModel
            The fitted model.
        """
        import lightgbm
        import numpy as np

        Xs = stack_budgets(X, self.grid)
        w = np.repeat(weight, len(self.grid))
        sw = weight if success_weight is None else np.asarray(success_weight, dtype="float64")
        solved = sw > 0
        success_params, cost_params = self.booster_params(X.shape[1])
        self.success_booster_ = (
            lightgbm.LGBMRegressor(**success_params)
            .fit(
                stack_budgets(X[solved], self.grid),
                success[solved].ravel(),
                sample_weight=np.repeat(sw[solved], len(self.grid)),
            )
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
        params = lgbm_params(**self.params)
        params["monotone_constraints"] = [0] * n_features + [1]
        return {**params, "objective": "cross_entropy"}, {**params, "objective": "l2"}

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted success share and mean tokens under each grid budget, each ``(n, g)``."""
        import numpy as np

        Xs = stack_budgets(np.asarray(X, dtype="float64"), self.grid)
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

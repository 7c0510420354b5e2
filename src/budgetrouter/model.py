"""The fitted predictors a router calls, and what they predict for a batch of prompts.

:class:`RouterModels` groups the estimators of one router (curves, needed-token quantiles,
no-thinking classifier) with its embedding projection; :meth:`RouterModels.predict` is the one
path from a feature matrix to :class:`Predictions`, taken alike by training, evaluation and
:meth:`budgetrouter.Router.route`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.boosters import TrustedPredictor
    from budgetrouter.curves import BudgetCurveModel
    from budgetrouter.decision import Decision
    from budgetrouter.policy import TierPolicy
    from budgetrouter.projection import Projection


@dataclass(frozen=True, eq=False)
class Predictions:
    """What the models predict for ``n`` prompts.

    Attributes
    ----------
    median, upper
        Median and upper quantile of the reasoning tokens each prompt needs, shape ``(n,)``
        (``upper >= median``).
    p_no_thinking
        Probability that no thinking is needed, shape ``(n,)``.
    success, cost
        Predicted share of the prompt's uncapped success kept, and mean tokens paid, under
        each budget of the policy's grid, shape ``(n, g)``.
    budget
        The budget a decision gives each prompt (tokens; ``inf`` = no cap), shape ``(n,)``.
    tokens, tokens_top
        Predicted mean reasoning tokens per run under that budget and with no cap, shape
        ``(n,)``.
    tokens_upper, tokens_top_upper
        Their upper forecasts (:mod:`budgetrouter.spread`), shape ``(n,)``; ``NaN`` when the
        policy carries no spread.
    """

    median: np.ndarray
    upper: np.ndarray
    p_no_thinking: np.ndarray
    success: np.ndarray
    cost: np.ndarray
    budget: np.ndarray
    tokens: np.ndarray
    tokens_top: np.ndarray
    tokens_upper: np.ndarray
    tokens_top_upper: np.ndarray

    def __len__(self) -> int:
        return len(self.median)

    @classmethod
    def concat(cls, parts: Sequence[Predictions]) -> Predictions:
        """One :class:`Predictions` from several consecutive batches."""
        import numpy as np

        return cls(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS})

    def decisions(
        self, policy: TierPolicy, version: str, models: Sequence[str | None]
    ) -> list[Decision]:
        """The model-agnostic decision of each prompt (for ``models[i]``, when named)."""
        from budgetrouter.decision import Decision

        out = []
        for j, model in enumerate(models):
            tier = policy.tier(float(self.budget[j]))
            out.append(
                Decision(
                    tier=tier.name,
                    budget_tokens=tier.budget_tokens,
                    predicted_tokens=round(self.median[j]),
                    predicted_tokens_upper=round(self.upper[j]),
                    p_no_thinking=round(float(self.p_no_thinking[j]), 4),
                    fallback=False,
                    bundle_version=version,
                    model=model,
                    expected_tokens=round(float(self.tokens[j])),
                    expected_tokens_top=round(float(self.tokens_top[j])),
                    expected_tokens_upper=_rounded(self.tokens_upper[j]),
                    expected_tokens_top_upper=_rounded(self.tokens_top_upper[j]),
                )
            )
        return out

    def take(self, rows: np.ndarray) -> Predictions:
        """The predictions of the prompts at positions ``rows``, in that order."""
        return Predictions(**{f: getattr(self, f)[rows] for f in _FIELDS})


_FIELDS = (
    "median",
    "upper",
    "p_no_thinking",
    "success",
    "cost",
    "budget",
    "tokens",
    "tokens_top",
    "tokens_upper",
    "tokens_top_upper",
)


def _rounded(value: float) -> int | None:
    """A token forecast as a whole number, ``None`` for ``NaN`` (not measured)."""
    return None if value != value else round(float(value))


@dataclass(frozen=True, eq=False)
class RouterModels:
    """The fitted parts a router predicts with.

    Attributes
    ----------
    curves
        Success- and cost-versus-budget model.
    median, upper
        Quantile regressors of the needed reasoning tokens.
    no_thinking
        Classifier of "no thinking needed".
    projection
        The embedding projection the features were built with.
    """

    curves: BudgetCurveModel
    median: TrustedPredictor
    upper: TrustedPredictor
    no_thinking: TrustedPredictor
    projection: Projection

    def predict(self, X: np.ndarray, policy: TierPolicy) -> Predictions:
        """Predictions for a float64 feature matrix ``X`` of shape ``(n, f)`` under ``policy``.

        ``X`` is trusted (built by :func:`budgetrouter.features.prompt_features`): the
        estimators' input checks are skipped, their inverse links are not.
        """
        import numpy as np

        from budgetrouter.spread import upper

        median = self.median.predict_trusted(X)
        success, cost = self.curves.predict(X)
        chosen = policy.choose(success, cost)
        rows = np.arange(len(cost))
        budget = policy.budgets_at(chosen)
        if policy.cost_spread:
            spread = np.asarray(policy.cost_spread)
            # a capped run spends at most its budget
            tokens_upper = np.minimum(upper(cost[rows, chosen], spread[chosen]), budget)
            top_upper = upper(cost[:, -1], spread[-1:])
        else:
            tokens_upper = top_upper = np.full(len(cost), np.nan)
        return Predictions(
            median=median,
            upper=np.maximum(self.upper.predict_trusted(X), median),
            p_no_thinking=self.no_thinking.predict_trusted(X),
            success=success,
            cost=cost,
            budget=budget,
            tokens=cost[rows, chosen],
            tokens_top=cost[:, -1],
            tokens_upper=tokens_upper,
            tokens_top_upper=top_upper,
        )

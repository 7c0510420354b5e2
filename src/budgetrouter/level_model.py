"""Model-aware routing: what each of a known model's own levels gives on a prompt.

:class:`LevelModel` predicts, for a prompt and a model the bundle knows, the chance of a correct
answer and the reasoning tokens at each of the model's levels (:class:`~budgetrouter.levels.
ModelLevels`). It is two LightGBM models over the prompt's features, the model and the level,
fitted on runs made at those levels: a run made with thinking off, under a budget or at an
effort level is a direct observation of what that setting gives. A per-model price, calibrated
at training time (:mod:`budgetrouter.train.levels`), picks the level that maximises
``success - price * tokens``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError
from budgetrouter.estimators import booster_predict, lgbm_params
from budgetrouter.spread import upper_tokens

if TYPE_CHECKING:
    import lightgbm
    import numpy as np

    from budgetrouter.decision import Decision, TierRules
    from budgetrouter.levels import ModelLevels


class LevelModel:
    """Success and reasoning tokens of each known model at each of its levels.

    Parameters
    ----------
    models
        The known models' levels, by model name.
    prices
        Calibrated price of a reasoning token per model (units of success); set by training.
    capabilities
        By model, the provider capability rows that cover it (provider, control style, accepted
        efforts or budget range, source page), recorded beside the levels seen in training.
    params
        LightGBM settings (keywords of :func:`budgetrouter.estimators.lgbm_params`).

    Attributes
    ----------
    spread
        By model, the held-out upper log-residual of the token model at each level
        (:func:`budgetrouter.spread.log_spread`); set by training, empty when not measured.
    """

    def __init__(
        self,
        models: Mapping[str, ModelLevels],
        prices: Mapping[str, float] | None = None,
        capabilities: Mapping[str, list[dict[str, Any]]] | None = None,
        **params: Any,
    ) -> None:
        self.models = dict(sorted(models.items()))
        self.prices = dict(prices or {})
        self.capabilities = dict(capabilities or {})
        self.spread: dict[str, list[float]] = {}
        self.params = params
        self._codes = {name: i for i, name in enumerate(self.models)}
        self._offsets: dict[str, int] = {}
        start = 0
        for name, levels in self.models.items():
            self._offsets[name] = start
            start += len(levels.levels)

    def knows(self, model: str) -> bool:
        """Whether ``model`` is one of the known models."""
        return model in self.models

    def design(self, X: np.ndarray, model: str, levels: np.ndarray | None = None) -> np.ndarray:
        """Rows of ``X`` with the model, the level and the level's rank appended.

        With ``levels`` (one level index per row of ``X``) each row gets its own level; without,
        each row is repeated once per level of the model (rows grouped by prompt).
        """
        import numpy as np

        n_levels = len(self.models[model].levels)
        if levels is None:
            levels = np.tile(np.arange(n_levels), len(X))
            X = np.repeat(X, n_levels, axis=0)
        levels = np.asarray(levels, dtype="float64")
        extra = np.column_stack(
            [
                np.full(len(X), float(self._codes[model])),
                self._offsets[model] + levels,
                levels / (n_levels - 1),
            ]
        )
        return np.hstack([np.asarray(X, dtype="float64"), extra])

    def booster_params(self, n_features: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """LightGBM settings of the success and token models for ``n_features`` prompt features.

        The model and the level are categorical; tokens rise with the level's rank.
        """
        params = lgbm_params(**self.params)
        params["categorical_feature"] = [n_features, n_features + 1]
        params["monotone_constraints"] = [0] * (n_features + 2) + [1]
        success = {**params, "objective": "cross_entropy", "monotone_constraints": None}
        return success, {**params, "objective": "l2"}

    def fit(self, blocks: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> LevelModel:
        """Fit on each known model's runs laid out by prompt and level.

        Parameters
        ----------
        blocks
            By model name: prompt features ``(n, f)``, then the mean correctness and the mean
            reasoning tokens of its runs at each level, each ``(n, n_levels)``.

        Returns
        -------
        LevelModel
            The fitted model.
        """
        import lightgbm
        import numpy as np

        unknown = sorted(set(blocks) - set(self.models))
        if unknown:
            raise ConfigError(f"runs of unknown model(s) {unknown}; known: {list(self.models)}")
        rows = np.vstack([self.design(X, m) for m, (X, _, _) in blocks.items()])
        correct = np.concatenate([c.ravel() for _, c, _ in blocks.values()])
        tokens = np.concatenate([t.ravel() for _, _, t in blocks.values()])
        success_params, cost_params = self.booster_params(rows.shape[1] - 3)
        cat = success_params.pop("categorical_feature")
        cost_params.pop("categorical_feature")
        self.success_booster_ = (
            lightgbm.LGBMRegressor(**success_params)
            .fit(rows, correct, categorical_feature=cat)
            .booster_
        )
        self.cost_booster_ = (
            lightgbm.LGBMRegressor(**cost_params)
            .fit(rows, np.log1p(tokens), categorical_feature=cat)
            .booster_
        )
        return self

    def predict(self, X: np.ndarray, model: str) -> tuple[np.ndarray, np.ndarray]:
        """Success rate and mean reasoning tokens of ``model`` at each of its levels.

        Parameters
        ----------
        X
            Prompt features, shape ``(n, f)``.
        model
            A known model.

        Returns
        -------
        success, tokens
            Arrays of shape ``(n, n_levels)``; thinking-off levels cost 0 tokens.

        Raises
        ------
        ConfigError
            If the model is not known.
        """
        import numpy as np

        if model not in self.models:
            raise ConfigError(f"model {model!r} is not one of the known models {list(self.models)}")
        levels = self.models[model]
        n_levels = len(levels.levels)
        rows = self.design(np.asarray(X, dtype="float64"), model)
        success = np.clip(booster_predict(self.success_booster_, rows), 0.0, 1.0)
        tokens = np.maximum(np.expm1(booster_predict(self.cost_booster_, rows)), 0.0)
        success, tokens = success.reshape(-1, n_levels), tokens.reshape(-1, n_levels)
        tokens[:, [lv.off for lv in levels.levels]] = 0.0
        return success, tokens

    @staticmethod
    def choose(success: np.ndarray, tokens: np.ndarray, price: float) -> np.ndarray:
        """The level index maximising ``success - price * tokens`` per row (lowest on ties)."""
        import numpy as np

        if price <= 0:
            return np.full(len(success), success.shape[1] - 1)
        return np.argmax(success - price * tokens, axis=1)

    def levels_for(self, X: np.ndarray, model: str) -> np.ndarray:
        """The calibrated choice of level for each row of ``X`` (shape ``(n,)``)."""
        success, tokens = self.predict(X, model)
        return self.choose(success, tokens, self.prices.get(model, 0.0))

    def resolve(self, model: str) -> str | None:
        """The known model a caller's name refers to, or ``None``.

        The name itself, else the known model it names ignoring case, a vendor prefix and a
        dated snapshot (``openai/o4-mini-2025-04-16`` -> ``o4-mini``;
        :func:`~budgetrouter.providers.rows.same_model`).
        """
        from budgetrouter.providers.rows import same_model

        if model in self.models:
            return model
        return next((name for name in self.models if same_model(name, model)), None)

    def decide(
        self, X: np.ndarray, model: str, rules: TierRules, base: Sequence[Decision]
    ) -> list[Decision]:
        """Model-aware decisions: the calibrated level of ``model`` for each row of ``X``.

        Each decision is ``base`` (the model-agnostic decision of the same prompt, whose
        predictions it keeps) with the tier, budget and effort that ask the model for the
        chosen level (:meth:`~budgetrouter.levels.ModelLevels.decision_parts`).
        """
        import numpy as np

        levels = self.models[model]
        success, tokens = self.predict(X, model)
        chosen = self.choose(success, tokens, self.prices.get(model, 0.0))
        expected = tokens[np.arange(len(chosen)), chosen]
        spread = self.spread.get(model, [math.nan] * tokens.shape[1])
        out = []
        for j, (index, decision) in enumerate(zip(chosen, base, strict=True)):
            tier, budget, effort = levels.decision_parts(int(index), rules)
            top = float(tokens[j, levels.top])
            cap = budget if levels.control == "budget" else None  # an effort caps nothing
            out.append(
                replace(
                    decision,
                    tier=tier,
                    budget_tokens=budget,
                    effort=effort,
                    model=decision.model or model,
                    model_aware=True,
                    expected_tokens=round(float(expected[j])),
                    expected_tokens_top=round(top),
                    expected_tokens_upper=upper_tokens(expected[j], spread[index], cap),
                    expected_tokens_top_upper=upper_tokens(top, spread[levels.top]),
                )
            )
        return out

    def escalate(self, decision: Decision, model: str, rules: TierRules) -> Decision | None:
        """The model's next level up from where ``decision`` lands, or ``None`` at its top."""
        levels = self.models[model]
        index = levels.landing(decision.tier, decision.budget_tokens, decision.effort)
        if index >= levels.top:
            return None
        tier, budget, effort = levels.decision_parts(index + 1, rules)
        up = replace(decision, tier=tier, budget_tokens=budget, effort=effort)
        return replace(up, expected_tokens=None, expected_tokens_upper=None)

    def decide_all(
        self,
        X: np.ndarray,
        models: Sequence[str | None],
        rules: TierRules,
        base: Sequence[Decision],
    ) -> list[Decision]:
        """``base`` with each prompt named for a known model decided by :meth:`decide`.

        ``X`` and ``base`` have one row per prompt; ``models[i]`` names prompt ``i``'s model
        (``None``, or a model this does not know: its decision stays as it is).
        """
        out = list(base)
        for name in dict.fromkeys(m for m in models if m is not None):
            known = self.resolve(name)
            if known is None:
                continue
            rows = [j for j, m in enumerate(models) if m == name]
            for j, decision in zip(
                rows, self.decide(X[rows], known, rules, [out[j] for j in rows]), strict=True
            ):
                out[j] = decision
        return out

    def to_dict(self) -> dict[str, Any]:
        """The known models and their prices, JSON-ready (the boosters are saved apart)."""
        return {
            "models": [lv.to_dict() for lv in self.models.values()],
            "prices": self.prices,
            "capabilities": self.capabilities,
            "spread": self.spread,
        }

    @classmethod
    def from_parts(
        cls, data: Mapping[str, Any], success: lightgbm.Booster, cost: lightgbm.Booster
    ) -> LevelModel:
        """Rebuild a fitted model from :meth:`to_dict` and its saved boosters."""
        from budgetrouter.levels import ModelLevels

        models = {d["model"]: ModelLevels.from_dict(d) for d in data["models"]}
        prices = {k: float(v) for k, v in data["prices"].items()}
        model = cls(models, prices, data.get("capabilities", {}))
        model.spread = {k: [float(x) for x in v] for k, v in data.get("spread", {}).items()}
        model.success_booster_, model.cost_booster_ = success, cost
        return model

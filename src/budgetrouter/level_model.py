"""Model-aware routing: each known model's levels placed on the prompt's demand scale.

Every prompt has one success-versus-budget curve on the hidden-reasoning scale (the share of
its success a budget keeps, :class:`~budgetrouter.curves.BudgetCurveModel`), learned from every
source. A known model's levels (:class:`~budgetrouter.levels.ModelLevels`) sit on that scale at
the reasoning each one actually buys: its measured median tokens at that level (thinking off
buys none). A level pays on a prompt when the curve at what it buys reaches the shared share
``share``; the decision is the lowest level that pays (the top level when none does). The
per-model part says only where a model's levels sit, so a model seen at levels on fact
questions alone still sends a competition problem to its top level and "2 + 3" to its lowest.
``share`` is one number for every model, calibrated at training time
(:mod:`budgetrouter.train.level_fit`) to keep the target share of each model's top-level
accuracy on held-out prompts, on average over the models.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_number
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.decision import Decision, TierRules
    from budgetrouter.levels import ModelLevels
    from budgetrouter.policy import TierPolicy


class LevelModel:
    """Where each known model's levels sit on the demand scale, and the share that pays.

    Parameters
    ----------
    models
        The known models' levels, by model name.
    buys
        By model, the median reasoning tokens of its runs at each level (0 for thinking off),
        lowest level first.
    share
        The share of a prompt's success (on its curve) a level must reach to pay, in [0, 1].
    upper
        By model, the ``upper_quantile`` of its runs' reasoning tokens at each level (the
        upper forecast of a decision's spend); ``NaN`` where not measured.
    capabilities
        By model, the provider capability rows that cover it (provider, control style, accepted
        efforts or budget range, source page), recorded beside the levels seen in training.

    Raises
    ------
    ConfigError
        If a model's ``buys`` do not match its levels, or ``share`` is not in [0, 1].
    """

    def __init__(
        self,
        models: Mapping[str, ModelLevels],
        buys: Mapping[str, Sequence[float]],
        share: float,
        upper: Mapping[str, Sequence[float]] | None = None,
        capabilities: Mapping[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.models = dict(sorted(models.items()))
        if not isinstance(buys, Mapping):
            raise ConfigError(f"buys must map each model to its levels' tokens, got {buys!r}")
        extra = sorted(set(buys) - set(self.models))
        if extra:
            raise ConfigError(f"buys name models that are not known: {extra}")
        self.buys = {}
        for name, levels in self.models.items():
            if name not in buys:
                raise ConfigError(f"{name}: need the tokens each of its levels buys")
            tokens = _tokens(f"{name}: the tokens each of its levels buys", buys[name], levels)
            if any(b < a for a, b in itertools.pairwise(tokens)):
                raise ConfigError(
                    f"{name}: a higher level must buy at least the tokens of a lower one, got "
                    f"{tokens}"
                )
            self.buys[name] = tokens
        if not is_number(share) or not 0.0 <= float(share) <= 1.0:
            raise ConfigError(f"share must be a number in [0, 1], got {share!r}")
        self.share = float(share)
        if upper is not None and not isinstance(upper, Mapping):
            raise ConfigError(f"upper must map known models to tokens per level, got {upper!r}")
        self.upper = {}
        for name, values in (upper or {}).items():
            if name not in self.models:
                raise ConfigError(f"upper names a model that is not known: {name!r}")
            self.upper[name] = _tokens(
                f"{name}: the upper tokens of its levels", values, self.models[name], nan_ok=True
            )
        if capabilities is not None and not isinstance(capabilities, Mapping):
            raise ConfigError(f"capabilities must map models to rows, got {capabilities!r}")
        self.capabilities = dict(capabilities or {})

    def knows(self, model: str) -> bool:
        """Whether ``model`` is one of the known models."""
        return model in self.models

    def shares(self, success: np.ndarray, grid: np.ndarray, model: str) -> np.ndarray:
        """Each prompt's curve read at what each of ``model``'s levels buys, ``(n, n_levels)``.

        Parameters
        ----------
        success
            The prompts' predicted success shares on ``grid``, shape ``(n, g)``.
        grid
            The budgets of ``success`` in tokens (``inf`` = no cap).
        model
            A known model.

        Raises
        ------
        ConfigError
            If the model is not known.
        """
        import numpy as np

        from budgetrouter.curves import share_at

        if model not in self.models:
            raise ConfigError(f"model {model!r} is not one of the known models {list(self.models)}")
        return share_at(success, grid, np.asarray(self.buys[model]))

    @staticmethod
    def choose(shares: np.ndarray, share: float) -> np.ndarray:
        """The lowest level whose share reaches ``share`` per row, else the top, ``(n,)``."""
        import numpy as np

        pays = shares >= share - 1e-12
        return np.where(pays.any(axis=1), pays.argmax(axis=1), shares.shape[1] - 1)

    def levels_for(self, success: np.ndarray, grid: np.ndarray, model: str) -> np.ndarray:
        """The chosen level of ``model`` for each prompt (arguments as :meth:`shares`)."""
        return self.choose(self.shares(success, grid, model), self.share)

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
        self,
        success: np.ndarray,
        grid: np.ndarray,
        model: str,
        rules: TierRules,
        base: Sequence[Decision],
    ) -> list[Decision]:
        """Model-aware decisions: the lowest level of ``model`` that pays on each prompt.

        Each decision is ``base`` (the model-agnostic decision of the same prompt, whose
        predictions it keeps) with the tier, budget and effort that ask the model for the
        chosen level (:meth:`~budgetrouter.levels.ModelLevels.decision_parts`), and the tokens
        that level buys as its expected spend.
        """
        levels = self.models[model]
        chosen = self.levels_for(success, grid, model)
        buys = self.buys[model]
        upper = self.upper.get(model, [math.nan] * len(buys))
        top = levels.top
        out = []
        for index, decision in zip(chosen, base, strict=True):
            tier, budget, effort = levels.decision_parts(int(index), rules)
            spend = max(upper[index], buys[index])
            if levels.control == "budget" and budget is not None:
                spend = min(spend, max(budget, buys[index]))  # a budget caps what a run spends
            out.append(
                replace(
                    decision,
                    tier=tier,
                    budget_tokens=budget,
                    effort=effort,
                    model=decision.model or model,
                    model_aware=True,
                    expected_tokens=round(buys[index]),
                    expected_tokens_top=round(buys[top]),
                    expected_tokens_upper=_whole(spend),
                    expected_tokens_top_upper=_whole(max(upper[top], buys[top])),
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
        success: np.ndarray,
        policy: TierPolicy,
        models: Sequence[str | None],
        base: Sequence[Decision],
    ) -> list[Decision]:
        """``base`` with each prompt named for a known model decided by :meth:`decide`.

        ``success`` (curves on ``policy``'s grid) and ``base`` have one row per prompt;
        ``models[i]`` names prompt ``i``'s model (``None``, or a model this does not know: its
        decision stays as it is); ``policy`` gives the grid and the tier rules.
        """
        import numpy as np

        grid, rules = np.asarray(policy.grid), policy.tiers
        out = list(base)
        for name in dict.fromkeys(m for m in models if m is not None):
            known = self.resolve(name)
            if known is None:
                continue
            rows = [j for j, m in enumerate(models) if m == name]
            decided = self.decide(success[rows], grid, known, rules, [out[j] for j in rows])
            for j, decision in zip(rows, decided, strict=True):
                out[j] = decision
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "models": [lv.to_dict() for lv in self.models.values()],
            "buys": self.buys,
            "share": self.share,
            "upper": {m: [None if math.isnan(x) else x for x in v] for m, v in self.upper.items()},
            "capabilities": self.capabilities,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelModel:
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        ConfigError
            If a field is missing or malformed (it is named).
        """
        from budgetrouter.levels import ModelLevels

        missing = [k for k in ("models", "buys", "share") if k not in data]
        if missing:
            raise ConfigError(f"the known models' record lacks {missing}")
        try:
            models = {d["model"]: ModelLevels.from_dict(d) for d in data["models"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"a known model's levels are malformed: {exc!r}") from exc
        upper = data.get("upper") or {}
        if not isinstance(upper, Mapping):
            raise ConfigError(f"upper must map known models to tokens per level, got {upper!r}")
        upper = {
            m: [math.nan if x is None else x for x in v] if isinstance(v, list) else v
            for m, v in upper.items()
        }
        return cls(models, data["buys"], data["share"], upper, data.get("capabilities"))


def _tokens(what: str, values: object, levels: ModelLevels, nan_ok: bool = False) -> list[float]:
    """One finite, non-negative token count per level (NaN allowed with ``nan_ok``)."""
    n = len(levels.levels)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or len(values) != n:
        raise ConfigError(f"{what}: need a list of {n} token counts, got {values!r}")
    out = []
    for x in values:
        ok = is_number(x) and float(x) >= 0
        if not ok and not (nan_ok and isinstance(x, float) and math.isnan(x)):
            raise ConfigError(f"{what}: need finite non-negative token counts, got {values!r}")
        out.append(float(x))
    return out


def _whole(value: float) -> int | None:
    """A token forecast as a whole number, ``None`` for ``NaN`` (not measured)."""
    return None if math.isnan(value) else round(value)

"""The runtime: :class:`Router` turns a prompt into a :class:`Decision`."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.config import RouterConfig
from budgetrouter.errors import BudgetRouterError, PromptError

if TYPE_CHECKING:
    import lightgbm
    import numpy as np

    from budgetrouter.embedders import Embedder
    from budgetrouter.model import BudgetCurveModel
    from budgetrouter.policy import TierPolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """How much a prompt should think.

    Attributes
    ----------
    tier
        ``"none"``, ``"short"`` or ``"long"``.
    budget_tokens
        Reasoning-token budget: 0 for none, ``None`` for no cap.
    predicted_tokens
        Median prediction of the reasoning tokens the prompt needs (``None`` on fallback).
    predicted_tokens_high
        Upper-quantile prediction of the same (``None`` on fallback).
    p_no_thinking
        Probability that the prompt is solved with no reasoning (``None`` on fallback).
    fallback
        True when the router could not route the prompt and returned its fallback tier.
    bundle_version
        Content digest of the bundle that decided.
    """

    tier: str
    budget_tokens: int | None
    predicted_tokens: int | None
    predicted_tokens_high: int | None
    p_no_thinking: float | None
    fallback: bool
    bundle_version: str

    def to_dict(self) -> dict[str, Any]:
        """The decision as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class RouterModels:
    """The fitted parts a router predicts with.

    Attributes
    ----------
    curves
        Success- and cost-versus-budget model.
    median, high
        Boosters of the median and upper quantile of ``log1p(needed tokens)``.
    no_thinking
        Booster of the probability that no reasoning is needed.
    projection_mean, projection_components
        Linear projection of the embedding (``(e - mean) @ components.T``).
    """

    curves: BudgetCurveModel
    median: lightgbm.Booster
    high: lightgbm.Booster
    no_thinking: lightgbm.Booster
    projection_mean: np.ndarray
    projection_components: np.ndarray


class Router:
    """Predicts the reasoning a prompt needs and picks its thinking tier.

    Build one with :meth:`load` (or :func:`budgetrouter.training.train_router`); the
    constructor is for those two.

    Parameters
    ----------
    embedder
        The prompt embedder the models were trained with.
    models
        The fitted models.
    policy
        The calibrated tier policy.
    manifest
        Bundle metadata (training config, metrics, data digest, …).
    config
        Run-time options (fail-safe fallback tier, batch size).
    version
        Content digest of the bundle.

    Notes
    -----
    ``route`` and ``route_batch`` are safe to call from several threads at once.
    """

    def __init__(
        self,
        embedder: Embedder,
        models: RouterModels,
        policy: TierPolicy,
        manifest: dict[str, Any],
        config: RouterConfig | None = None,
        version: str = "unsaved",
    ) -> None:
        self.embedder = embedder
        self.models = models
        self.policy = policy
        self.manifest = manifest
        self.config = config if config is not None else RouterConfig()
        self.version = version
        self._cache: OrderedDict[bytes, Decision] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path, config: RouterConfig | None = None) -> Router:
        """Load a bundle after checking its format version and every file's sha256.

        Parameters
        ----------
        path
            Bundle folder written by :meth:`save` or ``budgetrouter train``.
        config
            Run-time options; defaults to :class:`RouterConfig()`.

        Raises
        ------
        BundleError
            If the bundle is missing, incomplete, tampered with or too new.
        """
        import numpy as np

        from budgetrouter.bundle import load_bundle
        from budgetrouter.embedders import embedder_from_spec
        from budgetrouter.model import BudgetCurveModel
        from budgetrouter.policy import TierPolicy

        contents = load_bundle(path)
        m = contents.manifest
        policy = TierPolicy.from_dict(m["policy"])
        b = contents.boosters
        models = RouterModels(
            curves=BudgetCurveModel.from_boosters(np.array(policy.grid), b["success"], b["cost"]),
            median=b["median"],
            high=b["high"],
            no_thinking=b["no_thinking"],
            projection_mean=contents.arrays["projection.mean"],
            projection_components=contents.arrays["projection.components"],
        )
        embedder = embedder_from_spec(m["embedder"])
        return cls(embedder, models, policy, m, config=config, version=contents.version)

    def save(self, path: str | Path) -> str:
        """Write this router as a bundle folder; returns the new bundle version."""
        from budgetrouter.bundle import save_bundle

        manifest = {
            **self.manifest,
            "embedder": self.embedder.spec(),
            "policy": self.policy.to_dict(),
        }
        m = self.models
        with self._cache_lock:
            self._cache.clear()  # the new bundle may decide differently (new policy)
        self.version = save_bundle(
            path,
            manifest,
            {
                "success": m.curves.success_booster_,
                "cost": m.curves.cost_booster_,
                "median": m.median,
                "high": m.high,
                "no_thinking": m.no_thinking,
            },
            {"projection": {"mean": m.projection_mean, "components": m.projection_components}},
        )
        return self.version

    def features(self, prompts: Sequence[str]) -> np.ndarray:
        """The models' feature matrix for ``prompts`` (text features + projected embedding)."""
        from budgetrouter.features import build_features

        emb = self.embedder.encode(list(prompts), batch_size=self.config.batch_size)
        m = self.models
        projected = (emb - m.projection_mean) @ m.projection_components.T
        return build_features(prompts, projected)

    def route(self, prompt: str) -> Decision:
        """Pick the thinking tier and budget for one prompt.

        Parameters
        ----------
        prompt
            The user message, a non-empty string. Text beyond the embedder's window is used by
            the cheap text features but not by the embedding.

        Returns
        -------
        Decision

        Raises
        ------
        PromptError
            If ``prompt`` is empty or not a string and the router has no fallback tier.

        Examples
        --------
        >>> router = Router.load("models/default")  # doctest: +SKIP
        >>> router.route("What is 2 + 3?").tier  # doctest: +SKIP
        'none'
        """
        if self.config.cache_size and isinstance(prompt, str):
            key = _key(prompt)
            with self._cache_lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        return self.route_batch([prompt])[0]

    def route_batch(self, prompts: Sequence[str]) -> list[Decision]:
        """Route many prompts at once (one embedding pass per batch).

        Parameters
        ----------
        prompts
            A sequence of prompts (not a single string).

        Returns
        -------
        list of Decision
            One decision per prompt, in order.

        Raises
        ------
        PromptError
            On the first empty or non-string prompt when the router has no fallback tier.
        """
        if isinstance(prompts, str):
            raise PromptError("route_batch takes a sequence of prompts; use route() for one string")
        decisions: list[Decision | None] = [None] * len(prompts)
        valid: list[int] = []
        for i, prompt in enumerate(prompts):
            problem = _prompt_problem(prompt)
            if problem is None:
                valid.append(i)
            elif self.config.fallback_tier is None:
                where = f"prompt {i}" if len(prompts) > 1 else "prompt"
                raise PromptError(f"{where} {problem}; pass a non-empty string")
            else:
                decisions[i] = self._fallback(f"prompt {i} {problem}")
        size = self.config.cache_size
        if size and valid:
            keys = {i: _key(prompts[i]) for i in valid}
            with self._cache_lock:
                for i in valid:
                    decisions[i] = self._cache.get(keys[i])
            valid = [i for i in valid if decisions[i] is None]
        if valid:
            try:
                routed = self._predict([prompts[i] for i in valid])
            except (BudgetRouterError, ValueError, RuntimeError, OSError) as exc:
                if self.config.fallback_tier is None:
                    raise
                routed = [self._fallback(f"routing failed: {exc}") for _ in valid]
            for i, decision in zip(valid, routed, strict=True):
                decisions[i] = decision
            if size:
                with self._cache_lock:
                    for i, decision in zip(valid, routed, strict=True):
                        if not decision.fallback:
                            self._cache[keys[i]] = decision
                            self._cache.move_to_end(keys[i])
                    while len(self._cache) > size:
                        self._cache.popitem(last=False)
        return [d for d in decisions if d is not None]

    def predict_arrays(self, prompts: Sequence[str]) -> dict[str, np.ndarray]:
        """Raw predictions for valid prompts, as arrays (for evaluation).

        Returns
        -------
        dict
            ``median``, ``high``, ``p_no_thinking`` and ``budget`` (the budget a decision
            gives, ``inf`` for no cap) of shape ``(n,)``; ``success`` and ``cost`` curves on
            the policy's grid, shape ``(n, g)``.
        """
        import numpy as np

        from budgetrouter.model import booster_predict

        X = self.features(prompts)
        m = self.models
        median = np.maximum(np.expm1(booster_predict(m.median, X)), 0.0)
        success, cost = m.curves.predict(X)
        return {
            "median": median,
            "high": np.maximum(np.expm1(booster_predict(m.high, X)), median),
            "p_no_thinking": np.clip(booster_predict(m.no_thinking, X), 0.0, 1.0),
            "success": success,
            "cost": cost,
            "budget": self.policy.budgets(success, cost),
        }

    def _predict(self, prompts: list[str]) -> list[Decision]:
        arrays = self.predict_arrays(prompts)
        median, high, p_none = arrays["median"], arrays["high"], arrays["p_no_thinking"]
        budgets = arrays["budget"]
        out = []
        for j in range(len(prompts)):
            tier = self.policy.tier(float(budgets[j]))
            out.append(
                Decision(
                    tier=tier.name,
                    budget_tokens=tier.budget_tokens,
                    predicted_tokens=round(median[j]),
                    predicted_tokens_high=round(high[j]),
                    p_no_thinking=round(float(p_none[j]), 4),
                    fallback=False,
                    bundle_version=self.version,
                )
            )
        return out

    def _fallback(self, why: str) -> Decision:
        name = self.config.fallback_tier
        assert name is not None  # callers check
        budget = {"none": 0, "short": self.policy.short_max_tokens}.get(
            name, self.policy.long_cap_tokens
        )
        logger.warning("returning fallback tier %r: %s", name, why)
        return Decision(
            tier=name,
            budget_tokens=budget,
            predicted_tokens=None,
            predicted_tokens_high=None,
            p_no_thinking=None,
            fallback=True,
            bundle_version=self.version,
        )


def _key(prompt: str) -> bytes:
    return hashlib.blake2b(prompt.encode("utf-8"), digest_size=16).digest()


def _prompt_problem(prompt: object) -> str | None:
    if not isinstance(prompt, str):
        return f"must be a string, got {type(prompt).__name__}"
    if not prompt.strip():
        return "is empty"
    return None

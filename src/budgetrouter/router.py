"""The runtime: :class:`Router` turns a prompt into a :class:`Decision`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.cache import DecisionCache
from budgetrouter.config import RouterConfig
from budgetrouter.decision import Decision
from budgetrouter.errors import BudgetRouterError, PromptError
from budgetrouter.inputs import cache_key, check_model, model_names, prompt_problem, warn_unknown

__all__ = ["Router", "prompt_problem"]

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.embedders import Embedder
    from budgetrouter.level_model import LevelModel
    from budgetrouter.model import Predictions, RouterModels
    from budgetrouter.policy import TierPolicy

logger = logging.getLogger(__name__)


class Router:
    """Predicts the reasoning a prompt needs and picks its thinking tier.

    Build one with :meth:`load` (or :func:`budgetrouter.train.train_router`); the
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
    levels
        Model-aware routing for the models the bundle knows (``None``: model-agnostic only).

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
        levels: LevelModel | None = None,
    ) -> None:
        self.embedder = embedder
        self.levels = levels
        self.models = models
        self.policy = policy
        self.manifest = manifest
        self.config = RouterConfig.given(config)
        self.version = version
        self.path: Path | None = None  # the bundle folder it was loaded from or saved to
        self._cache = DecisionCache(self.config.cache_size)
        self._warned: set[str] = set()

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
        ConfigError
            If ``config`` is not a :class:`RouterConfig` instance.
        """
        from budgetrouter.bundle_load import load_bundle

        config = RouterConfig.given(config)  # refused before the bundle is read
        contents = load_bundle(path)
        router = cls(
            contents.embedder,
            contents.models,
            contents.policy,
            contents.manifest,
            config=config,
            version=contents.version,
            levels=contents.levels,
        )
        router.path = Path(path)
        return router

    @classmethod
    def default(cls, config: RouterConfig | None = None) -> Router:
        """The pretrained default router shipped in the package (no training, no download).

        Trained by ``make default-bundle`` on the six bundled sources with the
        ``minilm-static-64`` embedder; its manifest records the data, settings and held-out
        figures. Loads in about 0.3 s.
        """
        from budgetrouter.bundle_load import default_bundle_path

        return cls.load(default_bundle_path(), config)

    def save(self, path: str | Path) -> str:
        """Write this router as a bundle folder; returns the new bundle version."""
        from budgetrouter.bundle import save_bundle

        self.version = save_bundle(
            path, self.embedder, self.models, self.policy, self.manifest, self.levels
        )
        self.path = Path(path)
        return self.version

    def set_policy(self, policy: TierPolicy, manifest: dict[str, Any] | None = None) -> None:
        """Route with a new policy (and manifest) from now on; cached decisions are dropped.

        The router's version becomes ``"unsaved"`` until :meth:`save` writes the new bundle.
        """
        with self._cache.lock:
            self.policy = policy
            if manifest is not None:
                self.manifest = manifest
            self.version = "unsaved"
            self._cache.clear()

    def features(self, prompts: Sequence[str]) -> np.ndarray:
        """The models' feature matrix for ``prompts`` (text features + projected embedding)."""
        from budgetrouter.features import prompt_features

        emb = self.embedder.encode(list(prompts), batch_size=self.config.batch_size)
        return prompt_features(prompts, emb, self.models.projection)

    def predict(self, prompts: Sequence[str]) -> Predictions:
        """Raw predictions for valid prompts, as arrays (for evaluation and calibration)."""
        return self.models.predict(self.features(prompts), self.policy)

    def escalate(self, decision: Decision) -> Decision | None:
        """The next tier up for a run cut off while thinking, or ``None`` at the top.

        Follows this bundle's tier thresholds (see :meth:`TierRules.escalate
        <budgetrouter.decision.TierRules.escalate>`). A model-aware decision moves up the
        model's own levels (the next effort level, the next budget), ``None`` at its top.
        """
        up = self.policy.tiers.escalate(decision)  # refuses what is not a Decision
        known = self.levels.resolve(decision.model) if self.levels and decision.model else None
        if decision.model_aware and known is not None and self.levels is not None:
            return self.levels.escalate(decision, known, self.policy.tiers)
        return up and replace(up, effort=None, expected_tokens=None, expected_tokens_upper=None)

    @property
    def known_models(self) -> list[str]:
        """The models this bundle routes for on their own levels (model-aware)."""
        return list(self.levels.models) if self.levels is not None else []

    def knows_model(self, model: str) -> bool:
        """Whether ``model`` gets model-aware decisions (matched as in :meth:`route`).

        Raises
        ------
        ConfigError
            If ``model`` is not a non-empty string.
        """
        check_model(model)
        return self.levels is not None and self.levels.resolve(model) is not None

    def route(self, prompt: str, model: str | None = None) -> Decision:
        """Pick the thinking tier and budget for one prompt.

        Parameters
        ----------
        prompt
            The user message, a non-empty string. Text beyond the embedder's window is used by
            the cheap text features but not by the embedding.
        model
            The model that will be called (``"o4-mini"``). A model the bundle knows
            (:attr:`known_models`) gets a decision calibrated for it, in its own control (a
            budget, ``Decision.effort``, or thinking on/off); another model gets the
            model-agnostic decision with ``model_aware=False`` and a warning in the log (an
            error with ``RouterConfig(strict_model=True)``). ``None``: model-agnostic.

        Returns
        -------
        Decision

        Raises
        ------
        PromptError
            If ``prompt`` is empty or not a string and the router has no fallback tier.
        ConfigError
            If ``model`` is not a non-empty string, or is unknown with ``strict_model``.

        Examples
        --------
        >>> router = Router.default()  # doctest: +SKIP
        >>> router.route("What is 2 + 3?", model="o4-mini").effort  # doctest: +SKIP
        'low'
        """
        if model is not None:
            check_model(model)
        if self.config.cache_size and prompt_problem(prompt) is None:
            hit = self._cache.get(cache_key(prompt, model))
            if hit is not None:
                return hit
        return self.route_batch([prompt], model=model)[0]

    def route_batch(
        self, prompts: Sequence[str], model: str | Sequence[str | None] | None = None
    ) -> list[Decision]:
        """Route many prompts at once (one embedding pass per batch).

        Parameters
        ----------
        prompts
            A sequence of prompts (not a single string).
        model
            The model every prompt is for, or one model (or ``None``) per prompt; see
            :meth:`route`.

        Returns
        -------
        list of Decision
            One decision per prompt, in order.

        Raises
        ------
        PromptError
            On the first empty or non-string prompt when the router has no fallback tier.
        ConfigError
            If a model name is not a non-empty string, or is unknown with ``strict_model``.
        """
        if isinstance(prompts, str | bytes):
            raise PromptError("route_batch takes a sequence of prompts; use route() for one string")
        try:
            prompts = list(prompts)  # positions, not the labels of a Series
        except TypeError as exc:
            raise PromptError(
                f"route_batch takes a sequence of prompts, got {type(prompts).__name__}"
            ) from exc
        models = self._models_for(len(prompts), model)
        decisions: list[Decision | None] = [None] * len(prompts)
        valid: list[int] = []
        for i, prompt in enumerate(prompts):
            problem = prompt_problem(prompt)
            if problem is None:
                valid.append(i)
            elif self.config.fallback_tier is None:
                where = f"prompt {i}" if len(prompts) > 1 else "prompt"
                raise PromptError(f"{where} {problem}")
            else:
                decisions[i] = self._fallback(f"prompt {i} {problem}")
        size = self.config.cache_size
        if size and valid:
            keys = {i: cache_key(prompts[i], models[i]) for i in valid}
            for i in valid:
                decisions[i] = self._cache.get(keys[i])
            valid = [i for i in valid if decisions[i] is None]
        if valid:
            policy = self.policy
            try:
                routed = self._predict([prompts[i] for i in valid], [models[i] for i in valid])
            except (BudgetRouterError, ValueError, RuntimeError, OSError) as exc:
                if self.config.fallback_tier is None:
                    raise
                routed = [self._fallback(f"routing failed: {exc}") for _ in valid]
            for i, decision in zip(valid, routed, strict=True):
                decisions[i] = decision
            if size:
                with self._cache.lock:
                    # Not decisions made under a policy replaced meanwhile (set_policy).
                    if self.policy is policy:
                        fresh = zip(valid, routed, strict=True)
                        self._cache.put((keys[i], d) for i, d in fresh if not d.fallback)
        return [d for d in decisions if d is not None]

    def _models_for(self, n: int, model: str | Sequence[str | None] | None) -> list[str | None]:
        """One model name (or ``None``) per prompt, checked; unknown ones warned or refused."""
        models = model_names(n, model)
        unknown = [m for m in dict.fromkeys(models) if m is not None and not self.knows_model(m)]
        warn_unknown(unknown, self.known_models, self.config.strict_model, self._warned)
        return models

    def _predict(self, prompts: list[str], models: list[str | None]) -> list[Decision]:
        X = self.features(prompts)
        pred = self.models.predict(X, self.policy)
        out = pred.decisions(self.policy, self.version, models)
        if self.levels is not None:
            out = self.levels.decide_all(pred.success, self.policy, models, out)
        return out

    def _fallback(self, why: str) -> Decision:
        name = self.config.fallback_tier
        assert name is not None  # callers check
        logger.warning("returning fallback tier %r: %s", name, why)
        return self.policy.tiers.fallback(name, self.version)

"""Exploration: a share of routed calls sent at a level drawn at random, with its propensity.

A log of routed calls shows only the level the router chose, so it cannot tell whether another
level would have done as well. With ``explore=ε`` a routed call is, with probability ``ε``,
sent at a level drawn uniformly among the model's own levels (as the provider receives them,
never above the caller's output limit); every routed row then records the level sent, the level
routed and the probability with which the level sent was chosen (its propensity,
``(1 - ε) · [sent == routed] + ε / K`` over ``K`` levels), which off-policy evaluation
(:mod:`budgetrouter.train.offpolicy`) weighs rows by. Calls whose thinking the caller set are never
explored; with ``ε = 0`` nothing here runs.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError
from budgetrouter.providers import request_params

if TYPE_CHECKING:
    from budgetrouter.decision import Decision
    from budgetrouter.providers import RequestParams
    from budgetrouter.router import Router

#: Tiers a model-agnostic decision can take, lowest first.
TIERS = ("none", "short", "long")


def check_share(name: str, value: Any) -> float:
    """``value`` as a share in [0, 1]; a ``ConfigError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a share of calls in [0, 1], got {value!r}")
    return float(value)


def level_key(params: RequestParams) -> tuple[Any, Any]:
    """What a request sends, as a comparable key: ``(budget, effort)``."""
    return params.level.get("budget"), params.level.get("effort")


def sent_limit(params: Mapping[str, Any]) -> int | None:
    """The output-token limit request parameters send (whatever the API calls it), or ``None``."""
    config = params.get("config")
    values = [params.get(k) for k in ("max_tokens", "max_completion_tokens", "max_output_tokens")]
    values.append(config.get("max_output_tokens") if isinstance(config, Mapping) else None)
    return next((int(v) for v in values if isinstance(v, int) and not isinstance(v, bool)), None)


def candidate_decisions(router: Router, decision: Decision, model: str) -> list[Decision]:
    """One decision per level of ``model``, lowest first, with ``decision``'s predictions.

    The model's own levels when the router knows it, else the tiers none, short and long.
    """
    known = router.levels.resolve(model) if router.levels is not None else None
    rules = router.policy.tiers
    out = []
    if known is not None and router.levels is not None:
        levels = router.levels.models[known]
        for index in range(len(levels.levels)):
            tier, budget, effort = levels.decision_parts(index, rules)
            out.append(replace(decision, tier=tier, budget_tokens=budget, effort=effort))
    else:
        for tier in TIERS:
            out.append(replace(decision, tier=tier, budget_tokens=rules.budget(tier), effort=None))
    return [replace(d, expected_tokens=None, expected_tokens_upper=None) for d in out]


class Explorer:
    """Draws the level a routed call is sent at.

    Parameters
    ----------
    share
        The share of routed calls sent at a level drawn at random (0: none; 1: all).
    seed
        Seed of the draws (``None``: from the operating system).

    Notes
    -----
    Thread-safe: draws are made under a lock.
    """

    def __init__(self, share: float, seed: int | None = None) -> None:
        self.share = check_share("explore", share)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigError(f"explore_seed must be an integer or None, got {seed!r}")
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def choose(
        self,
        router: Router,
        decision: Decision,
        params: RequestParams,
        provider: str,
        model: str,
        call: Mapping[str, Any],
        max_tokens: Any,
    ) -> tuple[Decision, RequestParams, dict[str, Any]]:
        """The decision and parameters to send, and the row's exploration fields.

        Parameters
        ----------
        router, decision, params
            The router, its decision for the call and the parameters routing gave it.
        provider, model, call, max_tokens
            As :func:`budgetrouter.providers.request_params` takes them.

        Returns
        -------
        tuple
            The decision and parameters sent (the routed ones, or a drawn level's), and
            ``explored``, ``propensity``, ``routed_tier``, ``routed_budget``,
            ``routed_effort`` and ``caller_max_tokens`` (the caller's output limit, which
            shaped the levels) for the outcome row.
        """
        options = self.options(router, decision, params, provider, model, call, max_tokens)
        routed = level_key(params)
        with self._lock:
            explored = self._rng.random() < self.share
            pick = self._rng.randrange(len(options)) if explored else None
        sent_decision, sent = (decision, params) if pick is None else options[pick]
        same = level_key(sent) == routed
        propensity = (1 - self.share) * same + self.share / len(options)
        row = {
            "explored": explored,
            "propensity": round(propensity, 6),
            "routed_tier": decision.tier,
            "routed_budget": params.level.get("budget"),
            "routed_effort": params.level.get("effort"),
            "caller_max_tokens": int(max_tokens) if isinstance(max_tokens, int) else None,
        }
        return sent_decision, sent, row

    @staticmethod
    def options(
        router: Router,
        decision: Decision,
        params: RequestParams,
        provider: str,
        model: str,
        call: Mapping[str, Any],
        max_tokens: Any,
    ) -> list[tuple[Decision, RequestParams]]:
        """The distinct levels a call can be sent at, lowest first (the routed one included).

        Each level is sent as :func:`~budgetrouter.providers.request_params` builds it for the
        caller's request (clamped to the caller's output limit, a level the request allows);
        levels that send the same thing count once, and a level the request rules out, or whose
        parameters would raise the caller's output limit, is left out.
        """
        out: dict[tuple[Any, Any], tuple[Decision, RequestParams]] = {}
        cap = int(max_tokens) if isinstance(max_tokens, int) and max_tokens > 0 else None
        for candidate in candidate_decisions(router, decision, model):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # clamps are noted on the parameters
                    sent = request_params(candidate, provider, model, max_tokens, call=call)
            except ConfigError:
                continue
            limit = sent_limit(sent)
            if cap is not None and limit is not None and limit > cap:
                continue  # a level that would raise the caller's own limit
            out.setdefault(level_key(sent), (candidate, sent))
        out.setdefault(level_key(params), (decision, params))
        return list(out.values())

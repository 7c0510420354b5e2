"""A LiteLLM callback: each chat request routed, its thinking set, its outcome logged.

:class:`BudgetRouterCallback` is a LiteLLM ``CustomLogger``. Before a request it routes the last
user message for the model called and sets ``reasoning_effort`` / ``thinking`` (and
``max_tokens``) from the decision, unless the caller set their own thinking; after a success it
appends the outcome to an :class:`~budgetrouter.outcomes.OutcomeLog`. The decision travels from
the one hook to the other in the request's LiteLLM metadata (plain JSON, under
:data:`~budgetrouter.integrations.litellm_request.METADATA_KEY`), never in a global.

Which LiteLLM hook sets the parameters (litellm 1.110):

- ``litellm.acompletion`` and ``litellm.Router``'s async calls: ``async_pre_call_deployment_hook``.
  LiteLLM's ``client`` decorator (``litellm/utils.py``, ``wrapper_async``) awaits it for every
  async call of every callback in ``litellm.callbacks``; the kwargs it returns are the call's.
- The LiteLLM proxy: ``async_pre_call_hook`` (proxy only), then the deployment hook above, which
  leaves a request the pre-call hook routed alone.
- ``litellm.completion`` (sync) runs no hook that may change the request (its prompt-management
  hook runs only for ``CustomPromptManagement`` loggers given a ``prompt_id``), so sync calls go
  through :func:`completion`, which applies the registered callback, then calls LiteLLM.

Importing this module imports LiteLLM, which fetches its model cost map from GitHub unless
``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set in the environment first (offline machines).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.clients.core import route_call
from budgetrouter.clients.explore import Explorer
from budgetrouter.clients.failures import FAIL_OPEN, Warnings
from budgetrouter.clients.kwargs import first_max_tokens, merger, user_text
from budgetrouter.errors import ConfigError
from budgetrouter.integrations.litellm_outcomes import LiteLLMOutcomes
from budgetrouter.integrations.litellm_request import (
    CHAT_STREAMS,
    THINKING,
    digest,
    include_usage,
    litellm_params,
    plan_of,
    provider_of,
    with_plan,
)

if TYPE_CHECKING:
    from budgetrouter.outcomes import OutcomeLog
    from budgetrouter.router import Router

_CustomLogger: Any = require(
    "litellm.integrations.custom_logger", "litellm", "budgetrouter.integrations.litellm"
).CustomLogger

__all__ = ["BudgetRouterCallback", "completion"]

logger = logging.getLogger(__name__)

_CALL_TYPES = ("completion", "acompletion")
_max_tokens = first_max_tokens(("max_completion_tokens",), ("max_tokens",))
_apply = merger(("max_completion_tokens", "max_tokens"))


class BudgetRouterCallback(_CustomLogger):
    """A LiteLLM callback that routes each chat request and logs what it cost.

    Register it with ``litellm.callbacks = [BudgetRouterCallback(router, log)]`` (SDK) or a
    proxy ``config.yaml`` entry ``litellm_settings: callbacks: module.instance``. Async calls
    (``litellm.acompletion``, ``litellm.Router``, the proxy) are routed by its hooks; sync
    ``litellm.completion`` has no hook that may change a request: call :func:`completion`.
    Pass ``model`` and ``messages`` as keywords.

    Parameters
    ----------
    router
        The router that decides (``Router.load(path)``).
    log
        Where each routed call's outcome is appended (one row per successful call); ``None``
        routes without logging.
    strict
        Raise budgetrouter's errors (a model or prompt it cannot route, parameters it cannot
        build, a response it cannot log) instead of logging a warning and sending the request
        with the caller's own parameters. LiteLLM catches and logs what a success hook raises.
    explore, explore_seed
        The share of routed calls sent at a level drawn at random, and the draws' seed, as
        :func:`budgetrouter.wrap` takes them (rows then carry ``propensity`` and the routed
        level); 0: off.

    Raises
    ------
    ConfigError
        For a router that is not a :class:`~budgetrouter.Router`, a log that is not an
        :class:`~budgetrouter.outcomes.OutcomeLog`, or an ``explore`` outside [0, 1].

    Notes
    -----
    The outcome row carries ``thinking_set_by``: ``"router"``, or ``"caller"`` when the caller
    set ``reasoning_effort``, ``thinking``, ``output_config.effort`` or ``reasoning`` (left as
    they are; the row then holds the caller's level). A call answered by a model of other rules
    than the routed one's (a fallback to another family) is not logged; a snapshot of the routed
    model (a proxy ``model_name`` for a dated deployment) is, as the routed model.
    """

    def __init__(
        self,
        router: Router,
        log: OutcomeLog | None = None,
        *,
        strict: bool = False,
        explore: float = 0.0,
        explore_seed: int | None = None,
    ) -> None:
        from budgetrouter.outcomes import OutcomeLog
        from budgetrouter.router import Router

        if not isinstance(router, Router):
            raise ConfigError(
                f"router must be a budgetrouter Router (Router.load(path)), got "
                f"{type(router).__name__}"
            )
        if log is not None and not isinstance(log, OutcomeLog):
            raise ConfigError(f"log must be an OutcomeLog or None, got {type(log).__name__}")
        super().__init__()
        self.router = router
        self.log = log
        self.strict = bool(strict)
        self._warnings = Warnings(self.strict, logger)
        self._outcomes = None if log is None else LiteLLMOutcomes(log, self._warnings)
        explorer = Explorer(explore, explore_seed)
        self._explorer = explorer if explorer.share > 0 else None

    def apply(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """A chat call's LiteLLM arguments with the decision's thinking parameters set.

        Parameters
        ----------
        kwargs
            The keyword arguments of ``litellm.completion`` / ``acompletion`` (``model``,
            ``messages``, ...), or a proxy request body.

        Returns
        -------
        dict
            A new dict: the decision's parameters merged in (the caller's own thinking
            parameters left as they are), and the routing in ``metadata[METADATA_KEY]``. A
            call routed already (by the proxy's pre-call hook) is returned as it is; on an
            error, the caller's arguments (with the failure noted in the metadata).

        Raises
        ------
        BudgetRouterError
            With ``strict=True``, what routing or building the parameters raised.
        """
        return self._plan(kwargs, deferred=False)

    def _plan(self, kwargs: Mapping[str, Any], *, deferred: bool) -> dict[str, Any]:
        """:meth:`apply`; ``deferred``: a failure is left to the deployment hook to report."""
        done = plan_of(kwargs)
        if done is not None and done["thinking_set_by"] is not None:
            return dict(kwargs)  # routed already (a proxy request at its deployment)
        model = kwargs.get("model")
        try:
            provider, name = provider_of(model, kwargs.get("custom_llm_provider"))
        except FAIL_OPEN as err:
            return self._failed(kwargs, str(model), "", err, deferred)
        prompt = ""
        try:
            prompt = user_text(kwargs.get("messages"))
            decision, params, row = route_call(
                self.router, prompt, name, provider, kwargs, THINKING, _max_tokens(kwargs),
                self._explorer,
            )  # fmt: skip
            out = (
                dict(kwargs) if params is None else _apply(kwargs, litellm_params(params, provider))
            )
        except FAIL_OPEN as err:
            return self._failed(kwargs, name, prompt, err, deferred)
        if self.log is not None and provider in CHAT_STREAMS and out.get("stream") is True:
            out = include_usage(out)
        plan = {
            "model": name, "provider": provider, "thinking_set_by": row["thinking_set_by"],
            "decision": decision.to_dict(), "prompt_sha1": digest(prompt), "row": row,
        }  # fmt: skip
        return with_plan(out, plan)

    def _failed(
        self,
        kwargs: Mapping[str, Any],
        model: str,
        prompt: str,
        err: Exception,
        deferred: bool,
    ) -> dict[str, Any]:
        if deferred:  # the proxy routes the request again at its deployment
            logger.debug("budgetrouter: %s: left to the deployment: %s", model, err)
        else:
            self._fail(f"{model}: sent with the caller's own parameters, not logged", err)
        plan: dict[str, Any] = {
            "model": model, "provider": None, "thinking_set_by": None, "decision": None,
            "prompt_sha1": digest(prompt), "row": {},
        }  # fmt: skip
        return with_plan(kwargs, plan)

    async def async_pre_call_deployment_hook(
        self, kwargs: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        """LiteLLM's hook before an async call (``acompletion``) is sent: route and set thinking.

        Returns
        -------
        dict or None
            The call's arguments (:meth:`apply`); ``None`` for a call that is not a chat
            completion (LiteLLM then sends it unchanged).
        """
        if getattr(call_type, "value", call_type) not in _CALL_TYPES:
            return None
        return self.apply(kwargs)

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        """The LiteLLM proxy's hook before a request is routed to a deployment.

        Routes a chat request for its ``model`` (the proxy's ``model_name``). A request it
        cannot route here (a ``model_name`` that is an alias) is routed again, with the
        deployment's model, by :meth:`async_pre_call_deployment_hook`, which reports (or, with
        ``strict=True``, raises) a failure there.

        Returns
        -------
        dict or None
            The request body (:meth:`apply`); ``None`` for other call types.
        """
        if getattr(call_type, "value", call_type) not in _CALL_TYPES:
            return None
        return self._plan(data, deferred=True)

    def log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM's sync success hook: append the call's outcome to the log."""
        self._record(kwargs, response_obj)

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM's async success hook: append the call's outcome to the log."""
        self._record(kwargs, response_obj)

    def _record(self, kwargs: Mapping[str, Any], response: Any) -> None:
        params = kwargs.get("litellm_params") or {}
        if plan_of(params) is None:
            if kwargs.get("call_type") == "completion" and not params.get("acompletion"):
                self._fail(
                    "litellm.completion (sync) was not routed: it runs no hook that can set "
                    "request parameters; call budgetrouter.integrations.litellm.completion",
                    None,
                )
            return
        if self._outcomes is not None:
            self._outcomes.record(kwargs, response)

    def _fail(self, what: str, err: Exception | None) -> None:
        """Raise ``err`` (``strict=True``), or warn that ``what`` happened (once, then debug)."""
        self._warnings.fail(what, err)


def completion(model: str, messages: list[Any], **kwargs: Any) -> Any:
    """``litellm.completion`` routed by the :class:`BudgetRouterCallback` in ``litellm.callbacks``.

    LiteLLM's sync ``completion`` runs no callback hook that may change the request, so this
    applies the callback (:meth:`BudgetRouterCallback.apply`) first; the callback's success
    hook then logs the outcome as for async calls.

    Parameters
    ----------
    model, messages, **kwargs
        ``litellm.completion``'s arguments.

    Returns
    -------
    Any
        What ``litellm.completion`` returns (a ``ModelResponse``, or a stream).

    Raises
    ------
    ConfigError
        When ``litellm.callbacks`` holds no :class:`BudgetRouterCallback`, or more than one.
    BudgetRouterError
        With the callback's ``strict=True``, what routing raised.
    """
    litellm = require("litellm", "litellm", "budgetrouter.integrations.litellm")
    mine = [c for c in litellm.callbacks if isinstance(c, BudgetRouterCallback)]
    if len(mine) != 1:
        raise ConfigError(
            f"litellm.callbacks holds {len(mine)} BudgetRouterCallback(s); register exactly "
            "one: litellm.callbacks = [BudgetRouterCallback(router, log)]"
        )
    return litellm.completion(**mine[0].apply({"model": model, "messages": messages, **kwargs}))

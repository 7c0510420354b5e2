"""The call plan of a wrapped request, independent of the provider.

A :class:`Planner` holds a router, an outcome log and an :class:`~budgetrouter.clients.api.Api`
(where one SDK method keeps the prompt, the model, the output limit and the caller's own
thinking parameters), and does the rest in three steps: :meth:`Planner.plan` (route the prompt,
build the thinking parameters unless the caller set their own, fail open),
:meth:`Planner.finish` (read the usage, write the outcome row, remember the decision for
:func:`~budgetrouter.clients.decisions.decision_of`) and :meth:`Planner.escalation` (the retry
of a run cut off while thinking).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from budgetrouter.clients.api import Api, Observer, Plan
from budgetrouter.clients.failures import FAIL_OPEN, LOG_ERRORS, Warnings
from budgetrouter.clients.kwargs import at, caller_level, materialized
from budgetrouter.errors import ConfigError, PromptError
from budgetrouter.providers import reasoning_usage, request_params

if TYPE_CHECKING:
    from budgetrouter.clients.explore import Explorer
    from budgetrouter.clients.shadow import Shadow
    from budgetrouter.decision import Decision
    from budgetrouter.outcomes import OutcomeLog
    from budgetrouter.providers import RequestParams, Usage
    from budgetrouter.router import Router

logger = logging.getLogger(__name__)

__all__ = ["FAIL_OPEN", "LOG_ERRORS", "Api", "Observer", "Plan", "Planner"]


def route_call(
    router: Router,
    prompt: str,
    model: str,
    provider: str,
    call: Mapping[str, Any],
    thinking: tuple[tuple[str, ...], ...],
    max_tokens: Any,
    explorer: Explorer | None = None,
) -> tuple[Decision, RequestParams | None, dict[str, Any]]:
    """Route a call's prompt for its model, and build its thinking unless the caller set theirs.

    Parameters
    ----------
    router
        The router that decides.
    prompt, model
        The call's last user text and the model it names.
    provider
        The provider of :func:`~budgetrouter.providers.request_params`.
    call
        The call's own arguments, searched at the ``thinking`` paths for the caller's own
        thinking parameters, and read for what else limits the thinking the provider accepts
        (``request_params(..., call=...)``).
    thinking
        Where the caller's thinking parameters sit in ``call`` (paths of keys).
    max_tokens
        The caller's output-token limit, or ``None``.
    explorer
        Draws the level a routed call is sent at (``None``: the routed level).

    Returns
    -------
    tuple
        The decision; the request parameters (``None`` when the caller set their own: the
        caller wins); and the outcome row's fields (``thinking_set_by`` and the level the run
        is given: the decision's parameters, or the caller's; with an explorer, its fields).

    Raises
    ------
    PromptError
        For a call with no user text; and whatever routing or the parameters raise.
    ConfigError
        When the call's own arguments rule the decision's thinking out: the caller's call goes
        out as written.
    """
    if not prompt.strip():
        raise PromptError("the call holds no user message with text; nothing to route")
    decision = router.route(prompt, model=model)
    mine = [v for path in thinking if (v := at(call, path)) is not None]
    if mine:
        return decision, None, {"thinking_set_by": "caller", **caller_level(mine)}
    params = request_params(decision, provider, model, max_tokens=max_tokens, call=call)
    row: dict[str, Any] = {"thinking_set_by": "router"}
    if explorer is not None:
        decision, params, explored = explorer.choose(
            router, decision, params, provider, model, call, max_tokens
        )
        row.update(explored)
    return decision, params, {**row, **params.level}


class Planner:
    """Route, set thinking, record and escalate the requests of one SDK method.

    Parameters
    ----------
    router
        The router that decides.
    log
        Where outcomes are appended; ``None`` logs nothing (requests are still routed).
    api
        The SDK method's shape.
    escalate
        Retry once, one tier up, a run cut off while thinking (not streams).
    strict
        Raise budgetrouter's errors (routing, parameters, usage, the log) instead of logging
        a warning and going on with the caller's own parameters or response.
    explorer
        Sends a share of routed calls at a level drawn at random and gives their rows the
        propensity fields (:class:`~budgetrouter.clients.explore.Explorer`); ``None`` or a
        share of 0: every call at its routed level, rows as without it.
    shadow
        Sends a share of routed calls again at the model's top level, off the caller's path,
        and labels their rows by agreement (:class:`~budgetrouter.clients.shadow.Shadow`).

    Notes
    -----
    Thread-safe: the router and the log are, and a planner keeps no per-call state.
    """

    def __init__(
        self,
        router: Router,
        log: OutcomeLog | None,
        api: Api,
        *,
        escalate: bool = True,
        strict: bool = False,
        explorer: Explorer | None = None,
        shadow: Shadow | None = None,
    ) -> None:
        self.router = router
        self.log = log
        self.api = api
        self.escalate = escalate
        self.strict = strict
        self.explorer = explorer if explorer is not None and explorer.share > 0 else None
        self.shadow = shadow if shadow is not None and shadow.share > 0 else None
        self._warnings = Warnings(strict, logger)

    def plan(self, kwargs: Mapping[str, Any], *, stream: bool = False) -> Plan:
        """The request to send for the caller's keyword arguments.

        Parameters
        ----------
        kwargs
            The caller's keyword arguments of the SDK method.
        stream
            The call streams: with a log, it is made to report usage (Chat Completions'
            ``stream_options.include_usage``).

        Returns
        -------
        Plan
            With the decision's thinking parameters applied; unchanged arguments (and
            ``thinking_set_by="caller"``) when the caller set thinking; unchanged arguments and
            no decision when routing or the parameters fail.

        Raises
        ------
        BudgetRouterError
            With ``strict=True``, whatever routing or building the parameters raised.
        """
        original = materialized(kwargs, self.api.inputs)
        try:
            prompt, model = self.api.prompt(original), self.api.model(original)
            if not isinstance(model, str) or not model.strip():
                raise ConfigError(f"the call names no model (got {model!r}); nothing to route for")
            limit = self.api.max_tokens(original)
            decision, params, row = route_call(
                self.router, prompt, model, self.api.provider, original, self.api.thinking, limit,
                self.explorer,
            )  # fmt: skip
            kwargs = dict(original) if params is None else self.api.apply(original, params)
            by = row["thinking_set_by"]
            row["escalated_from"] = None
            plan = Plan(kwargs, original, decision, by, prompt, model, None, row)
        except FAIL_OPEN as err:
            self.fail(f"{self.api.name}: sent with the caller's own parameters, not logged", err)
            return Plan(original, original)
        if stream and self.log is not None:
            return replace(plan, kwargs=self.api.stream_usage(dict(plan.kwargs)))
        return plan

    def _routed(
        self,
        original: dict[str, Any],
        decision: Decision,
        prompt: str,
        model: str,
        escalated_from: Decision | None,
    ) -> Plan:
        limit = self.api.max_tokens(original)
        params = request_params(decision, self.api.provider, model, max_tokens=limit, call=original)
        row = {
            "thinking_set_by": "router",
            "escalated_from": None if escalated_from is None else escalated_from.tier,
            **params.level,  # what was sent, not the decision's nominal budget
        }
        kwargs = self.api.apply(original, params)
        return Plan(kwargs, original, decision, "router", prompt, model, escalated_from, row)

    def finish(
        self, plan: Plan, response: Any, *, result: Any = None, write: bool = True
    ) -> Usage | None:
        """Read a response's usage, write its outcome row and remember its decision.

        Parameters
        ----------
        plan
            The request's plan.
        response
            The SDK's response returned to the caller (``None`` for a stream, marked already).
        result
            For a stream, the response its events assembled (read instead of ``response``).
        write
            Write the row now; ``False`` leaves it to :meth:`record` (a shadow's label).

        Returns
        -------
        Usage or None
            ``None`` when nothing was read (the call failed open, or the usage was unreadable).

        Raises
        ------
        BudgetRouterError, OSError
            With ``strict=True``, an unreadable usage or a log that cannot be written.
        """
        if plan.decision is None:
            return None
        if response is not None:
            plan.mark(response)
        if self.log is None and not self._may_escalate(plan):
            return None
        count = None if self.log is None else self.log.count_tokens
        try:
            usage = reasoning_usage(
                response if result is None else result, count, provider=self.api.provider
            )
        except FAIL_OPEN as err:
            self.fail(f"{self.api.name}: the response's usage is unreadable, not logged", err)
            return None
        if write:
            self.record(plan, response, usage)
        return usage

    def record(
        self,
        plan: Plan,
        response: Any,
        usage: Usage,
        extra: dict[str, Any] | None = None,
        correct: float | None = None,
    ) -> None:
        """Write the outcome row of a call (``correct``: a shadow's agreement label)."""
        if self.log is None or plan.decision is None:
            return
        try:
            self.log.record(
                plan.prompt, plan.decision, response, model=plan.model, usage=usage,
                extra=plan.row if extra is None else extra, correct=correct,
                correct_source="caller" if correct is None else "agreement",
            )  # fmt: skip
        except LOG_ERRORS as err:
            self.fail(f"{self.api.name}: the outcome could not be logged", err)

    def _may_escalate(self, plan: Plan) -> bool:
        return self.escalate and plan.thinking_set_by == "router" and plan.escalated_from is None

    def escalation(self, plan: Plan, usage: Usage | None) -> Plan | None:
        """The retry of a run cut off while thinking, one tier up; ``None`` for no retry.

        A run is retried once, when the router set its thinking, its usage says it was
        ``truncated``, and its decision asked for thinking or it spent reasoning tokens;
        ``router.escalate`` gives the next decision (``None`` at the top: no retry).

        Raises
        ------
        BudgetRouterError
            With ``strict=True``, when the next decision's parameters cannot be built.
        """
        decision = plan.decision
        if decision is None or usage is None or not self._may_escalate(plan):
            return None
        if usage.status != "truncated" or (not usage.reasoning_tokens and decision.no_thinking):
            return None
        up = self.router.escalate(decision)
        if up is None:
            return None
        try:
            retry = self._routed(plan.original, up, plan.prompt, plan.model, decision)
        except FAIL_OPEN as err:
            self.fail(f"{self.api.name}: not escalated", err)
            return None
        # the next level may send the same request (a budget clamped to the model's limit)
        return None if retry.kwargs == plan.kwargs else retry

    def fail(self, what: str, err: Exception) -> None:
        """Raise ``err`` (``strict=True``), or log once that ``what`` went on instead."""
        self._warnings.fail(what, err)

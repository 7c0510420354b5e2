"""Wrapped SDK clients: every call routed, its thinking set, its outcome logged.

:func:`wrap` takes an official ``openai``, ``anthropic`` or ``google-genai`` client (sync or
async) and returns it with its generation methods routed; :func:`decision_of` gives the
router's decision behind a response. No SDK is imported here: each client's module
(:mod:`~budgetrouter.clients.openai`, :mod:`~budgetrouter.clients.anthropic`,
:mod:`~budgetrouter.clients.genai`) reads its SDK's shapes, and :mod:`~budgetrouter.clients.core`
holds the provider-independent call plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from budgetrouter.clients.core import Api, Planner
from budgetrouter.clients.decisions import decision_of
from budgetrouter.clients.explore import Explorer
from budgetrouter.clients.shadow import Shadow
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    from budgetrouter.agreement import Comparator
    from budgetrouter.outcomes import OutcomeLog
    from budgetrouter.router import Router

__all__ = ["Api", "Planner", "decision_of", "wrap"]

Client = TypeVar("Client")


def wrap(
    client: Client,
    router: Router,
    log: OutcomeLog | None = None,
    escalate: bool = True,
    *,
    strict: bool = False,
    provider: str | None = None,
    explore: float = 0.0,
    explore_seed: int | None = None,
    shadow: float | Shadow = 0.0,
    shadow_tokens_per_hour: int = 1_000_000,
    shadow_compare: str | Comparator = "normalized",
) -> Client:
    """Wrap an SDK client so that each call is routed, its thinking set, its outcome logged.

    Routed methods: openai ``chat.completions.create`` and ``responses.create``; anthropic
    ``messages.create`` and ``messages.stream``; google-genai ``models.generate_content`` and
    ``models.generate_content_stream`` (and the same under ``client.aio.models``). Every other
    attribute is the client's own.

    Parameters
    ----------
    client
        ``openai.OpenAI`` / ``AsyncOpenAI`` (Azure's too), ``anthropic.Anthropic`` /
        ``AsyncAnthropic``, or ``google.genai.Client`` (or its ``.aio``).
    router
        The router that decides each call's thinking (``Router.load(path)``).
    log
        Where each call's outcome is appended (one row per request sent); ``None`` logs
        nothing and still routes.
    escalate
        Resend a run cut off while thinking once, one tier up (``router.escalate``), and
        return the second response. Never for streams, nor when the caller set thinking.
    strict
        Raise budgetrouter's errors (a prompt or model it cannot route, parameters it cannot
        build, an unreadable usage, a log it cannot write) instead of logging a warning and
        going on with the caller's own parameters or the response.
    provider
        For an openai client, the provider its Chat Completions calls are routed as:
        ``openai``, ``openrouter``, ``vllm`` or ``sglang`` (default: ``openrouter`` for a
        base URL on openrouter.ai, else ``openai``).
    explore
        The share of routed calls sent at a level drawn uniformly among the model's own levels
        (never above the caller's output limit, never for calls whose thinking the caller
        set), in [0, 1]. With it above 0 every routed row records the level sent, the level
        routed (``routed_tier``, ``routed_budget``, ``routed_effort``), ``explored`` and the
        ``propensity`` of the level sent, for off-policy evaluation
        (:func:`budgetrouter.train.offpolicy.estimate_offpolicy`). 0 (default): requests and
        rows as without it.
    explore_seed
        Seed of the exploration draws (``None``: from the operating system).
    shadow
        The share of routed calls (not streams) sent again at the model's top level, off the
        caller's path (a background thread, or an asyncio task for async clients), whose row
        is then labelled by whether the two answers agree (``correct_source: "agreement"``);
        or a :class:`~budgetrouter.clients.shadow.Shadow` for every setting (its seed,
        timeout, output limit). 0 (default): off. Needs a ``log``.
    shadow_tokens_per_hour
        The most output tokens shadow calls may spend over any trailing hour; a call that
        would pass it gets no shadow.
    shadow_compare
        How answers are compared: a name of :data:`budgetrouter.agreement.COMPARATORS`
        (``"exact"``, ``"normalized"``, ``"last_number"``, ``"choice"``, ``"json"``) or a
        function ``(routed_answer, top_answer) -> bool``.

    Returns
    -------
    Client
        A stand-in for ``client`` (typed as it, but not an instance of its class; the SDK's
        own client is its ``__wrapped__``). Its calls return the SDK's own responses and
        streams; :func:`decision_of` gives the decision behind one.

    Raises
    ------
    ConfigError
        For a client of another kind (or one already wrapped), a router that is not a
        :class:`~budgetrouter.Router`, a log that is not an
        :class:`~budgetrouter.outcomes.OutcomeLog`, an unknown ``provider``, an ``explore`` or
        ``shadow`` outside [0, 1], a shadow without a log, a bad cap or comparator.

    Examples
    --------
    >>> from openai import OpenAI  # doctest: +SKIP
    >>> client = wrap(OpenAI(), router=Router.load("models/default"))  # doctest: +SKIP
    """
    from budgetrouter.outcomes import OutcomeLog
    from budgetrouter.router import Router

    if not isinstance(router, Router):
        raise ConfigError(
            f"router must be a budgetrouter Router (Router.load(path)), got {type(router).__name__}"
        )
    if log is not None and not isinstance(log, OutcomeLog):
        raise ConfigError(f"log must be an OutcomeLog or None, got {type(log).__name__}")

    if not isinstance(shadow, Shadow):
        shadow = Shadow(shadow, shadow_tokens_per_hour, shadow_compare)
    if shadow.share > 0 and log is None:
        raise ConfigError("a shadow comparison labels logged rows: pass a log (OutcomeLog)")
    explorer = Explorer(explore, explore_seed)
    return _wrap(client, router, log, escalate, strict, provider, explorer, shadow)


def _wrap(
    client: Any,
    router: Router,
    log: OutcomeLog | None,
    escalate: bool,
    strict: bool,
    provider: str | None,
    explorer: Explorer,
    shadow: Shadow,
) -> Any:
    """:func:`wrap` with its arguments checked; copies of the client share explorer and shadow."""

    def planner(api: Api) -> Planner:
        return Planner(
            router, log, api, escalate=bool(escalate), strict=strict, explorer=explorer,
            shadow=shadow,
        )  # fmt: skip

    def rewrap(copy: Any) -> Any:
        return _wrap(copy, router, log, escalate, strict, provider, explorer, shadow)

    kind = _kind(client)
    if provider is not None and kind != "openai":
        raise ConfigError(
            f"provider applies to openai clients only (their Chat Completions calls); a "
            f"{kind} client is routed as {kind!r}. Leave provider=None"
        )
    if kind == "openai":
        from budgetrouter.clients.openai import wrap_openai

        return wrap_openai(client, planner, provider, rewrap)
    if kind == "anthropic":
        from budgetrouter.clients.anthropic import wrap_anthropic

        return wrap_anthropic(client, planner, rewrap)
    from budgetrouter.clients.genai import wrap_genai

    return wrap_genai(client, planner, rewrap)


#: Kinds of client, by the top-level package that defines the client's class.
_KINDS = {"openai": "openai", "anthropic": "anthropic", "google": "google-genai"}


def _kind(client: object) -> str:
    module = type(client).__module__
    kind = _KINDS.get(module.split(".")[0])
    needs = {"openai": "chat", "anthropic": "messages", "google-genai": "models"}
    if kind is None or not hasattr(client, needs[kind]):
        already = module.startswith("budgetrouter.")
        raise ConfigError(
            f"Cannot wrap a {module}.{type(client).__qualname__}"
            + (" (it is wrapped already)" if already else "")
            + ". Supported: openai.OpenAI / AsyncOpenAI, anthropic.Anthropic / AsyncAnthropic, "
            "google.genai.Client (or its .aio)"
        )
    return kind

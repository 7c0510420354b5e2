"""Every provider by name: from a decision to request parameters, and from a response to usage.

:func:`request_params` turns a :class:`~budgetrouter.decision.Decision` into the keyword
arguments of a provider's SDK call, by the rules of :data:`CAPABILITIES` (one row per
(provider, model family), each citing the provider's documentation). A combination that cannot
be honoured (a budget below the model's minimum, ``max_tokens`` too small for the budget plus
room for the answer) is clamped with a warning, or refused with ``strict=True``; it is never
sent broken. :func:`reasoning_usage` reads the reasoning tokens and the cut-off flag back from
a response. Pure functions: no network, no SDK imported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from budgetrouter._checks import is_int
from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.providers import anthropic, gemini, openai, openrouter, servers
from budgetrouter.providers.base import (
    DEFAULT_ANSWER_TOKENS,
    Capability,
    Provider,
    Request,
    RequestParams,
    TokenCounter,
    Usage,
    plain,
    refuse_or_warn,
)
from budgetrouter.providers.rows import same_model
from budgetrouter.providers.sent import sent_level

logger = logging.getLogger(__name__)

PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        anthropic.ANTHROPIC,
        openai.OPENAI_RESPONSES,
        gemini.GEMINI,
        openai.OPENAI,
        servers.VLLM,
        servers.SGLANG,
        openrouter.OPENROUTER,
    )
}
"""Providers by name, in the order :func:`reasoning_usage` tries to recognise a response.

A new provider is a module of this package and one entry here; one whose responses look like
another's (an OpenAI-compatible server) goes before the one it resembles less specifically.
"""

CAPABILITIES: tuple[Capability, ...] = tuple(
    dict.fromkeys(row for provider in PROVIDERS.values() for row in provider.capabilities)
)
"""Every provider's capability rows (the two OpenAI APIs share theirs)."""


def _provider(name: str) -> Provider:
    if name not in PROVIDERS:
        raise ConfigError(f"Unknown provider {name!r}. Available: {sorted(PROVIDERS)}")
    return PROVIDERS[name]


def capability(provider: str, model: str) -> Capability:
    """The capability row of ``model`` for ``provider``: the row that lists it.

    A row covers the model names it lists and their dated snapshots
    (:meth:`~budgetrouter.providers.base.Capability.covers`): ``o4-mini-2025-04-16`` takes
    o4-mini's row, while ``gpt-5.10``, ``o3-pro`` or a newer ``claude-sonnet-6`` are covered by
    no row and refused, rather than given the rules of a family whose name they continue. A
    path before the name (google-genai's ``models/gemini-2.5-flash``) is ignored, except for
    OpenRouter, whose names are ``vendor/model``.

    Parameters
    ----------
    provider
        A key of :data:`PROVIDERS`.
    model
        The model name.

    Returns
    -------
    Capability
        The row that lists the model (a generic row for a self-hosted server, or an OpenRouter
        model of a vendor with no rows here).

    Raises
    ------
    ConfigError
        For an unknown provider, or a model no row lists.
    """
    entry = _provider(provider)
    name = model.strip()
    if not entry.reserved:
        name = name.rsplit("/", 1)[-1]
    rows = [c for c in entry.capabilities if c.covers(name)]
    listed = [c for c in rows if c.family]
    if listed:
        return max(listed, key=lambda c: len(c.family))
    if rows and not name.lower().startswith(entry.reserved or ("\0",)):
        return rows[0]
    families = sorted(c.family for c in entry.capabilities if c.family)
    module = getattr(entry.params, "__module__", "budgetrouter.providers")
    raise ConfigError(
        f"No capability row for {provider} model {model!r}: its rules are not known here, and "
        f"a model is never given another's. Rows: {families} (each lists its models; see "
        f"{module}.CAPABILITIES). If it takes the rules of a listed model, pass "
        f"capability=capability({provider!r}, '<that model>') to request_params, or add a row"
    )


_row = capability


def request_params(
    decision: Decision,
    provider: str,
    model: str,
    max_tokens: int | None = None,
    *,
    answer_tokens: int = DEFAULT_ANSWER_TOKENS,
    strict: bool = False,
    capability: Capability | None = None,
    call: Mapping[str, Any] | None = None,
) -> RequestParams:
    """Keyword arguments that make ``provider``'s SDK honour ``decision``.

    Parameters
    ----------
    decision
        The router's decision.
    provider
        One of :data:`PROVIDERS`: ``openai`` (Chat Completions), ``openai-responses``,
        ``anthropic``, ``gemini`` (google-genai ``generate_content``), ``vllm``, ``sglang``
        (through the OpenAI client) or ``openrouter``.
    model
        The model name; its family's row of :data:`CAPABILITIES` sets the rules.
    max_tokens
        Total output tokens the caller allows (thinking plus answer); ``None`` sizes it as the
        budget plus ``answer_tokens``.
    answer_tokens
        Output tokens kept for the visible answer beside the thinking budget.
    strict
        Refuse (raise) instead of clamping a combination the model cannot honour.
    capability
        The rules to apply instead of the row that lists ``model`` (for a model no row lists
        yet: ``capability=capability("anthropic", "claude-sonnet-5")`` gives it that model's).
    call
        The caller's own keyword arguments of the request these parameters go into. Where
        they limit the thinking the provider accepts, the parameters follow: a level the
        request allows instead (gpt-5's ``minimal`` effort is refused beside the
        ``web_search`` tool, so ``low`` is sent, noted), or a ``ConfigError`` when the request
        rules thinking out (Anthropic with a ``temperature`` other than 1, a ``top_k``, a
        ``top_p`` below 0.95, forced tool use, or a turn whose assistant message has no
        thinking block): send such a request as the caller wrote it.

    Returns
    -------
    RequestParams
        A dict of SDK keyword arguments; ``.notes`` lists every inexact mapping (for example
        tier none sent as the lowest effort a model accepts).

    Raises
    ------
    ConfigError
        For an unknown provider, a model no row lists (and no ``capability`` given), or, with
        ``strict=True``, a combination that would need clamping; a ``call`` that rules the
        decision's thinking out.

    Examples
    --------
    >>> from budgetrouter.decision import Decision
    >>> d = Decision("short", 512, 300, 900, 0.1, False, "v")
    >>> dict(request_params(d, "anthropic", "claude-sonnet-4-6", max_tokens=4096))
    {'max_tokens': 4096, 'thinking': {'type': 'enabled', 'budget_tokens': 1024}}
    """
    given: tuple[tuple[str, object], ...] = (
        ("answer_tokens", answer_tokens),
        ("max_tokens", max_tokens),
    )
    for name, value in given:
        if (value is not None or name == "answer_tokens") and not (
            is_int(value) and int(value) >= 1  # type: ignore[call-overload]
        ):
            raise ConfigError(
                f"{name} must be a positive whole number of tokens, got {value!r}"
                + ("" if name == "answer_tokens" else "; or None to size it from the budget")
            )
    answer_tokens = int(answer_tokens)  # a numpy integer would not serialise into the body
    max_tokens = None if max_tokens is None else int(max_tokens)
    if not isinstance(provider, str) or not isinstance(model, str) or not model.strip():
        raise ConfigError(
            f"provider and model must be names (strings), got {provider!r} and {model!r}"
        )
    if not isinstance(decision, Decision):
        raise ConfigError(
            f"decision must be a budgetrouter Decision (from Router.route), got "
            f"{type(decision).__name__}"
        )
    if capability is not None and not isinstance(capability, Capability):
        raise ConfigError(
            f"capability must be a Capability row (budgetrouter.providers.capability(...)), "
            f"got {type(capability).__name__}"
        )
    cap = capability if capability is not None else _row(provider, model)
    notes: list[str] = []
    if not cap.family and PROVIDERS[provider].reserved:
        notes.append(
            f"{model}: no row of its own; sent by {provider}'s generic reasoning rules "
            "(whether it can switch reasoning off is not known)"
        )
    asked = decision.model if decision.model_aware else None
    if asked is not None and not same_model(asked, model):
        refuse_or_warn(
            strict,
            f"the decision was made for {decision.model!r}, not {model!r}: its level is "
            f"{decision.model!r}'s; route for {model!r} to get its own",
            notes,
        )
    if call is not None and not isinstance(call, Mapping):
        raise ConfigError(
            f"call must be the request's keyword arguments (a dict), got {type(call).__name__}"
        )
    req = Request(decision, cap, max_tokens, answer_tokens, strict, notes)
    params = PROVIDERS[provider].params(req)
    fit = PROVIDERS[provider].fit_call
    if call is not None and fit is not None:
        params = fit(call, params, req)
    thinks = cap.style != "off" and not decision.no_thinking
    no_budget = cap.style in ("effort", "adaptive", "fixed")  # nothing bounds the thinking
    if thinks and no_budget and max_tokens is not None and max_tokens <= answer_tokens:
        notes.append(
            f"max_tokens {max_tokens} leaves no room beyond {answer_tokens} answer tokens: "
            f"{model}'s thinking counts toward it and may take all of it; raise max_tokens"
        )
    for note in notes:
        logger.info("%s %s: %s", provider, model, note)
    return RequestParams(params, notes, sent_level(params, thinks))


def reasoning_usage(
    response: Any, count_tokens: TokenCounter | None = None, provider: str | None = None
) -> Usage:
    """Read reasoning tokens and the cut-off flag from a provider response.

    Without ``provider``, the first of :data:`PROVIDERS` that recognises the shape reads it:
    Anthropic Messages (thinking blocks counted with ``count_tokens``, ``stop_reason ==
    "max_tokens"``), OpenAI Responses (``usage.output_tokens_details.reasoning_tokens``,
    ``status == "incomplete"``), Gemini (``usage_metadata.thoughts_token_count``,
    ``finish_reason == MAX_TOKENS``), OpenAI Chat Completions
    (``usage.completion_tokens_details.reasoning_tokens``, ``finish_reason == "length"``), and
    any other chat-shaped response as vLLM (``message.reasoning_content`` or
    ``message.reasoning`` counted with ``count_tokens``). SGLang and OpenRouter responses have
    those chat shapes; pass ``provider`` to have them named as such.

    Parameters
    ----------
    response
        The SDK's response object, or its JSON as a dict.
    count_tokens
        Token counter for responses that carry reasoning text instead of a count; defaults to
        :func:`~budgetrouter.providers.base.default_token_counter`.
    provider
        Read the response with this provider's reader instead of recognising its shape.

    Returns
    -------
    Usage
        Reasoning tokens, whether the run was cut off, and the provider that read it.

    Raises
    ------
    ConfigError
        For an unknown ``provider``, or (without one) a response of no recognised shape.
    """
    r = plain(response)
    if provider is not None:
        return _provider(provider).read_usage(r, count_tokens)
    for entry in PROVIDERS.values():
        if entry.recognises(r):
            return entry.read_usage(r, count_tokens)
    raise ConfigError(
        f"Unrecognised response: expected a response of one of {list(PROVIDERS)} "
        f"(top-level keys: {sorted(r)[:10]}); pass provider=... to read it as one of them"
    )

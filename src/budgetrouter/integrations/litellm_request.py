"""What the LiteLLM callback sends and carries: provider names, parameters, the routing record.

:data:`PROVIDERS` names the budgetrouter provider of each LiteLLM provider and
:func:`provider_of` splits a LiteLLM model string (the one function that imports LiteLLM),
:func:`litellm_params` turns :func:`budgetrouter.providers.request_params` into
LiteLLM's ``completion`` arguments, and the plan helpers keep the routing of one call in its
LiteLLM metadata (plain JSON, under :data:`METADATA_KEY`) from the pre-call hook to the success
hook. :mod:`budgetrouter.integrations.litellm` holds the callback.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from budgetrouter._optional import require
from budgetrouter.clients.kwargs import at, merge
from budgetrouter.errors import ConfigError
from budgetrouter.providers import capability

#: The key of the request's LiteLLM metadata that carries the routing to the success hooks.
METADATA_KEY = "budgetrouter"
#: LiteLLM providers (``litellm.get_llm_provider``) -> the budgetrouter provider of their rules.
PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "openrouter": "openrouter",
}
#: The caller's own thinking parameters in LiteLLM's arguments (paths of keys).
THINKING = (
    ("reasoning_effort",), ("thinking",), ("output_config", "effort"), ("reasoning",),
    ("extra_body", "reasoning"),
)  # fmt: skip
#: The fields of the routing record a call carries in its metadata.
PLAN_KEYS = frozenset({"model", "provider", "thinking_set_by", "decision", "prompt_sha1", "row"})
#: Providers whose logged streams are made to report their usage (``include_usage``).
CHAT_STREAMS = ("openai", "openrouter")


def provider_of(model: Any, custom_llm_provider: Any = None) -> tuple[str, str]:
    """The budgetrouter provider and model name of a LiteLLM model string.

    ``claude-sonnet-4-5`` and ``anthropic/claude-sonnet-4-5`` -> ``("anthropic",
    "claude-sonnet-4-5")``; ``o4-mini`` -> ``("openai", "o4-mini")``; ``gemini/gemini-2.5-flash``
    -> ``("gemini", "gemini-2.5-flash")``; ``openrouter/anthropic/claude-sonnet-4-5`` ->
    ``("openrouter", "anthropic/claude-sonnet-4-5")``, as ``litellm.get_llm_provider`` splits them.

    Raises
    ------
    ConfigError
        For a model LiteLLM cannot place, or one of a provider not in :data:`PROVIDERS`.
    """
    litellm = require("litellm", "litellm", "budgetrouter.integrations.litellm")
    if not isinstance(model, str) or not model.strip():
        raise ConfigError(f"the call names no model (got {model!r}); nothing to route for")
    try:
        name, provider, _, _ = litellm.get_llm_provider(
            model=model, custom_llm_provider=custom_llm_provider
        )
    except (litellm.BadRequestError, ValueError, TypeError) as err:
        raise ConfigError(
            f"LiteLLM cannot tell the provider of model {model!r} ({type(err).__name__}); "
            "name it as LiteLLM does, e.g. 'anthropic/claude-sonnet-4-5'"
        ) from err
    if provider not in PROVIDERS:
        raise ConfigError(
            f"Unknown LiteLLM provider {provider!r} (model {model!r}). Available: "
            f"{sorted(PROVIDERS)}"
        )
    return PROVIDERS[provider], name


def litellm_params(params: Mapping[str, Any], provider: str) -> dict[str, Any]:
    """LiteLLM ``completion`` arguments for the request parameters of ``provider``.

    OpenAI (``reasoning_effort``), Anthropic (``thinking``, ``output_config``, ``max_tokens``) and
    OpenRouter (``extra_body.reasoning``, ``max_tokens``) parameters are LiteLLM's as they are.
    Gemini's ``config.thinking_config`` becomes LiteLLM's unified parameters, which its Gemini
    transformation maps back (``VertexGeminiConfig.map_openai_params``): ``thinking_budget`` N
    -> ``thinking={"type": "enabled", "budget_tokens": N}`` (``thinkingBudget`` N, 0 and -1
    included), ``thinking_level`` L -> ``reasoning_effort=L`` (``thinkingLevel`` L), and
    ``max_output_tokens`` -> ``max_tokens``.

    Parameters
    ----------
    params
        :func:`budgetrouter.providers.request_params` for ``provider``.
    provider
        A value of :data:`PROVIDERS`.

    Returns
    -------
    dict
        Keyword arguments of ``litellm.completion``.
    """
    if provider != "gemini":
        return dict(params)
    out = {key: value for key, value in params.items() if key != "config"}
    config = params.get("config") or {}
    thinking = config.get("thinking_config") or {}
    if "thinking_level" in thinking:
        out["reasoning_effort"] = thinking["thinking_level"]
    elif "thinking_budget" in thinking:
        out["thinking"] = {"type": "enabled", "budget_tokens": thinking["thinking_budget"]}
    if "max_output_tokens" in config:
        out["max_tokens"] = config["max_output_tokens"]
    return out


def include_usage(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A Chat Completions stream's arguments with ``stream_options.include_usage`` on.

    Its last chunk then carries the usage, reasoning tokens included, which LiteLLM puts in the
    response it assembles for the success hooks; a caller's own ``include_usage`` is kept.
    """
    if at(kwargs, ("stream_options", "include_usage")) is not None:
        return dict(kwargs)
    return merge(kwargs, {"stream_options": {"include_usage": True}})


def same_rules(answered: tuple[str, str], routed: tuple[str, str]) -> bool:
    """Whether the (provider, model) that answered has the routed one's capability row.

    True for the same model, or one its listed family covers (a dated snapshot); False for
    another family, or a model no listed row covers.
    """
    if answered == routed:
        return True
    try:
        row = capability(*answered)
    except ConfigError:
        return False
    return bool(row.family) and answered[0] == routed[0] and row.covers(routed[1])


def metadata_key(kwargs: Mapping[str, Any]) -> str:
    """Where LiteLLM keeps this request's metadata (as ``CustomLogger._select_metadata_field``)."""
    return "litellm_metadata" if "litellm_metadata" in kwargs else "metadata"


def plan_of(kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The routing recorded in a request's (or a success event's ``litellm_params``) metadata.

    ``None`` when there is none, or when what is there is not a record :func:`with_plan` wrote.
    """
    for key in ("metadata", "litellm_metadata"):
        meta = kwargs.get(key)
        plan = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
        if isinstance(plan, Mapping) and plan.keys() >= PLAN_KEYS:
            return dict(plan)
    return None


def with_plan(kwargs: Mapping[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """A copy of a call's arguments whose metadata carries ``plan`` (under :data:`METADATA_KEY`)."""
    out = dict(kwargs)
    key = metadata_key(kwargs)
    meta = out.get(key)
    out[key] = {**(meta if isinstance(meta, Mapping) else {}), METADATA_KEY: plan}
    return out


def digest(prompt: str) -> str:
    """A prompt's SHA-1 (the success hook checks that it logs the routed prompt)."""
    return hashlib.sha1(prompt.encode("utf-8", "surrogatepass")).hexdigest()

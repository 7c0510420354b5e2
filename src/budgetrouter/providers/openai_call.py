"""What an OpenAI request's other arguments allow: effort levels and reasoning itself.

:func:`fit_effort_call` is the ``fit_call`` of the ``openai`` and ``openai-responses``
providers (:attr:`budgetrouter.providers.base.Provider.fit_call`): gpt-5 refuses effort
``minimal`` beside the ``web_search`` tool, and GPT-5.1 and later take ``temperature``,
``top_p`` and ``logprobs`` only at effort ``none``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgetrouter.errors import ConfigError
from budgetrouter.providers.base import Request, refuse_or_warn
from budgetrouter.providers.call import call_value, tool_types

#: Effort levels OpenAI refuses beside a tool type (gpt-5: "web_search is not supported with
#: minimal reasoning effort").
TOOL_REFUSED_EFFORTS: dict[str, tuple[str, ...]] = {"minimal": ("web_search",)}


def _refused_by_tools(call: Mapping[str, Any], effort: str) -> str | None:
    """The tool of the caller's request that OpenAI refuses at ``effort``, or ``None``."""
    refused = TOOL_REFUSED_EFFORTS.get(effort, ())
    tools = tool_types(call)
    if "web_search" in refused and call_value(call, "web_search_options") is not None:
        tools.append("web_search")  # Chat Completions' search parameter
    return next((t for t in tools if t.startswith(refused)), None) if refused else None


def _sampling(call: Mapping[str, Any]) -> list[str]:
    """The caller's sampling arguments that OpenAI takes only without reasoning."""
    out = []
    for key in ("temperature", "top_p"):
        value = call_value(call, key)
        if value is not None and value != 1:
            out.append(f"{key}={value!r}")
    if call_value(call, "logprobs") or call_value(call, "top_logprobs") is not None:
        out.append("logprobs")
    return out


def fit_effort_call(
    call: Mapping[str, Any], params: dict[str, Any], req: Request
) -> dict[str, Any]:
    """``params`` at an effort level the caller's request allows.

    An effort OpenAI refuses beside one of the request's tools (:data:`TOOL_REFUSED_EFFORTS`)
    becomes the next level up among the model's own, noted (refused under ``strict``). On a
    model that can switch reasoning off (effort ``none``, its default: GPT-5.1 and later),
    ``temperature``, ``top_p`` and ``logprobs`` are accepted only without reasoning: a call
    that sets them rules reasoning out (``ConfigError``: sent as the caller wrote it).

    Raises
    ------
    ConfigError
        When the caller's request rules the decision's reasoning out.
    """
    nested = isinstance(params.get("reasoning"), Mapping)
    effort = params["reasoning"].get("effort") if nested else params.get("reasoning_effort")
    if not isinstance(effort, str):
        return params
    sampling = _sampling(call) if "none" in req.cap.efforts and effort != "none" else []
    if sampling:
        raise ConfigError(
            f"{req.cap.family} takes {', '.join(sampling)} only with reasoning effort 'none': "
            "reasoning left as the caller set it (drop them to have the call routed)"
        )
    tool = _refused_by_tools(call, effort)
    if tool is None:
        return params
    levels = list(req.cap.efforts)
    above = levels[levels.index(effort) + 1 :] if effort in levels else []
    higher = [e for e in above if not _refused_by_tools(call, e)]
    if not higher:
        raise ConfigError(
            f"{req.cap.family} refuses reasoning effort {effort!r} with the {tool!r} tool and "
            "has no higher level: thinking left as the caller set it"
        )
    refuse_or_warn(
        req.strict,
        f"{req.cap.family} refuses reasoning effort {effort!r} with the {tool!r} tool; "
        f"sent {higher[0]!r}",
        req.notes,
    )
    if nested:
        return {**params, "reasoning": {**params["reasoning"], "effort": higher[0]}}
    return {**params, "reasoning_effort": higher[0]}

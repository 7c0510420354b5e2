"""The level a request's thinking parameters give a run, as outcome-row columns.

Whoever set them (the caller, or :func:`~budgetrouter.providers.request_params` for the router),
the thinking parameters of a request say what the run was given: an effort level, a thinking
budget, thinking off, or no cap. :func:`caller_level` reads that from the parameters' values, so
the outcome log records what was sent rather than what was decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from budgetrouter._checks import is_int
from budgetrouter.decision import EFFORTS

#: Where thinking parameters sit in any provider's request keyword arguments (paths of keys).
THINKING_PATHS: tuple[tuple[str, ...], ...] = (
    ("reasoning_effort",), ("reasoning",), ("thinking",), ("output_config", "effort"),
    ("config", "thinking_config"), ("extra_body", "reasoning"),
    ("extra_body", "chat_template_kwargs"), ("extra_body", "thinking_token_budget"),
)  # fmt: skip


def as_dict(obj: Any) -> dict[str, Any] | None:
    """A mapping or an SDK object (``model_dump`` / ``to_dict``) as a plain dict."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return dict(obj)
    for method in ("model_dump", "to_dict"):
        if callable(getattr(obj, method, None)):
            out = getattr(obj, method)()
            if isinstance(out, Mapping):
                return dict(out)
    return None


def caller_level(values: Iterable[Any]) -> dict[str, Any]:
    """The level the caller's own thinking parameters give a run, as outcome-row columns.

    Parameters
    ----------
    values
        The caller's values at the API's thinking paths: an effort name (``"high"``), a
        thinking block (``{"type": "enabled", "budget_tokens": 2048}``, ``{"type":
        "disabled"}``), a reasoning object (``{"effort": "low"}``, ``{"max_tokens": 900}``,
        ``{"enabled": False}``), a Gemini ``thinking_config`` (dict or object), a switch
        (``enable_thinking=False``) or a budget.

    Returns
    -------
    dict
        ``budget`` (tokens, 0 = off, ``None`` = no cap or unknown), ``effort`` (one of
        :data:`~budgetrouter.decision.EFFORTS` or ``None``; never beside a budget) and
        ``tier`` (``None``: the tier is the router's word, and the router did not set it).
    """
    budget: int | None = None
    effort: str | None = None
    for value in values:
        data = as_dict(value) if not isinstance(value, str | bool | int) else None
        if data is not None:
            off = data.get("type") == "disabled" or False in (
                data.get("enabled"),
                data.get("enable_thinking"),
            )
            budget = 0 if off else budget
            for key in ("budget_tokens", "thinking_budget", "max_tokens", "thinking_token_budget"):
                if is_int(data.get(key)):
                    budget = data[key] if data[key] >= 0 else None  # -1: dynamic
            for key in ("effort", "thinking_level", "reasoning_effort"):
                effort = _effort(data.get(key)) or effort
        elif value is False:
            budget = 0
        elif is_int(value):
            budget = int(value)
        else:
            effort = _effort(value) or effort
    return {"budget": budget, "effort": None if budget is not None else effort, "tier": None}


def _effort(value: Any) -> str | None:
    """An effort name (or a string enum of one) as :data:`EFFORTS` spells it, else ``None``."""
    name = getattr(value, "value", value)
    if not isinstance(name, str):
        return None
    name = name.lower()
    return name if name in EFFORTS else None


def sent_level(params: Mapping[str, Any], thinks: bool) -> dict[str, Any]:
    """The level request parameters give a run: ``budget`` and ``effort`` row columns.

    Parameters
    ----------
    params
        Request keyword arguments (:func:`~budgetrouter.providers.request_params`'s).
    thinks
        Whether the run thinks when the parameters carry no thinking value (a reasoning model
        with no control: no cap; else, thinking off).

    Returns
    -------
    dict
        ``{"budget": tokens | 0 | None, "effort": name | None}``, never both set.
    """
    values = []
    for path in THINKING_PATHS:
        value: Any = params
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            values.append(value)
    if not values:
        return {"budget": None if thinks else 0, "effort": None}
    level = caller_level(values)
    return {"budget": level["budget"], "effort": level["effort"]}

"""From a :class:`~budgetrouter.Decision` to the keyword arguments of a provider's SDK call.

Pure functions: no network, no SDK imported. The rules live in :data:`CAPABILITIES`, one row
per (provider, model family), each citing the provider's documentation. A combination that
cannot be honoured (a budget below the model's minimum, ``max_tokens`` too small for the budget
plus room for the answer) is clamped with a warning, or refused with ``strict=True``; it is never
sent broken.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    from budgetrouter.router import Decision

logger = logging.getLogger(__name__)

DEFAULT_ANSWER_TOKENS = 1024


@dataclass(frozen=True)
class Capability:
    """What one model family accepts.

    Attributes
    ----------
    provider
        Key of :data:`ADAPTERS`.
    prefix
        Model names starting with this belong to the family (longest prefix wins).
    style
        ``effort`` (named levels), ``budget`` (a token budget) or ``adaptive``
        (Anthropic adaptive thinking with an effort level).
    efforts
        Accepted effort values, lowest first (``effort`` and ``adaptive`` styles).
    budget_min, budget_max
        Accepted budget range in tokens (``budget`` style).
    can_disable
        Whether thinking can be switched off entirely.
    source
        The provider's documentation of the rule.
    """

    provider: str
    prefix: str
    style: str
    efforts: tuple[str, ...] = ()
    budget_min: int = 0
    budget_max: int | None = None
    can_disable: bool = True
    source: str = ""


CAPABILITIES: tuple[Capability, ...] = (
    # https://platform.openai.com/docs/guides/reasoning (reasoning_effort per model family)
    Capability("openai", "o1", "effort", ("low", "medium", "high"), can_disable=False,
               source="https://platform.openai.com/docs/guides/reasoning"),
    Capability("openai", "o3", "effort", ("low", "medium", "high"), can_disable=False,
               source="https://platform.openai.com/docs/guides/reasoning"),
    Capability("openai", "o4", "effort", ("low", "medium", "high"), can_disable=False,
               source="https://platform.openai.com/docs/guides/reasoning"),
    # https://platform.openai.com/docs/guides/latest-model (gpt-5 adds "minimal")
    Capability("openai", "gpt-5", "effort", ("minimal", "low", "medium", "high"),
               can_disable=False, source="https://platform.openai.com/docs/guides/latest-model"),
    # https://platform.openai.com/docs/guides/latest-model (gpt-5.1 and later: "none" is the
    # default and switches reasoning off)
    Capability("openai", "gpt-5.1", "effort", ("none", "low", "medium", "high"),
               source="https://platform.openai.com/docs/guides/latest-model"),
    Capability("openai", "gpt-5.2", "effort", ("none", "low", "medium", "high", "xhigh"),
               source="https://platform.openai.com/docs/guides/latest-model"),
    # https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
    # (budget_tokens >= 1024 and < max_tokens; no thinking block = thinking off)
    Capability("anthropic", "claude", "budget", budget_min=1024,
               source="https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking"),
    # https://docs.anthropic.com/en/docs/build-with-claude/adaptive-thinking (Opus 4.7 takes
    # only thinking={"type": "adaptive"} with output_config.effort)
    Capability("anthropic", "claude-opus-4-7", "adaptive", ("low", "medium", "high", "max"),
               can_disable=False,
               source="https://docs.anthropic.com/en/docs/build-with-claude/adaptive-thinking"),
    # https://ai.google.dev/gemini-api/docs/thinking (thinkingBudget ranges; -1 = dynamic)
    Capability("gemini", "gemini-2.5-pro", "budget", budget_min=128, budget_max=32768,
               can_disable=False, source="https://ai.google.dev/gemini-api/docs/thinking"),
    Capability("gemini", "gemini-2.5-flash", "budget", budget_min=0, budget_max=24576,
               source="https://ai.google.dev/gemini-api/docs/thinking"),
    Capability("gemini", "gemini-2.5-flash-lite", "budget", budget_min=512, budget_max=24576,
               source="https://ai.google.dev/gemini-api/docs/thinking"),
    # https://ai.google.dev/gemini-api/docs/thinking (Gemini 3: thinkingLevel, never with a
    # budget)
    Capability("gemini", "gemini-3-pro", "effort", ("low", "high"), can_disable=False,
               source="https://ai.google.dev/gemini-api/docs/thinking"),
    Capability("gemini", "gemini-3-flash", "effort", ("minimal", "low", "medium", "high"),
               can_disable=False, source="https://ai.google.dev/gemini-api/docs/thinking"),
    # https://docs.vllm.ai/en/latest/features/reasoning_outputs.html (chat_template_kwargs,
    # thinking_token_budget) and https://qwen.readthedocs.io (enable_thinking)
    Capability("vllm", "", "budget", budget_min=1,
               source="https://docs.vllm.ai/en/latest/features/reasoning_outputs.html"),
    # https://docs.sglang.io/docs/advanced_features/thinking_budget
    Capability("sglang", "", "budget", budget_min=1,
               source="https://docs.sglang.io/docs/advanced_features/thinking_budget"),
    # https://openrouter.ai/docs/use-cases/reasoning-tokens (reasoning.effort / max_tokens /
    # enabled)
    Capability("openrouter", "", "budget", budget_min=1,
               source="https://openrouter.ai/docs/use-cases/reasoning-tokens"),
)  # fmt: skip


class _Request(NamedTuple):
    """One call's inputs, as every adapter of :data:`ADAPTERS` receives them."""

    decision: Decision
    cap: Capability
    max_tokens: int | None
    answer: int
    strict: bool
    notes: list[str]


class RequestParams(dict[str, Any]):
    """SDK keyword arguments (a plain dict) plus ``notes`` on any mapping that was not exact."""

    def __init__(self, params: dict[str, Any], notes: list[str]) -> None:
        super().__init__(params)
        self.notes = notes


def capability(provider: str, model: str) -> Capability:
    """The capability row of ``model`` (longest matching prefix) for ``provider``.

    Raises
    ------
    ConfigError
        For an unknown provider, or a model of no known family.
    """
    if provider not in ADAPTERS:
        raise ConfigError(f"Unknown provider {provider!r}. Available: {sorted(ADAPTERS)}")
    api = "openai" if provider == "openai-responses" else provider
    rows = [c for c in CAPABILITIES if c.provider == api and model.startswith(c.prefix)]
    if not rows:
        known = sorted(c.prefix for c in CAPABILITIES if c.provider == api)
        raise ConfigError(
            f"No capability row for {provider} model {model!r}. Known families: {known}; add a "
            "row to budgetrouter.adapters.CAPABILITIES"
        )
    return max(rows, key=lambda c: len(c.prefix))


def _effort_for(decision: Decision, cap: Capability, notes: list[str]) -> str:
    levels = cap.efforts
    if decision.tier == "none":
        if levels[0] in ("none",):
            return levels[0]
        notes.append(
            f"tier none: {cap.prefix or cap.provider} cannot switch thinking off; sent the lowest "
            f"effort it accepts, {levels[0]!r}"
        )
        return levels[0]
    if decision.tier == "short":
        wanted = "low"
    elif decision.budget_tokens is not None and decision.budget_tokens <= 4096:
        wanted = "medium"
    else:
        wanted = "high"
    if wanted in levels:
        return wanted
    above = [e for e in levels if _rank(e) >= _rank(wanted)]
    chosen = above[0] if above else levels[-1]
    notes.append(f"effort {wanted!r} not accepted by {cap.prefix}; sent {chosen!r}")
    return chosen


_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _rank(effort: str) -> int:
    return _ORDER.index(effort)


def _refuse_or_warn(strict: bool, message: str, notes: list[str]) -> None:
    if strict:
        raise ConfigError(message + " (strict=True refuses; pass strict=False to clamp)")
    warnings.warn(message, stacklevel=4)
    notes.append(message)


def _budget(
    decision: Decision,
    cap: Capability,
    max_tokens: int | None,
    answer_tokens: int,
    strict: bool,
    notes: list[str],
) -> tuple[int | None, int | None]:
    """(thinking budget or None for no cap, max_tokens) honouring the model's range."""
    budget = decision.budget_tokens
    if budget is not None and budget < cap.budget_min:
        _refuse_or_warn(
            strict,
            f"budget {budget} is below the minimum {cap.budget_min} of "
            f"{cap.prefix or cap.provider}; raised to {cap.budget_min}",
            notes,
        )
        budget = cap.budget_min
    if budget is not None and cap.budget_max is not None and budget > cap.budget_max:
        notes.append(f"budget {budget} above the maximum {cap.budget_max}; lowered to it")
        budget = cap.budget_max
    if max_tokens is not None and budget is not None and budget + answer_tokens > max_tokens:
        room = max_tokens - answer_tokens
        if room >= max(cap.budget_min, 1):
            _refuse_or_warn(
                strict,
                f"max_tokens {max_tokens} leaves no room for a {budget}-token "
                f"budget plus {answer_tokens} answer tokens; budget lowered to {room}",
                notes,
            )
            budget = room
        else:
            _refuse_or_warn(
                strict,
                f"max_tokens {max_tokens} is too small for the minimum budget "
                f"{max(cap.budget_min, 1)} plus {answer_tokens} answer tokens; "
                f"max_tokens raised to {budget + answer_tokens}",
                notes,
            )
            max_tokens = budget + answer_tokens
    if max_tokens is None and budget is not None:
        max_tokens = budget + answer_tokens
    return budget, max_tokens


def _openai(req: _Request, responses: bool = False) -> dict[str, Any]:
    max_tokens = req.max_tokens
    effort = _effort_for(req.decision, req.cap, req.notes)
    if responses:
        out: dict[str, Any] = {"reasoning": {"effort": effort}}
        if max_tokens is not None:
            out["max_output_tokens"] = max_tokens
        return out
    out = {"reasoning_effort": effort}
    if max_tokens is not None:
        out["max_completion_tokens"] = max_tokens
    return out


def _openai_responses(req: _Request) -> dict[str, Any]:
    return _openai(req, responses=True)


def _anthropic(req: _Request) -> dict[str, Any]:
    decision, cap, max_tokens, answer, strict, notes = req
    if cap.style == "adaptive":
        effort = _effort_for(decision, cap, notes)
        return {
            "max_tokens": max_tokens or 16000 + answer,
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": effort},
        }
    if decision.tier == "none":
        return {"max_tokens": max_tokens or answer}
    if decision.budget_tokens is None:  # no cap: all of max_tokens but the answer's room
        total = max_tokens or 32000
        budget = total - answer
        if budget < cap.budget_min:
            _refuse_or_warn(
                strict,
                f"max_tokens {total} leaves less than {cap.budget_min} "
                f"thinking tokens after {answer} answer tokens; raised",
                notes,
            )
            budget, total = cap.budget_min, cap.budget_min + answer
        return {"max_tokens": total, "thinking": {"type": "enabled", "budget_tokens": budget}}
    capped, limit = _budget(decision, cap, max_tokens, answer, strict, notes)
    return {"max_tokens": limit, "thinking": {"type": "enabled", "budget_tokens": capped}}


def _gemini(req: _Request) -> dict[str, Any]:
    decision, cap, max_tokens, answer, strict, notes = req
    config: dict[str, Any] = {}
    if cap.style == "effort":
        config["thinking_config"] = {"thinking_level": _effort_for(decision, cap, notes)}
    elif decision.tier == "none":
        if cap.can_disable:
            config["thinking_config"] = {"thinking_budget": 0}
        else:
            notes.append(
                f"tier none: {cap.prefix} cannot switch thinking off; sent its minimum "
                f"budget {cap.budget_min}"
            )
            config["thinking_config"] = {"thinking_budget": cap.budget_min}
    elif decision.budget_tokens is None:
        config["thinking_config"] = {"thinking_budget": -1}  # dynamic thinking
    else:
        budget, max_tokens = _budget(decision, cap, max_tokens, answer, strict, notes)
        config["thinking_config"] = {"thinking_budget": budget}
    if max_tokens is not None:
        config["max_output_tokens"] = max_tokens
    return {"config": config}


def _server(req: _Request) -> dict[str, Any]:
    decision, cap, max_tokens, answer, strict, notes = req
    if decision.tier == "none":
        body: dict[str, Any] = {"chat_template_kwargs": {"enable_thinking": False}}
        return {"extra_body": body, "max_tokens": max_tokens or answer}
    kwargs: dict[str, Any] = {"enable_thinking": True}
    body = {"chat_template_kwargs": kwargs}
    if decision.budget_tokens is None:
        return {"extra_body": body, **({"max_tokens": max_tokens} if max_tokens else {})}
    budget, total = _budget(decision, cap, max_tokens, answer, strict, notes)
    if cap.provider == "vllm":
        body["thinking_token_budget"] = budget
    else:
        kwargs["thinking_budget"] = budget
    return {"extra_body": body, "max_tokens": total}


def _openrouter(req: _Request) -> dict[str, Any]:
    decision, cap, max_tokens, answer, strict, notes = req
    if decision.tier == "none":
        reasoning: dict[str, Any] = {"enabled": False}
    elif decision.budget_tokens is None:
        reasoning = {"effort": "high"}
    else:
        budget, max_tokens = _budget(decision, cap, max_tokens, answer, strict, notes)
        reasoning = {"max_tokens": budget}
    out: dict[str, Any] = {"extra_body": {"reasoning": reasoning}}
    if max_tokens is not None:
        out["max_tokens"] = max_tokens
    return out


ADAPTERS = {
    "openai": _openai,
    "openai-responses": _openai_responses,
    "anthropic": _anthropic,
    "gemini": _gemini,
    "vllm": _server,
    "sglang": _server,
    "openrouter": _openrouter,
}


def request_params(
    decision: Decision,
    provider: str,
    model: str,
    max_tokens: int | None = None,
    *,
    answer_tokens: int = DEFAULT_ANSWER_TOKENS,
    strict: bool = False,
) -> RequestParams:
    """Keyword arguments that make ``provider``'s SDK honour ``decision``.

    Parameters
    ----------
    decision
        The router's decision.
    provider
        One of :data:`ADAPTERS`: ``openai`` (Chat Completions), ``openai-responses``,
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

    Returns
    -------
    RequestParams
        A dict of SDK keyword arguments; ``.notes`` lists every inexact mapping (for example
        tier none sent as the lowest effort a model accepts).

    Raises
    ------
    ConfigError
        For an unknown provider or model family, or, with ``strict=True``, a combination that
        would need clamping.

    Examples
    --------
    >>> from budgetrouter import Decision
    >>> d = Decision("short", 512, 300, 900, 0.1, False, "v")
    >>> dict(request_params(d, "anthropic", "claude-sonnet-4-6", max_tokens=4096))
    {'max_tokens': 4096, 'thinking': {'type': 'enabled', 'budget_tokens': 1024}}
    """
    if answer_tokens < 1:
        raise ConfigError(f"answer_tokens must be positive, got {answer_tokens!r}")
    if max_tokens is not None and max_tokens < 1:
        raise ConfigError(f"max_tokens must be positive, got {max_tokens!r}")
    cap = capability(provider, model)
    notes: list[str] = []
    params = ADAPTERS[provider](_Request(decision, cap, max_tokens, answer_tokens, strict, notes))
    for note in notes:
        logger.info("%s %s: %s", provider, model, note)
    return RequestParams(params, notes)

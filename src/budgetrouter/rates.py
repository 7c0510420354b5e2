"""Output-token prices and output speeds per model: what a forecast turns tokens into.

Reasoning tokens are billed as output tokens and generated at the model's output speed, so a
forecast of reasoning tokens becomes a cost (:data:`PRICES`, USD per million output tokens)
and an added latency (:data:`THROUGHPUT`, output tokens per second). Each entry carries its
source and the date it was read; both tables are defaults that callers override
(:func:`budgetrouter.forecast.forecast`), since prices change and speed depends on the
deployment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """One table entry: a value, where it comes from, and when it was read.

    Attributes
    ----------
    value
        USD per million output tokens (:data:`PRICES`) or output tokens per second
        (:data:`THROUGHPUT`).
    source
        The page the value was read from.
    as_of
        When it was read (ISO date, or month).
    """

    value: float
    source: str
    as_of: str


_LITELLM = (
    "LiteLLM 1.110.2 model cost map (model_prices_and_context_window_backup.json), from the "
    "provider's pricing page"
)
_READ = "2026-11-29"


def _litellm(value: float) -> Rate:
    return Rate(value, _LITELLM, _READ)


def _page(value: float, page: str) -> Rate:
    return Rate(value, page, "2025-08")


_ANTHROPIC = "https://www.anthropic.com/pricing#api"

#: USD per million output tokens (reasoning tokens are billed as output), by model name.
PRICES: dict[str, Rate] = {
    "o1": _litellm(60.0),
    "o1-pro": _litellm(600.0),
    "o3": _litellm(8.0),
    "o3-mini": _litellm(4.4),
    "o4-mini": _litellm(4.4),
    "gpt-5": _litellm(10.0),
    "gpt-5-mini": _litellm(2.0),
    "gpt-5-nano": _litellm(0.4),
    "gpt-5-pro": _litellm(120.0),
    "gpt-5-codex": _litellm(10.0),
    "gpt-5.1": _litellm(10.0),
    "gpt-5.1-codex": _litellm(10.0),
    "gpt-5.1-codex-mini": _litellm(2.0),
    "gpt-5.1-codex-max": _litellm(10.0),
    "gpt-5.2": _litellm(14.0),
    "claude-3-7-sonnet": _page(15.0, _ANTHROPIC),
    "claude-sonnet-4": _page(15.0, _ANTHROPIC),
    "claude-opus-4": _page(75.0, _ANTHROPIC),
    "claude-opus-4-1": _page(75.0, _ANTHROPIC),
    "claude-sonnet-4-5": _litellm(15.0),
    "claude-sonnet-4-6": _litellm(15.0),
    "claude-haiku-4-5": _litellm(5.0),
    "claude-opus-4-5": _litellm(25.0),
    "claude-opus-4-6": _litellm(25.0),
    "claude-opus-4-7": _litellm(25.0),
    "claude-opus-4-8": _litellm(25.0),
    "claude-sonnet-5": _litellm(10.0),
    "claude-opus-5": _litellm(25.0),
    "gemini-2.5-pro": _litellm(10.0),
    "gemini-2.5-flash": _litellm(2.5),
    "gemini-2.5-flash-lite": _litellm(0.4),
    "grok-3-mini": _page(0.5, "https://docs.x.ai/docs/models"),
    "deepseek-reasoner": _litellm(0.42),
}

_AA = "Artificial Analysis median output speed, via https://benchlm.ai/llm-speed"
_AA_2026 = "Artificial Analysis output speed, via https://www.aitoolrank.net/reviews/fastest-ai-models-2026"

#: Output tokens per second on the provider's own API, by model name.
THROUGHPUT: dict[str, Rate] = {
    "o3-mini": Rate(160.0, _AA, "2026-04-07"),
    "o4-mini": Rate(161.0, _AA, "2026-04-07"),
    "gemini-2.5-flash": Rate(221.0, _AA, "2026-04-07"),
    "grok-3-mini": Rate(190.0, _AA, "2026-04-07"),
    "gpt-oss-20b": Rate(313.0, _AA, "2026-04-07"),
    "gemini-2.5-flash-lite": Rate(389.0, _AA_2026, "2026"),
    "gemini-3-flash": Rate(192.0, _AA_2026, "2026"),
    "gemini-3.1-pro": Rate(113.0, _AA_2026, "2026"),
    "gpt-5.1": Rate(92.0, _AA_2026, "2026"),
    "gpt-5.2": Rate(70.0, _AA_2026, "2026"),
    "gpt-5.2-codex": Rate(99.0, _AA_2026, "2026"),
    "gpt-5.3-codex": Rate(72.0, _AA_2026, "2026"),
    "claude-sonnet-4-6": Rate(71.0, _AA_2026, "2026"),
    "claude-opus-4-5": Rate(57.0, _AA_2026, "2026"),
    "claude-opus-4-6": Rate(51.0, _AA_2026, "2026"),
}

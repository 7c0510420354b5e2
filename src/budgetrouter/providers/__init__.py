"""Providers: request parameters from a decision, and reasoning usage from a response.

One module per provider (:mod:`~budgetrouter.providers.openai`,
:mod:`~budgetrouter.providers.anthropic`, :mod:`~budgetrouter.providers.gemini`,
:mod:`~budgetrouter.providers.servers` for vLLM and SGLang,
:mod:`~budgetrouter.providers.openrouter`) holds its capability rows, its request builder and
its usage reader; :mod:`~budgetrouter.providers.registry` dispatches by provider name.
"""

from budgetrouter.providers.base import (
    Capability,
    Provider,
    RequestParams,
    Usage,
    default_token_counter,
)
from budgetrouter.providers.registry import (
    CAPABILITIES,
    PROVIDERS,
    capability,
    reasoning_usage,
    request_params,
)

__all__ = [
    "CAPABILITIES",
    "PROVIDERS",
    "Capability",
    "Provider",
    "RequestParams",
    "Usage",
    "capability",
    "default_token_counter",
    "reasoning_usage",
    "request_params",
]

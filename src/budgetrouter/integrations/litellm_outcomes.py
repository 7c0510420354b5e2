"""The outcome row of a LiteLLM call the callback routed, appended once per call.

:class:`LiteLLMOutcomes` is what :class:`~budgetrouter.integrations.litellm.BudgetRouterCallback`
does in its success hooks: it reads the routing the pre-call hook left in the call's metadata
(:func:`~budgetrouter.integrations.litellm_request.plan_of`), checks that the call answered is
the one routed, reads the reasoning count from the response and appends one row to the
:class:`~budgetrouter.outcomes.OutcomeLog` (LiteLLM may report one call's success twice).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from budgetrouter.clients.failures import LOG_ERRORS, Warnings
from budgetrouter.clients.kwargs import user_text
from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.integrations.litellm_request import digest, plan_of, provider_of, same_rules
from budgetrouter.providers import reasoning_usage

if TYPE_CHECKING:
    from budgetrouter.outcomes import OutcomeLog


class LiteLLMOutcomes:
    """Append each routed LiteLLM call's outcome to a log, once per call.

    Parameters
    ----------
    log
        The outcome log.
    warnings
        Where a call that cannot be logged is reported (raised under ``strict``).
    """

    def __init__(self, log: OutcomeLog, warnings: Warnings) -> None:
        self.log = log
        self._warnings = warnings
        self._lock = threading.Lock()
        self._logged: OrderedDict[str, None] = OrderedDict()

    def record(self, kwargs: Mapping[str, Any], response: Any) -> None:
        """Log the outcome of a call the callback routed (success hooks' ``kwargs``)."""
        plan = plan_of(kwargs.get("litellm_params") or {})
        if plan is None or plan["decision"] is None or not self._first(kwargs):
            return
        try:
            prompt = user_text(kwargs.get("messages"))
            if digest(prompt) != plan["prompt_sha1"]:
                raise ConfigError(
                    "the call's logged messages are not the routed ones (LiteLLM's message "
                    "redaction is on, or a hook changed them)"
                )
            answered = provider_of(kwargs.get("model"), kwargs.get("custom_llm_provider"))
            if not same_rules(answered, (plan["provider"], plan["model"])):
                raise ConfigError(f"answered by {answered[1]!r}, routed for {plan['model']!r}")
            usage = reasoning_usage(response, self.log.count_tokens, provider="openai")
            self.log.record(
                prompt, Decision(**plan["decision"]), response, model=plan["model"],
                usage=replace(usage, provider=plan["provider"]), extra=plan["row"],
            )  # fmt: skip
        except LOG_ERRORS as err:
            self._warnings.fail(f"{plan['model']}: the outcome was not logged", err)

    def _first(self, kwargs: Mapping[str, Any]) -> bool:
        """Whether this is the first success event of the call (LiteLLM's ``litellm_call_id``)."""
        call = kwargs.get("litellm_call_id")
        if not isinstance(call, str):
            return True
        with self._lock:
            if call in self._logged:
                return False
            self._logged[call] = None
            if len(self._logged) > 4096:
                self._logged.popitem(last=False)
        return True

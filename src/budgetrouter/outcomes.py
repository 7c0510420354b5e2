"""Outcome logging: what a routed request really cost, appended as training data.

:class:`OutcomeLog` appends one JSON line per request to a local file. JSONL is the format the
trainer reads (``budgetrouter train --data log.jsonl``), so a log is training data with no
conversion step; appending never rewrites earlier rows, a crash loses at most the line being
written, and an exclusive file lock keeps lines whole when several threads or processes log at
once. The reasoning tokens and the cut-off flag are read from the providers' real response
shapes by :func:`budgetrouter.providers.reasoning_usage`; the next tier up for a run cut off
while thinking is :meth:`budgetrouter.decision.TierRules.escalate`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_int
from budgetrouter.errors import ConfigError
from budgetrouter.inputs import prompt_problem
from budgetrouter.providers import reasoning_usage

if TYPE_CHECKING:
    from budgetrouter.decision import Decision
    from budgetrouter.providers.base import TokenCounter


class OutcomeLog:
    """Append-only JSONL log of routed requests and what they cost.

    Parameters
    ----------
    path
        The log file (created with its folder on first write).
    count_tokens
        Token counter for responses that carry reasoning text (see
        :func:`budgetrouter.providers.reasoning_usage`).
    """

    def __init__(self, path: str | Path, count_tokens: TokenCounter | None = None) -> None:
        self.path = Path(path)
        self._count = count_tokens
        self._lock = threading.Lock()

    def record(
        self,
        prompt: str,
        decision: Decision,
        response: Any,
        *,
        model: str | None = None,
        group: str | None = None,
        correct: float | bool | None = None,
    ) -> dict[str, Any]:
        """Append one observation and return it.

        Parameters
        ----------
        prompt
            The prompt that was routed.
        decision
            The router's decision for it.
        response
            The provider's response (SDK object or dict).
        model
            The model that answered.
        group
            Task family or application route, for grouped splits; defaults to a hash of the
            prompt (each prompt its own family).
        correct
            Quality of the answer (bool or score in [0, 1]) when the caller knows it. Without
            it the row records whether the run finished with an answer (not cut off, refused or
            failed: ``status``) as its success, and says so in ``correct_source``.

        Returns
        -------
        dict
            The row written: the trainer's observation columns plus the decision.
        """
        problem = prompt_problem(prompt)
        if problem is not None:
            raise ConfigError(f"the prompt {problem}. Nothing was logged")
        for name, value in (("model", model), ("group", group)):
            if value is not None and not (isinstance(value, str) and _encodable(value)):
                raise ConfigError(
                    f"{name} must be valid text (a string with no unpaired surrogates), got "
                    f"{value!r}. Nothing was logged"
                )
        if correct is not None and not (
            isinstance(correct, bool)
            or (isinstance(correct, int | float) and 0 <= float(correct) <= 1)
        ):
            raise ConfigError(f"correct must be a bool or a score in [0, 1], got {correct!r}")
        usage = reasoning_usage(response, self._count)
        if not is_int(usage.reasoning_tokens) or usage.reasoning_tokens < 0:
            # The trainer would reject the whole log file over this one row.
            raise ConfigError(
                f"the {usage.provider} response reports {usage.reasoning_tokens!r} reasoning "
                "tokens; a count must be a non-negative integer. Nothing was logged"
            )
        if correct is None:
            score, source = float(usage.status == "finished"), "finished"
        else:
            score, source = float(correct), "caller"
        row = {
            "prompt": prompt,
            "reasoning_tokens": usage.reasoning_tokens,
            "correct": score,
            "correct_source": source,
            "truncated": usage.truncated,
            "status": usage.status,
            "model": model,
            "group": group or "p-" + hashlib.sha1(prompt.encode("utf-8")).hexdigest()[:12],
            "budget": decision.budget_tokens,
            "tier": decision.tier,
            "provider": usage.provider,
            "bundle_version": decision.bundle_version,
            "logged_at": time.time(),
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return row


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

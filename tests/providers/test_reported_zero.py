"""A reported 0 beside reasoning the response shows is not a count of 0.

SGLang and vLLM can report ``reasoning_tokens: 0`` while the message carries its reasoning text
(sgl-project/sglang #15660); other shapes can show thinking beside a 0 or a missing count.
"""

from __future__ import annotations

import pytest
from anthropic.types import Message, TextBlock, ThinkingBlock, Usage
from google.genai import types as genai
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from budgetrouter.providers import reasoning_usage

REASONING = "First, 17 times 3 is 51. Then 51 plus 9 is 60. So the answer is 60."


def words(text: str) -> int:
    return len(text.split())


def chat(reasoning_tokens: int | None, text: str | None) -> ChatCompletion:
    details = {} if reasoning_tokens is None else {"reasoning_tokens": reasoning_tokens}
    message = {"role": "assistant", "content": "60"}
    if text is not None:
        message["reasoning_content"] = text
    return ChatCompletion.model_validate(
        {
            "id": "c", "object": "chat.completion", "created": 0, "model": "qwen3-8b",
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 40, "total_tokens": 45,
                      "completion_tokens_details": details},
        }
    )  # fmt: skip


@pytest.mark.parametrize("provider", ["sglang", "vllm", "openai", "openrouter"])
def test_a_chat_zero_beside_reasoning_text_counts_the_text(provider):
    usage = reasoning_usage(chat(0, REASONING), words, provider=provider)
    assert usage.reasoning_tokens == words(REASONING) > 0


@pytest.mark.parametrize("provider", ["sglang", "vllm", "openai"])
def test_a_chat_zero_without_reasoning_text_is_zero(provider):
    assert reasoning_usage(chat(0, None), words, provider=provider).reasoning_tokens == 0
    assert reasoning_usage(chat(0, "  "), words, provider=provider).reasoning_tokens == 0


def test_a_chat_count_above_zero_is_taken_as_reported():
    assert reasoning_usage(chat(120, REASONING), words, provider="sglang").reasoning_tokens == 120


def claude(model: str, thinking: str, thinking_tokens: int) -> dict:
    message = Message(
        id="m", type="message", role="assistant", model=model,
        content=[ThinkingBlock(type="thinking", thinking=thinking, signature="s"),
                 TextBlock(type="text", text="60")],
        stop_reason="end_turn", stop_sequence=None,
        usage=Usage(input_tokens=5, output_tokens=40),
    ).model_dump()  # fmt: skip
    message["usage"]["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return message


def test_an_anthropic_zero_beside_thinking_is_not_a_count():
    # Claude 4 shows a summary: without a real count, unknown
    assert (
        reasoning_usage(claude("claude-sonnet-4-5", REASONING, 0), words).reasoning_tokens is None
    )
    # Claude 3.7 shows the whole thinking: counted
    full = reasoning_usage(claude("claude-3-7-sonnet-latest", REASONING, 0), words)
    assert full.reasoning_tokens == words(REASONING)
    assert (
        reasoning_usage(claude("claude-sonnet-4-5", REASONING, 700), words).reasoning_tokens == 700
    )


def test_gemini_thought_parts_without_a_count_are_unknown():
    parts = [genai.Part(text="Let me add.", thought=True), genai.Part(text="60")]
    response = genai.GenerateContentResponse(
        candidates=[
            genai.Candidate(
                content=genai.Content(role="model", parts=parts),
                finish_reason=genai.FinishReason.STOP,
            )
        ],
        usage_metadata=genai.GenerateContentResponseUsageMetadata(
            prompt_token_count=5, candidates_token_count=3, total_token_count=8
        ),
    )
    assert reasoning_usage(response).reasoning_tokens is None


def responses(output: list[dict], reasoning_tokens: int) -> Response:
    return Response.model_validate(
        {
            "id": "r", "object": "response", "created_at": 0, "model": "gpt-oss-20b",
            "status": "completed", "output": output, "parallel_tool_calls": False,
            "tool_choice": "auto", "tools": [],
            "usage": {"input_tokens": 5, "output_tokens": 40, "total_tokens": 45,
                      "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": reasoning_tokens}},
        }
    )  # fmt: skip


def test_a_responses_zero_beside_reasoning_is_read_from_it():
    full = [{"type": "reasoning", "id": "rs", "summary": [],
             "content": [{"type": "reasoning_text", "text": REASONING}]}]  # fmt: skip
    assert reasoning_usage(responses(full, 0), words).reasoning_tokens == words(REASONING)
    summary = [{"type": "reasoning", "id": "rs",
                "summary": [{"type": "summary_text", "text": "Added."}]}]  # fmt: skip
    assert reasoning_usage(responses(summary, 0), words).reasoning_tokens is None
    assert reasoning_usage(responses([], 0), words).reasoning_tokens == 0

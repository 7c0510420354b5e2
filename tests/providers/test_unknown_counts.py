"""A response that does not report its reasoning tokens is read as unknown, never as 0."""

import pytest
from anthropic.types import Message, RedactedThinkingBlock, TextBlock, ThinkingBlock, Usage
from google.genai import types as genai
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.outcomes import OutcomeLog
from budgetrouter.providers import reasoning_usage

SHORT = Decision("short", 1024, 300, 900, 0.1, False, "v")


def claude(*blocks):
    return Message(
        id="msg_1", type="message", role="assistant", model="claude-sonnet-4-5",
        content=[*blocks, TextBlock(type="text", text="42")], stop_reason="end_turn",
        stop_sequence=None, usage=Usage(input_tokens=10, output_tokens=3000),
    )  # fmt: skip


def chat(usage):
    return ChatCompletion.model_validate(
        {
            "id": "c", "object": "chat.completion", "created": 0, "model": "o4-mini",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "42"}}],
            "usage": usage,
        }
    )  # fmt: skip


def response(usage):
    return Response.model_validate(
        {
            "id": "r", "object": "response", "created_at": 0, "model": "o4-mini",
            "status": "completed", "output": [], "parallel_tool_calls": False,
            "tool_choice": "auto", "tools": [], "usage": usage,
        }
    )  # fmt: skip


def gemini(metadata):
    return genai.GenerateContentResponse(
        candidates=[
            genai.Candidate(
                content=genai.Content(role="model", parts=[genai.Part(text="42")]),
                finish_reason=genai.FinishReason.STOP,
            )
        ],
        usage_metadata=metadata,
    )


UNKNOWN = [
    claude(RedactedThinkingBlock(type="redacted_thinking", data="EmwKAhgBEgy3va3p")),
    claude(ThinkingBlock(type="thinking", thinking="", signature="s")),  # display omitted
    chat(None),  # a stream read without include_usage
    response(None),
    gemini(None),
]


@pytest.mark.parametrize(
    "reply", UNKNOWN, ids=["redacted", "omitted", "chat", "responses", "gemini"]
)
def test_no_reported_count_is_unknown_and_not_logged(reply, tmp_path):
    assert reasoning_usage(reply).reasoning_tokens is None
    log = OutcomeLog(tmp_path / "o.jsonl")
    with pytest.raises(ConfigError, match="does not report its reasoning tokens.*Nothing was"):
        log.record("2+3?", SHORT, reply)
    assert not log.path.exists()


def test_a_reported_zero_is_zero():
    details = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    assert reasoning_usage(chat(details)).reasoning_tokens == 0  # vLLM, thinking off
    assert reasoning_usage(gemini(genai.GenerateContentResponseUsageMetadata(
        prompt_token_count=3, candidates_token_count=1))).reasoning_tokens == 0  # fmt: skip
    shown = claude(ThinkingBlock(type="thinking", thinking="one two", signature="s"))
    full = shown.model_copy(update={"model": "claude-3-7-sonnet-20250219"})  # the whole text
    assert reasoning_usage(full, count_tokens=lambda t: len(t.split())).reasoning_tokens == 2


def test_a_claude_4_summary_is_not_its_reasoning_count():
    summary = claude(ThinkingBlock(type="thinking", thinking="A short summary.", signature="s"))
    assert reasoning_usage(summary).reasoning_tokens is None  # Claude 4 shows a summary only


def test_openai_chat_without_its_count_is_unknown_and_a_refusal_is_refused():
    no_details = chat({"prompt_tokens": 1, "completion_tokens": 900, "total_tokens": 901})
    assert reasoning_usage(no_details, provider="openai").reasoning_tokens is None
    assert reasoning_usage(no_details, provider="vllm").reasoning_tokens == 0  # thinking off
    refusal = ChatCompletion.model_validate(
        {**no_details.model_dump(), "choices": [{"index": 0, "finish_reason": "stop",
         "message": {"role": "assistant", "content": None, "refusal": "I can't help."}}]}
    )  # fmt: skip
    assert reasoning_usage(refusal, provider="vllm").status == "refused"


def test_the_default_counter_counts_long_words():
    from budgetrouter.providers import default_token_counter

    assert default_token_counter()("x" * 300) > 10

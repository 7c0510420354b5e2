"""How a run ended, read from real SDK response objects: finished, truncated, refused, failed."""

import pytest
from anthropic.types import Message, OutputTokensDetails, TextBlock, ThinkingBlock, Usage
from google.genai import types as genai
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.outcomes import OutcomeLog
from budgetrouter.providers import reasoning_usage

SHORT = Decision("short", 1024, 300, 900, 0.1, False, "v")


def anthropic_message(stop_reason, thinking_tokens=None, thinking_text="ok"):
    details = (
        None if thinking_tokens is None else OutputTokensDetails(thinking_tokens=thinking_tokens)
    )
    return Message(
        id="msg_1",
        type="message",
        role="assistant",
        model="claude-sonnet-4-5",
        content=[
            ThinkingBlock(type="thinking", thinking=thinking_text, signature="s"),
            TextBlock(type="text", text="42"),
        ],
        stop_reason=stop_reason,
        stop_sequence=None,
        usage=Usage(input_tokens=10, output_tokens=6000, output_tokens_details=details),
    )


@pytest.mark.parametrize(
    ("stop_reason", "status"),
    [
        ("end_turn", "finished"),
        ("max_tokens", "truncated"),
        ("model_context_window_exceeded", "truncated"),
        ("refusal", "refused"),
    ],
)
def test_anthropic_stop_reasons(stop_reason, status):
    usage = reasoning_usage(anthropic_message(stop_reason, 5200), provider="anthropic")
    assert usage.status == status and usage.truncated == (status == "truncated")


def test_anthropic_summarised_thinking_counts_the_usage_field():
    usage = reasoning_usage(anthropic_message("end_turn", 5200, "a short summary"))
    assert usage.reasoning_tokens == 5200
    redacted = reasoning_usage(anthropic_message("end_turn", 3000, ""))
    assert redacted.reasoning_tokens == 3000


def openai_response(status, reason=None):
    return Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": "o4-mini",
            "output": [],
            "parallel_tool_calls": False,
            "tool_choice": "auto",
            "tools": [],
            "status": status,
            "incomplete_details": {"reason": reason} if reason else None,
            "usage": {
                "input_tokens": 5,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": 900,
                "output_tokens_details": {"reasoning_tokens": 800},
                "total_tokens": 905,
            },
        }
    )


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("completed", None, "finished"),
        ("incomplete", "max_output_tokens", "truncated"),
        ("incomplete", "content_filter", "refused"),
        ("failed", None, "failed"),
        ("cancelled", None, "failed"),
    ],
)
def test_openai_responses_status(status, reason, expected):
    assert reasoning_usage(openai_response(status, reason)).status == expected


@pytest.mark.parametrize(
    ("finish", "expected"),
    [("stop", "finished"), ("length", "truncated"), ("content_filter", "refused")],
)
def test_openai_chat_finish_reasons(finish, expected):
    completion = ChatCompletion.model_validate(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "o4-mini",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "message": {"role": "assistant", "content": "42"},
                }
            ],
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": 900,
                "total_tokens": 905,
                "completion_tokens_details": {"reasoning_tokens": 800},
            },
        }
    )
    usage = reasoning_usage(completion, provider="openai")
    assert usage.status == expected and usage.reasoning_tokens == 800


@pytest.mark.parametrize(
    ("finish", "expected"),
    [
        (genai.FinishReason.STOP, "finished"),
        (genai.FinishReason.MAX_TOKENS, "truncated"),
        (genai.FinishReason.SAFETY, "refused"),
        (genai.FinishReason.OTHER, "failed"),
    ],
)
def test_gemini_finish_reasons(finish, expected):
    response = genai.GenerateContentResponse(
        candidates=[genai.Candidate(finish_reason=finish)],
        usage_metadata=genai.GenerateContentResponseUsageMetadata(thoughts_token_count=300),
    )
    usage = reasoning_usage(response, provider="gemini")
    assert usage.status == expected and usage.reasoning_tokens == 300


def test_only_a_finished_answer_counts_as_correct_by_default(tmp_path):
    log = OutcomeLog(tmp_path / "log.jsonl")
    for stop, correct in (("end_turn", 1.0), ("refusal", 0.0), ("max_tokens", 0.0)):
        row = log.record("q", SHORT, anthropic_message(stop, 500))
        assert (
            row["correct"] == correct
            and row["status"] == reasoning_usage(anthropic_message(stop, 500)).status
        )
    failed = log.record("q", SHORT, openai_response("failed"))
    assert failed["correct"] == 0.0 and failed["status"] == "failed"


def test_a_fractional_count_is_refused_and_nothing_is_logged(tmp_path):
    log = OutcomeLog(tmp_path / "log.jsonl")
    # The SDK's own types refuse it; the JSON a proxy passes on may still carry one.
    body = anthropic_message("end_turn", 5200).model_dump()
    body["usage"]["output_tokens_details"]["thinking_tokens"] = 5200.5
    with pytest.raises(ConfigError, match="non-negative integer"):
        log.record("q", SHORT, body)
    assert not (tmp_path / "log.jsonl").exists() or (tmp_path / "log.jsonl").read_text() == ""

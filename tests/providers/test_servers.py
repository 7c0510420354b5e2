"""vLLM and SGLang: template switches and budgets sent, reasoning text counted back."""

from budgetrouter.providers import reasoning_usage, request_params
from tests.providers.loopback import NONE, SHORT, UNCAPPED, send_openai, words

VLLM_REPLY = {
    "choices": [
        {
            "message": {"content": "4", "reasoning_content": "two plus two is four"},
            "finish_reason": "stop",
        }
    ]
}


def test_vllm_and_sglang(server):
    body = send_openai(server, request_params(NONE, "vllm", "Qwen/Qwen3-8B"), "Qwen/Qwen3-8B")
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    body = send_openai(server, request_params(SHORT, "vllm", "Qwen/Qwen3-8B"), "Qwen/Qwen3-8B")
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert body["thinking_token_budget"] == 2000
    assert body["max_tokens"] == 2000 + 1024
    body = send_openai(server, request_params(SHORT, "sglang", "qwen3"), "qwen3")
    assert body["chat_template_kwargs"] == {"enable_thinking": True, "thinking_budget": 2000}


def test_uncapped_sends_no_budget_unless_max_tokens_needs_room_for_the_answer(server):
    body = send_openai(server, request_params(UNCAPPED, "sglang", "qwen3"), "qwen3")
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert "max_tokens" not in body
    params = request_params(UNCAPPED, "vllm", "qwen3", max_tokens=5000)  # the answer keeps 1024
    body = {"chat_template_kwargs": {"enable_thinking": True}, "thinking_token_budget": 3976}
    assert params == {"extra_body": body, "max_tokens": 5000}


def test_vllm_reasoning_content_is_counted():
    usage = reasoning_usage(VLLM_REPLY, count_tokens=words)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (5, False, "vllm")
    assert reasoning_usage(VLLM_REPLY).reasoning_tokens >= 5  # the packaged tokenizer


def test_sglang_reader_names_its_provider():
    cut = {"choices": [{**VLLM_REPLY["choices"][0], "finish_reason": "length"}]}
    usage = reasoning_usage(cut, count_tokens=words, provider="sglang")
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (5, True, "sglang")

"""Each provider rule, checked on the JSON body the real SDK sends to a loopback server."""

import json
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from budgetrouter import Decision
from budgetrouter.adapters import CAPABILITIES, request_params
from budgetrouter.errors import ConfigError

OPENAI_CHAT = {
    "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}  # fmt: skip
OPENAI_RESPONSE = {
    "id": "r1", "object": "response", "created_at": 0, "model": "m", "status": "completed",
    "output": [], "parallel_tool_calls": False, "tool_choice": "auto", "tools": [],
}  # fmt: skip
ANTHROPIC = {
    "id": "m1", "type": "message", "role": "assistant", "model": "claude",
    "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
    "usage": {"input_tokens": 1, "output_tokens": 1},
}  # fmt: skip
GEMINI = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                    "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1},
}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    bodies: ClassVar[list] = []
    replies: ClassVar[dict] = {}  # a test may set the reply of the next call per API

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        self.bodies.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
        if "generateContent" in self.path:
            reply = self.replies.pop("gemini", GEMINI)
        elif self.path.endswith("/messages"):
            reply = self.replies.pop("anthropic", ANTHROPIC)
        elif self.path.endswith("/responses"):
            reply = self.replies.pop("responses", OPENAI_RESPONSE)
        else:
            reply = self.replies.pop("chat", OPENAI_CHAT)
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def last_body():
    return _Handler.bodies[-1][1]


def decision(tier, budget):
    return Decision(tier, budget, 100, 500, 0.2, False, "test")


NONE, SHORT, LONG, UNCAPPED = (
    decision("none", 0),
    decision("short", 2000),
    decision("long", 4096),
    decision("long", None),
)


def send_openai(server, params, model, responses=False):
    from openai import OpenAI

    client = OpenAI(api_key="test", base_url=f"{server}/v1", max_retries=0)
    if responses:
        client.responses.create(model=model, input="hi", **params)
    else:
        client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], **params
        )
    return last_body()


def send_anthropic(server, params, model):
    from anthropic import Anthropic

    client = Anthropic(api_key="test", base_url=server, max_retries=0)
    client.messages.create(model=model, messages=[{"role": "user", "content": "hi"}], **params)
    return last_body()


def send_gemini(server, params, model):
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="test", http_options=types.HttpOptions(base_url=server))
    client.models.generate_content(model=model, contents="hi", **params)
    return last_body()


@pytest.mark.parametrize(
    ("model", "d", "effort"),
    [
        ("o3-mini", NONE, "low"),
        ("gpt-5", NONE, "minimal"),
        ("gpt-5.1", NONE, "none"),
        ("o3", SHORT, "low"),
        ("o4-mini", LONG, "medium"),
        ("gpt-5", UNCAPPED, "high"),
    ],
)
def test_openai_reasoning_effort(server, model, d, effort):
    params = request_params(d, "openai", model)
    assert send_openai(server, params, model)["reasoning_effort"] == effort
    if d.tier == "none" and effort != "none":
        assert any("lowest effort" in n for n in params.notes)


def test_openai_responses_reasoning(server):
    body = send_openai(
        server,
        request_params(SHORT, "openai-responses", "gpt-5", max_tokens=3000),
        "gpt-5",
        responses=True,
    )
    assert body["reasoning"] == {"effort": "low"}
    assert body["max_output_tokens"] == 3000


def test_anthropic_budget_is_at_least_1024_and_below_max_tokens(server):
    body = send_anthropic(
        server,
        request_params(SHORT, "anthropic", "claude-sonnet-4-6", max_tokens=8000),
        "claude-sonnet-4-6",
    )
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert body["max_tokens"] == 8000
    with pytest.warns(UserWarning, match="below the minimum 1024"):
        params = request_params(decision("short", 300), "anthropic", "claude-sonnet-4")
    body = send_anthropic(server, params, "claude-sonnet-4")
    assert body["thinking"]["budget_tokens"] == 1024 < body["max_tokens"]


def test_anthropic_max_tokens_too_small(server):
    with pytest.raises(ConfigError, match="strict=True refuses"):
        request_params(SHORT, "anthropic", "claude-sonnet-4", max_tokens=1500, strict=True)
    with pytest.warns(UserWarning, match="max_tokens raised"):
        params = request_params(SHORT, "anthropic", "claude-sonnet-4", max_tokens=1500)
    body = send_anthropic(server, params, "claude-sonnet-4")
    assert body["thinking"]["budget_tokens"] + 1024 <= body["max_tokens"]


def test_anthropic_none_and_uncapped(server):
    assert "thinking" not in send_anthropic(
        server, request_params(NONE, "anthropic", "claude-3-7"), "claude-3-7"
    )
    body = send_anthropic(
        server,
        request_params(UNCAPPED, "anthropic", "claude-opus-4-1", max_tokens=20000),
        "claude-opus-4-1",
    )
    assert body["thinking"]["budget_tokens"] == 20000 - 1024


def test_anthropic_adaptive_only_model(server):
    params = request_params(NONE, "anthropic", "claude-opus-4-7")
    body = send_anthropic(server, params, "claude-opus-4-7")
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": "low"}
    assert params.notes


@pytest.mark.parametrize(
    ("model", "d", "budget"),
    [
        ("gemini-2.5-pro", NONE, 128),
        ("gemini-2.5-flash", NONE, 0),
        ("gemini-2.5-flash", SHORT, 2000),
        ("gemini-2.5-flash-lite", decision("short", 100), 512),
        ("gemini-2.5-pro", decision("long", 60000), 32768),
        ("gemini-2.5-flash", UNCAPPED, -1),
    ],
)
def test_gemini_thinking_budget(server, model, d, budget):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        params = request_params(d, "gemini", model)
    assert bool(caught) == (d.budget_tokens == 100)  # only the below-minimum budget warns
    body = send_gemini(server, params, model)
    # google-genai writes the ThinkingConfig fields by their proto names, as it does for its
    # own typed ThinkingConfig(thinking_budget=...)
    assert body["generationConfig"]["thinkingConfig"] == {"thinking_budget": budget}


def test_gemini_3_sends_a_level_never_a_budget(server):
    body = send_gemini(
        server, request_params(SHORT, "gemini", "gemini-3-pro-preview"), "gemini-3-pro-preview"
    )
    assert body["generationConfig"]["thinkingConfig"] == {"thinking_level": "LOW"}


def test_vllm_and_sglang(server):
    body = send_openai(server, request_params(NONE, "vllm", "Qwen/Qwen3-8B"), "Qwen/Qwen3-8B")
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    body = send_openai(server, request_params(SHORT, "vllm", "Qwen/Qwen3-8B"), "Qwen/Qwen3-8B")
    assert body["chat_template_kwargs"] == {"enable_thinking": True}
    assert body["thinking_token_budget"] == 2000
    assert body["max_tokens"] == 2000 + 1024
    body = send_openai(server, request_params(SHORT, "sglang", "qwen3"), "qwen3")
    assert body["chat_template_kwargs"] == {"enable_thinking": True, "thinking_budget": 2000}


def test_openrouter(server):
    body = send_openai(server, request_params(SHORT, "openrouter", "any/model"), "any/model")
    assert body["reasoning"] == {"max_tokens": 2000}
    body = send_openai(server, request_params(NONE, "openrouter", "any/model"), "any/model")
    assert body["reasoning"] == {"enabled": False}


def test_unknown_provider_and_model():
    with pytest.raises(ConfigError, match=r"Unknown provider 'gemni'. Available: \['anthropic'"):
        request_params(SHORT, "gemni", "x")
    with pytest.raises(ConfigError, match="No capability row for openai model 'davinci'"):
        request_params(SHORT, "openai", "davinci")


def test_every_row_cites_its_documentation():
    assert all(c.source.startswith("https://") for c in CAPABILITIES)

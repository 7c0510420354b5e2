"""A loopback HTTP server that records the JSON bodies the real SDK clients send.

Each API answers with a minimal valid response of its own shape; a test may set the reply of
the next call per API in ``Handler.replies``.
"""

import json
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

from budgetrouter.decision import Decision

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


class Handler(BaseHTTPRequestHandler):
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


def last_body():
    return Handler.bodies[-1][1]


def decision(tier, budget):
    return Decision(tier, budget, 100, 500, 0.2, False, "test")


NONE, SHORT, LONG, UNCAPPED = (
    decision("none", 0),
    decision("short", 2000),
    decision("long", 4096),
    decision("long", None),
)


def words(text: str) -> int:
    return len(text.split())


def openai_client(server):
    from openai import OpenAI

    return OpenAI(api_key="test", base_url=f"{server}/v1", max_retries=0)


def anthropic_client(server):
    from anthropic import Anthropic

    return Anthropic(api_key="test", base_url=server, max_retries=0)


def gemini_client(server):
    from google import genai
    from google.genai import types

    return genai.Client(api_key="test", http_options=types.HttpOptions(base_url=server))


def send_openai(server, params, model, responses=False):
    client = openai_client(server)
    if responses:
        client.responses.create(model=model, input="hi", **params)
    else:
        client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], **params
        )
    return last_body()


def send_anthropic(server, params, model):
    client = anthropic_client(server)
    client.messages.create(model=model, messages=[{"role": "user", "content": "hi"}], **params)
    return last_body()


def send_gemini(server, params, model):
    client = gemini_client(server)  # kept alive: the SDK closes its transport when collected
    client.models.generate_content(model=model, contents="hi", **params)
    return last_body()

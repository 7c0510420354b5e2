"""Fixtures of the LiteLLM tests: LiteLLM offline, a loopback provider, a real router and log.

LiteLLM fetches its model cost map (and Anthropic beta headers) from GitHub on import unless
told not to, so the environment is set before anything imports it; every socket that is not
to the loopback interface is refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from http.server import ThreadingHTTPServer
from typing import ClassVar

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS"] = "True"
os.environ["LITELLM_OFFLINE_MODE"] = "true"
os.environ.setdefault("LITELLM_LOG", "ERROR")

import litellm

from tests.clients.conftest import log, router, rows  # noqa: F401  (shared fixtures)
from tests.clients.loopback import refusal
from tests.providers.loopback import Handler

litellm.telemetry = False
litellm.suppress_debug_info = True

#: A Chat Completions reply that reports its reasoning tokens.
CHAT = {
    "id": "c1", "object": "chat.completion", "created": 0, "model": "o4-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "4"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 400, "total_tokens": 412,
              "completion_tokens_details": {"reasoning_tokens": 321}},
}  # fmt: skip
#: An Anthropic Messages reply with a thinking block and its count.
ANTHROPIC = {
    "id": "m1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "thinking", "thinking": "2 plus 2 is 4.", "signature": "s"},
                {"type": "text", "text": "4"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 12, "output_tokens": 400,
              "output_tokens_details": {"thinking_tokens": 300}},
}  # fmt: skip
#: A Gemini generateContent reply with its thoughts count.
GEMINI = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "4"}]},
                    "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5,
                      "thoughtsTokenCount": 210, "totalTokenCount": 227},
}  # fmt: skip
REPLIES = {"chat": CHAT, "anthropic": ANTHROPIC, "gemini": GEMINI}


class Provider(Handler):
    """The providers' loopback handler, with its own bodies, answering with :data:`REPLIES`.

    A body the provider refuses (``tests.clients.loopback.refusal``) is answered 400.

    A Chat Completions stream is answered as server-sent chunks: the answer, the finish, and
    the usage chunk when ``stream_options.include_usage`` asks for it.
    """

    bodies: ClassVar[list] = []
    replies: ClassVar[dict] = {}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        self.bodies.append((self.path, body))
        api = "gemini" if "generateContent" in self.path else "chat"
        api = "anthropic" if self.path.endswith("/messages") else api
        answer = self.replies.pop(api, REPLIES[api])
        why = refusal(api, body)
        if why is not None:  # refused as the provider does
            data = json.dumps({"type": "error", "error": {"type": "invalid_request_error",
                                                          "message": why}}).encode()  # fmt: skip
            self.send_response(400)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if body.get("stream"):
            data, kind = chat_stream(answer, body.get("stream_options") or {}), "text/event-stream"
        else:
            data, kind = json.dumps(answer).encode(), "application/json"
        self.send_response(200)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def chat_stream(answer: dict, options: dict) -> bytes:
    """A Chat Completions reply as the chunks of its stream."""
    head = {k: answer[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    choice = answer["choices"][0]
    chunks = [
        head | {"choices": [{"index": 0, "delta": choice["message"], "finish_reason": None}]},
        head | {"choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]},
    ]
    if options.get("include_usage"):
        chunks.append(head | {"choices": [], "usage": answer["usage"]})
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
    return "".join(events).encode()


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse any connection that is not to 127.0.0.1 (LiteLLM must not reach the network)."""
    connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
        ):
            raise OSError(f"test tried to reach {address!r}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def provider_url():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server(provider_url):
    """The loopback provider's URL; it answers with :data:`REPLIES` and keeps the bodies."""
    Provider.bodies.clear()
    Provider.replies.clear()
    yield provider_url
    Provider.bodies.clear()
    Provider.replies.clear()


def bodies() -> list[dict]:
    """The JSON bodies the loopback provider received, in order."""
    return [body for _, body in Provider.bodies]


def reply(**replies: dict) -> None:
    """Queue the next reply of each API (``chat``, ``anthropic``, ``gemini``)."""
    Provider.replies.update(replies)


@pytest.fixture
def register():
    """Register callbacks in ``litellm.callbacks``; all are removed after the test."""
    added = []

    def add(*callbacks):
        added.extend(callbacks)
        litellm.callbacks = list(callbacks)

    yield add
    litellm.callbacks = []
    for callback in added:
        litellm.logging_callback_manager.remove_callback_from_all_lists(callback)


@pytest.fixture(scope="module")
def run():
    """Run a coroutine on one event loop for the module (LiteLLM caches clients per loop)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()

"""A loopback server that answers the real SDK clients like the providers, JSON or SSE.

Each API (``chat``, ``responses``, ``anthropic``, ``gemini``) answers with its queued replies
in order, then with a minimal reply of its shape (from ``tests.providers.loopback``); a queued
reply is a JSON body or a list of stream events (sent as server-sent events). Every request's
path and JSON body is kept in ``bodies``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.providers.loopback import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSE

#: OpenAI's chat usage reports the reasoning count (0 when the model did not think).
CHAT_DEFAULT = {
    **OPENAI_CHAT,
    "usage": {**OPENAI_CHAT["usage"], "completion_tokens_details": {"reasoning_tokens": 0}},
}
DEFAULTS = {
    "chat": CHAT_DEFAULT,
    "responses": OPENAI_RESPONSE,
    "anthropic": ANTHROPIC,
    "gemini": GEMINI,
}


def api_of(path: str) -> str:
    if "generatecontent" in path.lower():
        return "gemini"
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/responses"):
        return "responses"
    return "chat"


def sse(api: str, events: list[dict]) -> bytes:
    """The events as the API streams them."""
    lines = []
    for event in events:
        name = f"event: {event['type']}\n" if api in ("anthropic", "responses") else ""
        lines.append(f"{name}data: {json.dumps(event)}\n\n")
    if api == "chat":
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def _anthropic_refusal(body: dict) -> str | None:
    """Why Anthropic answers 400 to a Messages body with thinking on (its docs, its reports)."""
    thinking = (body.get("thinking") or {}).get("type")
    if thinking not in ("enabled", "adaptive"):
        return None
    if body.get("temperature", 1) != 1:
        return "temperature may only be set to 1 when thinking is enabled"
    if "top_k" in body:
        return "top_k is not supported when thinking is enabled"
    if body.get("top_p", 1) < 0.95:
        return "top_p must be greater than or equal to 0.95 when thinking is enabled"
    if thinking == "enabled" and (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
        return "Thinking may not be enabled when tool_choice forces tool use."
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    i = len(messages) - 1
    while i >= 0 and messages[i].get("role") == "user":
        i -= 1
    tool_results = any(
        isinstance(b, dict) and b.get("type") == "tool_result"
        for m in messages[i + 1 :]
        for b in (m.get("content") if isinstance(m.get("content"), list) else [])
    )
    turn = last if last.get("role") == "assistant" else messages[i] if tool_results else None
    if turn is not None:
        content = turn.get("content")
        first = content[0].get("type") if isinstance(content, list) and content else None
        if first not in ("thinking", "redacted_thinking"):
            return (
                "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                f"`{first or 'text'}`. When `thinking` is enabled, a final `assistant` message "
                "must start with a thinking block."
            )
    return None


def refusal(api: str, body: dict) -> str | None:
    """The 400 message the provider answers ``body`` with, or ``None`` when it accepts it."""
    if api == "anthropic":
        return _anthropic_refusal(body)
    effort = body.get("reasoning_effort") or (body.get("reasoning") or {}).get("effort")
    tools = [t.get("type", "") for t in body.get("tools") or [] if isinstance(t, dict)]
    search = any(t.startswith("web_search") for t in tools) or "web_search_options" in body
    if api in ("chat", "responses") and effort == "minimal" and search:
        return "The following tools cannot be used with reasoning.effort 'minimal': web_search."
    sampling = body.get("temperature", 1) != 1 or body.get("top_p", 1) != 1 or body.get("logprobs")
    if api in ("chat", "responses") and effort not in (None, "none") and sampling:
        return "Unsupported parameter: 'temperature' is not supported with this model."
    return None


class Loopback:
    """The server's state: queued replies per API and the bodies received."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, dict]] = []
        self.queue: dict[str, list] = {api: [] for api in DEFAULTS}
        self.delays: list = []
        self.headers: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    def reply(self, api: str, *replies) -> None:
        """Queue JSON bodies (dicts), streams (lists of events) or HTTP error statuses (ints)."""
        with self.lock:
            self.queue[api].extend(replies)

    def slow(self, seconds: float, when) -> None:
        """Answer requests whose body ``when(body)`` picks only after ``seconds``."""
        with self.lock:
            self.delays.append((when, seconds))

    def reset(self) -> None:
        with self.lock:
            self.delays.clear()
            self.headers.clear()
            self.bodies.clear()
            for queued in self.queue.values():
                queued.clear()

    def sent(self, api: str) -> list[dict]:
        """The bodies sent to ``api``, in order."""
        return [body for path, body in self.bodies if api_of(path) == api]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                api = api_of(self.path)
                with state.lock:
                    state.bodies.append((self.path, body))
                    state.headers.append({k.lower(): v for k, v in self.headers.items()})
                    reply = state.queue[api].pop(0) if state.queue[api] else DEFAULTS[api]
                    wait = sum(seconds for when, seconds in state.delays if when(body))
                if wait:
                    time.sleep(wait)
                status = 200
                why = refusal(api, body)
                if why is not None:  # refused as the provider does, whatever was queued
                    status, reply = (
                        400,
                        {
                            "type": "error",
                            "error": {"type": "invalid_request_error", "message": why},
                        },
                    )
                elif isinstance(reply, int):  # an HTTP error status
                    status, reply = reply, {"error": {"message": "server error", "type": "x"}}
                if isinstance(reply, list):
                    data, kind = sse(api, reply), "text/event-stream"
                else:
                    data, kind = json.dumps(reply).encode(), "application/json"
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> ThreadingHTTPServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        return httpd


# Replies with reasoning counts, and cut off (truncated) when asked.


def chat(reasoning: int, cut: bool = False) -> dict:
    choice = {**OPENAI_CHAT["choices"][0], "finish_reason": "length" if cut else "stop"}
    usage = {
        "prompt_tokens": 5,
        "completion_tokens": reasoning + 1,
        "total_tokens": reasoning + 6,
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }
    return {**OPENAI_CHAT, "model": "o4-mini", "choices": [choice], "usage": usage}


def response(reasoning: int, cut: bool = False) -> dict:
    usage = {
        "input_tokens": 5,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": reasoning + 1,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": reasoning + 6,
    }
    out = {**OPENAI_RESPONSE, "model": "o4-mini", "usage": usage}
    if cut:
        out |= {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}
    return out


def message(thinking: int, cut: bool = False) -> dict:
    return {
        **ANTHROPIC,
        "model": "claude-sonnet-4-6",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "ok"},
        ],
        "stop_reason": "max_tokens" if cut else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 5,
            "output_tokens": thinking + 1,
            "output_tokens_details": {"thinking_tokens": thinking},
        },
    }


def gemini(thoughts: int, cut: bool = False) -> dict:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "ok"}]},
                "finishReason": "MAX_TOKENS" if cut else "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 5,
            "candidatesTokenCount": 1,
            "thoughtsTokenCount": thoughts,
        },
    }


REPLIES = {"chat": chat, "responses": response, "anthropic": message, "gemini": gemini}

# Streams: the events of one run that thought `reasoning` tokens.


def chat_stream(reasoning: int) -> list[dict]:
    def chunk(delta, finish=None):
        return {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "o4-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    last = {**chunk({}), "choices": [], "usage": chat(reasoning)["usage"]}
    return [chunk({"role": "assistant", "content": "o"}), chunk({"content": "k"}, "stop"), last]


def responses_stream(reasoning: int) -> list[dict]:
    start = {**OPENAI_RESPONSE, "model": "o4-mini", "status": "in_progress"}
    return [
        {"type": "response.created", "sequence_number": 0, "response": start},
        {
            "type": "response.output_text.delta",
            "sequence_number": 1,
            "item_id": "m1",
            "output_index": 0,
            "content_index": 0,
            "delta": "ok",
            "logprobs": [],
        },
        {"type": "response.completed", "sequence_number": 2, "response": response(reasoning)},
    ]


def anthropic_stream(thinking: int) -> list[dict]:
    start = {**message(0), "content": [], "stop_reason": None, "usage": {"input_tokens": 5,
             "output_tokens": 1}}  # fmt: skip
    return [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "hmm"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1,
         "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "ok"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": {"output_tokens": thinking + 1,
                   "output_tokens_details": {"thinking_tokens": thinking}}},
        {"type": "message_stop"},
    ]  # fmt: skip


def gemini_stream(thoughts: int) -> list[dict]:
    first = {"candidates": [{"content": {"role": "model", "parts": [{"text": "o"}]}}]}
    return [first, gemini(thoughts)]


STREAMS = {
    "chat": chat_stream,
    "responses": responses_stream,
    "anthropic": anthropic_stream,
    "gemini": gemini_stream,
}

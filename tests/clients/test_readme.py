"""The "Wrapped clients" examples of the docs run as written, with the real SDK clients.

What is substituted, and nothing else:

- the SDKs' own environment variables point the clients at the loopback server:
  ``OPENAI_BASE_URL``/``OPENAI_API_KEY`` and ``ANTHROPIC_BASE_URL``/``ANTHROPIC_API_KEY`` (read
  by ``OpenAI()`` and ``Anthropic()``), ``GEMINI_API_KEY`` (read by ``genai.Client()``);
- google-genai reads no base URL from the environment, so the fixed string ``genai.Client()``
  becomes ``genai.Client(http_options={"base_url": <loopback>})``;
- the blocks run in a temporary working directory (their ``logs/outcomes.jsonl`` is written
  there). They route with the packaged default router, as a user's would.
"""

from __future__ import annotations

import pytest

from tests.clients.conftest import rows
from tests.clients.loopback import (
    anthropic_stream,
    chat,
    chat_stream,
    gemini,
    gemini_stream,
    message,
)
from tests.docs_blocks import page_blocks

pytestmark = [
    pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning"),
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
]


def test_the_wrapped_clients_examples_run(server, tmp_path, monkeypatch):
    blocks = page_blocks("docs/clients.md", section="Wrapped clients")
    assert len(blocks) == 3 and "OpenAI()" in blocks[0] and "Anthropic()" in blocks[1]
    assert "genai.Client()" in blocks[2] and "async def" in blocks[2]
    for name, value in {
        "OPENAI_BASE_URL": f"{server.url}/v1",
        "OPENAI_API_KEY": "test",
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "test",
        "GEMINI_API_KEY": "test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    server.reply("chat", chat(100), chat_stream(50), chat(30))
    server.reply("anthropic", message(2000), anthropic_stream(800))
    server.reply("gemini", gemini(60), gemini_stream(20))
    code = "\n".join(blocks)
    code = code.replace(
        "genai.Client()", f'genai.Client(http_options={{"base_url": "{server.url}"}})'
    )
    namespace: dict = {"__name__": "readme"}
    exec(compile(code, "docs/clients.md", "exec"), namespace)

    logged = rows(namespace["log"])
    assert [r["reasoning_tokens"] for r in logged] == [100, 50, 30, 2000, 800, 60, 20]
    assert [r["thinking_set_by"] for r in logged].count("caller") == 1
    chats = server.sent("chat")
    assert chats[0]["reasoning_effort"] and chats[2]["reasoning_effort"] == "low"
    assert chats[1]["stream_options"] == {"include_usage": True}
    assert all("thinking" in body for body in server.sent("anthropic"))
    assert all("thinkingConfig" in b["generationConfig"] for b in server.sent("gemini"))

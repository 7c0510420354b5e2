"""The docs' provider and outcome-log examples and the README's wrapped client, run as written.

What is substituted, and nothing else: the SDKs' own environment variables point the real
clients at the loopback server (``OPENAI_BASE_URL``/``OPENAI_API_KEY``,
``ANTHROPIC_BASE_URL``/``ANTHROPIC_API_KEY``), and the blocks run in a temporary working
directory (their ``logs/outcomes.jsonl`` is written there). They route with the packaged
default router, as a user's would.
"""

from __future__ import annotations

import pytest

from budgetrouter.outcomes import OutcomeLog
from tests.clients.conftest import rows
from tests.clients.loopback import chat, message
from tests.docs_blocks import page_blocks


@pytest.fixture
def sdk_env(server, tmp_path, monkeypatch):
    for name, value in {
        "OPENAI_BASE_URL": f"{server.url}/v1",
        "OPENAI_API_KEY": "test",
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return server


def run_block(code: str, page: str) -> dict:
    namespace: dict = {"__name__": "docs"}
    exec(compile(code, page, "exec"), namespace)
    return namespace


def test_the_request_params_example_sends_thinking(sdk_env):
    (block,) = page_blocks("docs/providers.md")
    sdk_env.reply("anthropic", message(1500))
    ns = run_block(block, "docs/providers.md")
    (sent,) = sdk_env.sent("anthropic")
    assert sent["model"] == "claude-sonnet-4"
    if ns["decision"].tier == "none":
        assert "thinking" not in sent
    else:
        assert sent["thinking"]["budget_tokens"] == ns["params"]["thinking"]["budget_tokens"]


def test_the_outcome_log_example_writes_a_row(sdk_env, tmp_path):
    (block,) = page_blocks("docs/retrain.md")
    sdk_env.reply("chat", chat(700))
    ns = run_block(block, "docs/retrain.md")
    (row,) = rows(OutcomeLog(tmp_path / "logs" / "outcomes.jsonl"))
    assert row["reasoning_tokens"] == 700 and row["group"] == "support-faq"
    assert row["tier"] == ns["decision"].tier and row["model"] == "o4-mini"
    assert sdk_env.sent("chat")[0]["reasoning_effort"] == ns["decision"].effort


def test_the_readme_wrapped_client_routes_and_logs(sdk_env, tmp_path):
    (block,) = [b for b in page_blocks("README.md") if "wrap(OpenAI()" in b]
    sdk_env.reply("chat", chat(300))
    ns = run_block(block, "README.md")
    (row,) = rows(ns["log"])
    assert row["reasoning_tokens"] == 300 and row["thinking_set_by"] == "router"
    assert sdk_env.sent("chat")[0]["reasoning_effort"] in ("low", "medium", "high")


def test_the_learning_example_logs_propensities(sdk_env, tmp_path):
    import time

    (block,) = page_blocks("docs/learn.md")
    sdk_env.reply("chat", chat(300), chat(900))
    run_block(block, "docs/learn.md")
    log = OutcomeLog(tmp_path / "logs" / "outcomes.jsonl")
    deadline = time.monotonic() + 10
    while not rows(log) and time.monotonic() < deadline:
        time.sleep(0.02)
    (row,) = rows(log)
    assert row["thinking_set_by"] == "router" and 0 < row["propensity"] <= 1
    assert row["routed_effort"] in ("low", "medium", "high")

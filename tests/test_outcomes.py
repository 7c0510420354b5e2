import json

import pytest

from budgetrouter import Decision
from budgetrouter.cli import main
from budgetrouter.data import read_observations
from budgetrouter.errors import ConfigError
from budgetrouter.outcomes import OutcomeLog, escalate, reasoning_usage
from tests.test_adapters import ANTHROPIC, GEMINI, OPENAI_CHAT, OPENAI_RESPONSE, _Handler, server

__all__ = ["server"]

SHORT = Decision("short", 2000, 300, 900, 0.1, False, "v1")


def words(text: str) -> int:
    return len(text.split())


def test_openai_chat_object(server):
    from openai import OpenAI

    _Handler.replies["chat"] = {
        **OPENAI_CHAT,
        "choices": [{**OPENAI_CHAT["choices"][0], "finish_reason": "length"}],
        "usage": {**OPENAI_CHAT["usage"], "completion_tokens_details": {"reasoning_tokens": 777}},
    }
    client = OpenAI(api_key="t", base_url=f"{server}/v1", max_retries=0)
    resp = client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "x"}])
    usage = reasoning_usage(resp)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (777, True, "openai")


def test_openai_responses_object(server):
    from openai import OpenAI

    _Handler.replies["responses"] = {
        **OPENAI_RESPONSE, "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "usage": {"input_tokens": 1, "output_tokens": 50, "total_tokens": 51,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 48}},
    }  # fmt: skip
    client = OpenAI(api_key="t", base_url=f"{server}/v1", max_retries=0)
    usage = reasoning_usage(client.responses.create(model="gpt-5", input="x"))
    assert (usage.reasoning_tokens, usage.truncated) == (48, True)


def test_anthropic_thinking_blocks(server):
    from anthropic import Anthropic

    _Handler.replies["anthropic"] = {
        **ANTHROPIC, "stop_reason": "max_tokens",
        "content": [{"type": "thinking", "thinking": "one two three four", "signature": "s"}],
    }  # fmt: skip
    client = Anthropic(api_key="t", base_url=server, max_retries=0)
    resp = client.messages.create(
        model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "user", "content": "x"}]
    )
    usage = reasoning_usage(resp, count_tokens=words)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (4, True, "anthropic")


def test_gemini_thoughts(server):
    from google import genai
    from google.genai import types

    _Handler.replies["gemini"] = {**GEMINI, "usageMetadata": {"thoughtsTokenCount": 321}}
    client = genai.Client(api_key="t", http_options=types.HttpOptions(base_url=server))
    usage = reasoning_usage(client.models.generate_content(model="gemini-2.5-flash", contents="x"))
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (321, False, "gemini")


def test_vllm_reasoning_content_is_counted():
    resp = {
        "choices": [
            {
                "message": {"content": "4", "reasoning_content": "two plus two is four"},
                "finish_reason": "stop",
            }
        ]
    }
    usage = reasoning_usage(resp, count_tokens=words)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (5, False, "vllm")
    assert reasoning_usage(resp).reasoning_tokens >= 5  # the packaged tokenizer


def test_unrecognised_response():
    with pytest.raises(ConfigError, match="Unrecognised response"):
        reasoning_usage({"foo": 1})


def test_escalate():
    none = Decision("none", 0, 0, 10, 0.9, False, "v")
    assert escalate(none) == Decision("short", 1024, 0, 10, 0.9, False, "v")
    assert escalate(SHORT).tier == "long" and escalate(SHORT).budget_tokens is None
    assert escalate(escalate(SHORT)) is None


def chat(tokens, cut=False):
    return {
        **OPENAI_CHAT,
        "choices": [{**OPENAI_CHAT["choices"][0], "finish_reason": "length" if cut else "stop"}],
        "usage": {
            **OPENAI_CHAT["usage"],
            "completion_tokens_details": {"reasoning_tokens": tokens},
        },
    }


def test_a_log_trains_a_bundle_with_no_edits(tmp_path, capsys, monkeypatch):
    from tests.conftest import make_observations

    log = OutcomeLog(tmp_path / "logs" / "outcomes.jsonl")
    obs = make_observations(seed=3, n_groups=9, per_group=8)
    for row in obs.itertuples():
        log.record(
            row.prompt,
            SHORT,
            chat(row.reasoning_tokens),
            model=row.model,
            group=row.group,
            correct=row.correct,
        )
    log.record("An unlabelled prompt", SHORT, chat(2000, cut=True), group=obs["group"].iloc[0])
    table = read_observations(log.path)
    assert len(table) == len(obs) + 1
    last = json.loads(log.path.read_text().splitlines()[-1])
    assert last["correct"] == 0.0 and last["correct_source"] == "finished" and last["truncated"]
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "cfg.json"
    config.write_text(
        json.dumps(
            {
                "n_estimators": 10,
                "min_child_samples": 3,
                "n_folds": 2,
                "n_outer_folds": 3,
                "target_accuracy": 0.9,
            }
        )
    )
    assert (
        main(
            [
                "train",
                "--data",
                str(log.path),
                "--out",
                "b",
                "--no-track",
                "--embedder",
                "hashing",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert (tmp_path / "b" / "manifest.json").is_file()


def test_record_rejects_bad_input(tmp_path):
    log = OutcomeLog(tmp_path / "o.jsonl")
    with pytest.raises(ConfigError, match="non-empty string"):
        log.record("", SHORT, chat(1))
    with pytest.raises(ConfigError, match=r"score in \[0, 1\]"):
        log.record("p", SHORT, chat(1), correct=3)
    assert not (tmp_path / "o.jsonl").exists()


def test_concurrent_records_keep_lines_whole(tmp_path):
    import threading

    log = OutcomeLog(tmp_path / "o.jsonl")
    prompt = "x " * 5000  # long lines

    def work():
        for _ in range(20):
            log.record(prompt, SHORT, chat(5), group="g")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = log.path.read_text().splitlines()
    assert len(lines) == 80
    assert all(json.loads(line)["reasoning_tokens"] == 5 for line in lines)

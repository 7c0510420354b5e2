import json

import pytest

from budgetrouter.cli import main
from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError
from budgetrouter.outcomes import OutcomeLog
from budgetrouter.train import read_observations
from tests.providers.loopback import OPENAI_CHAT

SHORT = Decision("short", 2000, 300, 900, 0.1, False, "v1")


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
                "n_inner_folds": 2,
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
    with pytest.raises(ConfigError, match="reports -5 reasoning tokens.*Nothing was logged"):
        log.record("p", SHORT, chat(-5))  # the trainer would reject the whole file
    for score in ("yes", float("nan"), 1.5):
        with pytest.raises(ConfigError, match=r"score in \[0, 1\]"):
            log.record("p", SHORT, chat(1), correct=score)
    with pytest.raises(ConfigError, match="unpaired surrogate '\\\\ud83d'.*Nothing was logged"):
        log.record("2+3? \ud83d", SHORT, chat(1))
    with pytest.raises(ConfigError, match="group must be valid text"):
        log.record("2+3?", SHORT, chat(1), group="g\udc00")
    with pytest.raises(ConfigError, match="model must be valid text"):
        log.record("2+3?", SHORT, chat(1), model=3)
    assert not (tmp_path / "o.jsonl").exists()


def test_the_default_token_counter_does_not_pad():
    from budgetrouter.providers import default_token_counter

    count = default_token_counter()
    assert count("391") == 2  # "39", "##1": not 128 (the packaged file pads to 128)
    assert count("one two three") == 3
    assert count("") == 0


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


def test_record_reads_usage_through_the_providers(tmp_path):
    log = OutcomeLog(tmp_path / "o.jsonl", count_tokens=lambda text: len(text.split()))
    vllm = {"choices": [{"message": {"reasoning_content": "a b c"}, "finish_reason": "length"}]}
    row = log.record("p", SHORT, vllm)
    assert (row["reasoning_tokens"], row["truncated"], row["provider"]) == (3, True, "vllm")
    assert (row["correct"], row["correct_source"]) == (0.0, "finished")


def test_record_takes_a_usage_read_already_and_extra_fields(tmp_path):
    from budgetrouter.providers import Usage

    log = OutcomeLog(tmp_path / "o.jsonl")
    row = log.record(
        "p", SHORT, None, usage=Usage(40, True, "anthropic", "truncated"),
        extra={"thinking_set_by": "router", "escalated_from": None},
    )  # fmt: skip
    assert row["reasoning_tokens"] == 40 and row["status"] == "truncated"
    assert row["provider"] == "anthropic"
    assert (row["thinking_set_by"], row["escalated_from"], row["budget"]) == ("router", None, 2000)
    caller = log.record("p", SHORT, chat(7), extra={"effort": "low", "tier": None})
    assert (caller["effort"], caller["budget"], caller["tier"]) == ("low", None, None)
    off = log.record("p", SHORT, chat(0), extra={"budget": 0, "tier": None})
    assert (off["budget"], off["tier"]) == (0, None)
    table = read_observations(log.path)  # the trainer reads rows with extra fields as they are
    assert list(table["effort"].fillna("-")) == ["-", "low", "-"]
    assert list(table["budget"].fillna(-1)) == [2000, -1, 0]


def test_record_refuses_extra_fields_the_trainer_would_refuse(tmp_path):
    log = OutcomeLog(tmp_path / "o.jsonl")
    for extra, match in (
        ({"reasoning_tokens": 3}, r"extra may not set \['reasoning_tokens'\]"),
        ({"tier": "huge"}, "extra tier must be None or one of"),
        ({"effort": "max"}, "extra effort must be None or one of"),
        ({"budget": -1}, "extra budget must be None or tokens >= 0"),
        ({"budget": 100, "effort": "low"}, "an effort level or a thinking budget, not both"),
        ({"when": object()}, "extra fields must be JSON-ready"),
        (["budget"], "extra must be a mapping"),
    ):
        with pytest.raises(ConfigError, match=match):
            log.record("p", SHORT, chat(1), extra=extra)
    assert not log.path.exists()


def test_record_and_escalate_refuse_what_is_not_a_decision_or_strict_json(tmp_path, tiny_bundle):
    from budgetrouter import Router

    log = OutcomeLog(tmp_path / "o.jsonl")
    with pytest.raises(ConfigError, match="decision must be the budgetrouter Decision"):
        log.record("p", SHORT.to_dict(), chat(1))
    for extra in ({"note": "\ud83d"}, {"x": float("nan")}):
        with pytest.raises(ConfigError, match="extra fields must be JSON-ready"):
            log.record("p", SHORT, chat(1), extra=extra)
    with pytest.raises(ConfigError, match="escalate takes a Decision"):
        Router.load(tiny_bundle).escalate({"tier": "none"})
    assert not (tmp_path / "o.jsonl").exists()

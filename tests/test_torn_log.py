"""A writer killed mid-row loses that row only: the next row starts a line of its own, and the
trainer skips the torn line with a warning naming it."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from budgetrouter._files import TORN, jsonl_lines
from budgetrouter.decision import Decision
from budgetrouter.errors import DataError
from budgetrouter.outcomes import OutcomeLog
from budgetrouter.train import read_observations
from tests.providers.loopback import OPENAI_CHAT

SHORT = Decision("short", 2000, 300, 900, 0.1, False, "v1")
USAGE = {**OPENAI_CHAT["usage"], "completion_tokens_details": {"reasoning_tokens": 7}}
REPLY = {**OPENAI_CHAT, "usage": USAGE}


def record(log: OutcomeLog, prompt: str) -> str:
    """One row's line, as the log writes it."""
    log.record(prompt, SHORT, REPLY, group="g")
    return log.path.read_bytes().splitlines(keepends=True)[-1].decode()


def test_a_new_row_never_lands_on_a_torn_line(tmp_path, caplog):
    log = OutcomeLog(tmp_path / "o.jsonl")
    whole = record(log, "What is 2 + 3?")
    for cut in (5, len(whole) // 2, len(whole) - 3):  # cut inside a key, a string, a value
        with open(log.path, "ab") as handle:
            handle.write(whole[:cut].encode())  # a writer killed mid-row
        record(log, f"after a cut at {cut}")
    lines = log.path.read_text().splitlines()
    assert len(lines) == 7  # 1 whole, then (torn, whole) three times
    with caplog.at_level(logging.WARNING, logger="budgetrouter.train"):
        table = read_observations(log.path)
    assert table["prompt"].tolist() == ["What is 2 + 3?"] + [
        f"after a cut at {c}" for c in (5, len(whole) // 2, len(whole) - 3)
    ]
    for lineno in (2, 4, 6):
        assert f"o.jsonl: line {lineno} skipped: {TORN}" in caplog.text


def test_a_torn_last_line_is_skipped_and_a_whole_one_without_newline_kept(tmp_path, caplog):
    path = tmp_path / "o.jsonl"
    log = OutcomeLog(path)
    whole = record(log, "first")
    path.write_bytes(path.read_bytes() + whole.rstrip("\n").encode())  # whole, no newline
    assert len(read_observations(path)) == 2
    path.write_bytes(path.read_bytes() + b'\n{"prompt": "caf\xc3')  # cut inside a character
    with caplog.at_level(logging.WARNING, logger="budgetrouter.train"):
        assert len(read_observations(path)) == 2
    assert "line 3 skipped" in caplog.text
    record(log, "after the cut")  # ends the torn line first
    with caplog.at_level(logging.WARNING, logger="budgetrouter.train"):
        assert read_observations(path)["prompt"].tolist()[-1] == "after the cut"
    path.write_bytes(path.read_bytes() + b'{"prompt": "caf\xc3\xa9 \xff broken"}\n')
    with pytest.raises(DataError, match="row 5: not valid UTF-8"):
        read_observations(path)


def test_a_torn_row_with_a_row_glued_on_gives_the_row_back(tmp_path, caplog):
    # a log written before rows began on a line of their own
    log = OutcomeLog(tmp_path / "o.jsonl")
    whole = record(log, "a {braced} prompt")
    log.path.write_text(whole[: whole.index("}") + 1] + whole, encoding="utf-8")
    ((n1, torn, why), (n2, row, ok)) = jsonl_lines(log.path)
    assert (n1, torn, why) == (1, None, TORN) and (n2, ok) == (1, None)
    assert row["prompt"] == "a {braced} prompt"
    with caplog.at_level(logging.WARNING, logger="budgetrouter.train"):
        assert read_observations(log.path)["prompt"].tolist() == ["a {braced} prompt"]


@pytest.mark.parametrize(
    "line",
    ['{"prompt": "x", "reasoning_tokens": 5 oops}', '{"prompt": "x",, "correct": 1}', "[1, 2]"],
)
def test_a_damaged_whole_line_is_still_refused(tmp_path, line):
    log = OutcomeLog(tmp_path / "o.jsonl")
    record(log, "first")
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    record(log, "after")
    with pytest.raises(DataError, match="row 2: "):
        read_observations(log.path)


WRITER = textwrap.dedent(
    """
    import json, sys
    from budgetrouter.decision import Decision
    from budgetrouter.outcomes import OutcomeLog

    log = OutcomeLog(sys.argv[1])
    append = log._append

    def announced(line):
        print("writing", flush=True)
        append(line)

    log._append = announced  # the test kills the writer inside this row's write
    size, start = int(sys.argv[2]), int(sys.argv[3])
    decision = Decision(**json.loads(sys.argv[4]))
    reply = json.loads(sys.argv[5])
    for i in range(start, start + 10_000):
        log.record(f"row {i} " + "x" * size, decision, reply, group="g")
        print("done", i, flush=True)
    """
)


def test_writers_killed_mid_write_lose_only_the_row_being_written(tmp_path, caplog):
    """SIGKILL writers of 8 MB rows inside a write until two have left a torn line; then every
    row a writer finished is read back by the trainer, and only the torn lines are lost."""
    import random

    path = tmp_path / "o.jsonl"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    args = [str(8 << 20), "", json.dumps(SHORT.to_dict()), json.dumps(REPLY)]
    rng = random.Random(0)
    done: set[int] = set()
    kills = torn_at_kill = 0
    while torn_at_kill < 2:
        assert kills < 30, "no write was cut in 30 kills"
        args[1] = str(kills * 10_000)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), *args], stdout=subprocess.PIPE, text=True,
            env=env,
        )  # fmt: skip
        assert writer.stdout is not None
        rows_first = rng.randint(0, 2)
        for line in writer.stdout:
            word, *i = line.split()
            if word == "done":
                done.add(int(i[0]))
                rows_first -= 1
            elif rows_first <= 0:  # "writing": kill somewhere in this row's write
                time.sleep(rng.uniform(0, 0.004))
                writer.send_signal(signal.SIGKILL)
                break
        writer.wait()
        for line in writer.stdout:  # a row finished after the kill was sent
            word, *i = line.split()
            done |= {int(i[0])} if word == "done" else set()
        kills += 1
        torn_at_kill += path.read_bytes()[-1:] != b"\n"
    OutcomeLog(path).record("the last row", SHORT, REPLY, group="g")
    with caplog.at_level(logging.WARNING, logger="budgetrouter.train"):
        table = read_observations(path)
    read = {int(p.split()[1]) for p in table["prompt"] if p.startswith("row ")}
    assert done <= read  # every finished row is read back
    assert "the last row" in set(table["prompt"])
    torn = caplog.text.count(TORN)
    assert torn >= torn_at_kill  # each torn write is one skipped line (a later kill may cut too)
    assert path.read_bytes().count(b"\n") == len(table) + torn  # each line a row or torn
    assert torn + len(read - done) <= kills  # at most the row being written at each kill

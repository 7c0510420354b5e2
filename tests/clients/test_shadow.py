"""Shadow comparison: labels by agreement with the top level, never on the caller's path."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from budgetrouter import wrap
from budgetrouter.clients.shadow import Shadow
from budgetrouter.errors import ConfigError
from tests.clients.cases import CHAT, PROMPT
from tests.clients.conftest import rows
from tests.clients.loopback import chat

pytestmark = pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning")


def answer(text: str, reasoning: int = 5) -> dict:
    reply = chat(reasoning)
    reply["choices"][0]["message"] = {"role": "assistant", "content": text}
    return reply


def wait_rows(log, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(rows(log)) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return rows(log)


def is_top(body: dict) -> bool:
    return body.get("reasoning_effort") == "high"


@pytest.mark.parametrize(("top", "agrees"), [("42", 1.0), ("41", 0.0)])
def test_a_shadow_labels_the_row_by_agreement(server, router, log, top, agrees):
    server.reply("chat", answer("The answer is 42."), answer(top, 900))
    client = wrap(CHAT.make(server.url, False), router=router, log=log, shadow=1,
                  shadow_compare="last_number")  # fmt: skip
    out = client.chat.completions.create(**CHAT.kwargs(PROMPT))
    assert out.choices[0].message.content == "The answer is 42."
    (row,) = wait_rows(log, 1)
    routed, shadow = server.sent("chat")
    assert routed["reasoning_effort"] == "medium" and is_top(shadow)
    assert server.headers[-1].get("x-budgetrouter-shadow") == "top"
    assert "x-budgetrouter-shadow" not in server.headers[0]
    assert (row["correct"], row["correct_source"]) == (agrees, "agreement")
    assert (row["effort"], row["shadow_effort"]) == ("medium", "high")
    assert row["reasoning_tokens"] == 5  # the routed run's, not the shadow's
    assert row["shadow_reasoning_tokens"] == 900


def test_a_slow_shadow_does_not_delay_the_caller(server, router, log):
    server.slow(3.0, is_top)
    client = wrap(CHAT.make(server.url, False), router=router, log=log, shadow=1)
    start = time.monotonic()
    client.chat.completions.create(**CHAT.kwargs(PROMPT))
    assert time.monotonic() - start < 1.5
    assert rows(log) == []  # the row waits for its label
    (row,) = wait_rows(log, 1, timeout=15)
    assert row["correct_source"] == "agreement"


def test_a_failing_shadow_never_reaches_the_caller(server, router, log):
    server.reply("chat", answer("ok"), 500)
    client = wrap(CHAT.make(server.url, False), router=router, log=log, shadow=1, strict=True)
    out = client.chat.completions.create(**CHAT.kwargs(PROMPT))
    assert out.choices[0].message.content == "ok"
    (row,) = wait_rows(log, 1)
    assert row["correct_source"] == "finished" and "InternalServerError" in row["shadow_error"]


def test_a_comparator_that_raises_leaves_the_row_unlabelled(server, router, log):
    def judge(a, b):
        raise RuntimeError("judge down")

    client = wrap(CHAT.make(server.url, False), router=router, log=log, shadow=1,
                  shadow_compare=judge)  # fmt: skip
    client.chat.completions.create(**CHAT.kwargs(PROMPT))
    (row,) = wait_rows(log, 1)
    assert row["correct_source"] == "finished" and "judge down" in row["shadow_error"]


def test_shadow_spend_stays_within_the_hourly_cap(server, router, log):
    now = [0.0]
    shadow = Shadow(1, tokens_per_hour=10_000, compare="exact", clock=lambda: now[0])
    client = wrap(CHAT.make(server.url, False), router=router, log=log, shadow=shadow)
    kwargs = {**CHAT.kwargs(PROMPT), "max_completion_tokens": 4000}
    server.reply("chat", *[answer("x", 3000) for _ in range(20)])  # 3,001 output tokens each
    for _ in range(5):
        client.chat.completions.create(**kwargs)
    written = wait_rows(log, 5)
    shadows = [b for b in server.sent("chat") if is_top(b)]
    # each shadow reserves its 4,000-token limit, then settles to the 3,001 it used
    assert 1 <= len(shadows) <= 3 and all(b["max_completion_tokens"] == 4000 for b in shadows)
    assert shadow.spend.spent() == 3001 * len(shadows) <= 10_000
    assert sum(r["correct_source"] == "agreement" for r in written) == len(shadows)
    now[0] += 3601  # an hour later there is room again
    client.chat.completions.create(**kwargs)
    wait_rows(log, 6)
    assert len([b for b in server.sent("chat") if is_top(b)]) == len(shadows) + 1


def test_async_shadow_runs_as_a_task_and_its_row_survives_the_loop(server, router, log):
    server.slow(2.0, is_top)

    async def call():
        client = wrap(CHAT.make(server.url, True), router=router, log=log, shadow=1)
        start = time.monotonic()
        await client.chat.completions.create(**CHAT.kwargs(PROMPT))
        return time.monotonic() - start

    assert asyncio.run(call()) < 1.5  # returned before the shadow; the loop then closed
    (row,) = wait_rows(log, 1)
    assert row["correct_source"] == "finished" and "CancelledError" in row["shadow_error"]


def test_shadow_settings_are_checked(server, router, log):
    with pytest.raises(ConfigError, match=r"shadow must be a share of calls in \[0, 1\]"):
        wrap(CHAT.make(server.url, False), router=router, log=log, shadow=2)
    with pytest.raises(ConfigError, match="pass a log"):
        wrap(CHAT.make(server.url, False), router=router, shadow=0.5)
    with pytest.raises(ConfigError, match="shadow_tokens_per_hour must be a positive"):
        wrap(CHAT.make(server.url, False), router=router, log=log, shadow=0.5,
             shadow_tokens_per_hour=0)  # fmt: skip
    with pytest.raises(ConfigError, match="Unknown comparator"):
        wrap(CHAT.make(server.url, False), router=router, log=log, shadow=0.5,
             shadow_compare="semantic")  # fmt: skip


def test_async_shadow_labels_the_row_while_the_loop_runs(server, router, log):
    async def call():
        client = wrap(CHAT.make(server.url, True), router=router, log=log, shadow=1)
        await client.chat.completions.create(**CHAT.kwargs(PROMPT))
        for _ in range(200):
            if rows(log):
                break
            await asyncio.sleep(0.02)

    asyncio.run(call())
    (row,) = rows(log)
    assert row["correct_source"] == "agreement" and row["shadow_effort"] == "high"


def test_a_call_at_the_top_level_is_compared_with_a_second_top_level_run(server, router, log):
    from dataclasses import replace

    from budgetrouter import Router

    top = Router.load(router.path)
    top.set_policy(replace(top.policy, price=0.0))  # no price on tokens: always the top level
    client = wrap(CHAT.make(server.url, False), router=top, log=log, shadow=1)
    server.reply("chat", answer("42", 700), answer("41", 800))
    client.chat.completions.create(**CHAT.kwargs(PROMPT))
    (row,) = wait_rows(log, 1)
    first, second = server.sent("chat")
    assert is_top(first) and is_top(second)
    assert server.headers[1].get("x-budgetrouter-shadow") == "repeat"
    assert (row["correct"], row["correct_source"]) == (0.0, "agreement")
    assert row["shadow_effort"] == "high"
    assert row["shadow_reasoning_tokens"] == 800


def test_a_pending_shadow_does_not_hold_the_process_and_its_row_is_kept(server, tmp_path):
    import subprocess
    import sys

    server.slow(30.0, is_top)
    log_path = tmp_path / "o.jsonl"
    code = f"""
import budgetrouter.clients.shadow as shadow
shadow.EXIT_GRACE_S = 0.5
from openai import OpenAI
from budgetrouter import Router, wrap
from budgetrouter.outcomes import OutcomeLog
client = wrap(OpenAI(api_key="t", base_url="{server.url}/v1", max_retries=0),
              router=Router.default(), log=OutcomeLog("{log_path}"), shadow=1)
client.chat.completions.create(model="o4-mini", messages=[{{"role": "user", "content": "2+2?"}}])
"""
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert time.monotonic() - start < 20  # not the shadow's 30 s
    (row,) = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert row["correct_source"] == "finished" and "process exited" in row["shadow_error"]

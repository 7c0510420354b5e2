"""Exploration: a share of routed calls sent at a drawn level, each row with its propensity."""

from __future__ import annotations

import collections

import pytest

from budgetrouter import wrap
from budgetrouter.errors import ConfigError
from tests.clients.cases import ANTHROPIC, CHAT, PROMPT
from tests.clients.conftest import rows
from tests.clients.loopback import chat, message

pytestmark = pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning")

FIELDS = {"explored", "propensity", "routed_tier", "routed_budget", "routed_effort"}


def test_explore_zero_sends_the_same_requests_and_rows(server, router, log, tmp_path):
    from budgetrouter.outcomes import OutcomeLog

    plain = wrap(CHAT.make(server.url, False), router=router, log=log)
    off = wrap(CHAT.make(server.url, False), router=router, log=OutcomeLog(tmp_path / "b.jsonl"),
               explore=0, explore_seed=1)  # fmt: skip
    for client in (plain, off):
        client.chat.completions.create(**CHAT.kwargs(PROMPT))
    first, second = server.sent("chat")
    assert first == second
    assert not FIELDS & set(rows(log)[0])
    assert not FIELDS & set(rows(OutcomeLog(tmp_path / "b.jsonl"))[0])


def test_full_exploration_draws_every_level_with_its_propensity(server, router, log):
    server.reply("chat", *[chat(5) for _ in range(60)])
    client = wrap(CHAT.make(server.url, False), router=router, log=log, explore=1,
                  explore_seed=0)  # fmt: skip
    for _ in range(60):
        client.chat.completions.create(**CHAT.kwargs(PROMPT))
    sent = collections.Counter(body["reasoning_effort"] for body in server.sent("chat"))
    assert set(sent) == {"low", "medium", "high"} and min(sent.values()) >= 10
    written = rows(log)
    assert {r["propensity"] for r in written} == {round(1 / 3, 6)}
    assert all(r["explored"] for r in written)
    routed = router.route(PROMPT, model="o4-mini")
    assert {(r["routed_tier"], r["routed_effort"]) for r in written} == {(routed.tier, "medium")}
    assert [r["effort"] for r in written] == [b["reasoning_effort"] for b in server.sent("chat")]


def test_partial_exploration_keeps_most_calls_at_the_routed_level(server, router, log):
    server.reply("chat", *[chat(5) for _ in range(200)])
    client = wrap(CHAT.make(server.url, False), router=router, log=log, explore=0.3,
                  explore_seed=7)  # fmt: skip
    for _ in range(200):
        client.chat.completions.create(**CHAT.kwargs(PROMPT))
    written = rows(log)
    at_routed = [r for r in written if r["effort"] == r["routed_effort"]]
    assert {r["propensity"] for r in at_routed} == {0.8}  # 0.7 + 0.3 / 3
    assert {r["propensity"] for r in written if r not in at_routed} == {0.1}
    assert 0.15 < sum(r["explored"] for r in written) / 200 < 0.45
    assert 0.7 < len(at_routed) / 200 < 0.9


def test_exploration_never_exceeds_the_callers_limit_nor_touches_their_thinking(
    server, router, log
):
    server.reply("anthropic", *[message(5) for _ in range(40)])
    client = wrap(ANTHROPIC.make(server.url, False), router=router, log=log, explore=1,
                  explore_seed=3)  # fmt: skip
    for _ in range(30):
        client.messages.create(**{**ANTHROPIC.kwargs(PROMPT), "max_tokens": 3000})
    bodies = server.sent("anthropic")
    assert all(b["max_tokens"] <= 3000 for b in bodies)
    budgets = {(b.get("thinking") or {}).get("budget_tokens", 0) for b in bodies}
    assert len(budgets) >= 2 and max(budgets) < 3000
    client.messages.create(**ANTHROPIC.kwargs(PROMPT), **ANTHROPIC.mine)
    assert server.sent("anthropic")[-1]["thinking"] == ANTHROPIC.mine["thinking"]
    last = rows(log)[-1]
    assert last["thinking_set_by"] == "caller" and not FIELDS & set(last)


@pytest.mark.parametrize("share", [-0.1, 1.5, "0.2", True, float("nan")])
def test_explore_must_be_a_share(router, server, share):
    with pytest.raises(ConfigError, match=r"explore must be a share of calls in \[0, 1\]"):
        wrap(CHAT.make(server.url, False), router=router, explore=share)


def test_the_explore_seed_must_be_an_integer(router, server):
    with pytest.raises(ConfigError, match="explore_seed must be an integer"):
        wrap(CHAT.make(server.url, False), router=router, explore=0.1, explore_seed="x")


def test_no_explored_level_raises_a_small_limit(server, router, log):
    server.reply("anthropic", *[message(5) for _ in range(30)])
    client = wrap(ANTHROPIC.make(server.url, False), router=router, log=log, explore=1,
                  explore_seed=5)  # fmt: skip
    for _ in range(20):
        client.messages.create(**{**ANTHROPIC.kwargs(PROMPT), "max_tokens": 600})
    written = rows(log)
    pairs = zip(server.sent("anthropic"), written, strict=True)
    explored = [b for b, r in pairs if (r["budget"], r["effort"]) != (r["routed_budget"], None)]
    assert explored and all(b["max_tokens"] <= 600 and "thinking" not in b for b in explored)

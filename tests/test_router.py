import subprocess
import sys
import threading

import pytest

from budgetrouter import Decision, Router, RouterConfig
from budgetrouter.errors import PromptError

PROMPTS = [
    "Task add #0: solve for these 2 numbers: 4 7",
    "Task sort #1: solve for these 35 numbers: " + " ".join(str(i) for i in range(35)),
    "What is the capital of France?",
]


@pytest.fixture
def router(tiny_bundle):
    return Router.load(tiny_bundle)


def test_route_returns_a_decision(router):
    d = router.route(PROMPTS[0])
    assert isinstance(d, Decision)
    assert d.tier in ("none", "short", "long")
    assert d.budget_tokens is None or d.budget_tokens >= 0
    assert d.predicted_tokens_upper >= d.predicted_tokens >= 0
    assert 0 <= d.p_no_thinking <= 1
    assert d.fallback is False
    assert d.bundle_version == router.version
    assert set(d.to_dict()) >= {"tier", "budget_tokens", "predicted_tokens", "fallback"}


def test_more_work_predicts_more_tokens(router):
    small, large = router.route_batch(PROMPTS[:2])
    assert large.predicted_tokens > small.predicted_tokens


def test_batch_matches_single(router):
    assert router.route_batch(PROMPTS) == [router.route(p) for p in PROMPTS]


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        (None, "must be a string, got NoneType"),
        (3, "must be a string, got int"),
    ],
)
def test_bad_prompts_raise(router, prompt, message):
    with pytest.raises(PromptError, match=message):
        router.route(prompt)


def test_route_batch_rejects_a_bare_string(router):
    with pytest.raises(PromptError, match="use route"):
        router.route_batch("one prompt")


def test_fallback_tier_instead_of_raising(tiny_bundle, caplog):
    router = Router.load(tiny_bundle, RouterConfig(fallback_tier="long"))
    decisions = router.route_batch([PROMPTS[0], "", PROMPTS[2]])
    assert [d.fallback for d in decisions] == [False, True, False]
    assert decisions[1].tier == "long" and decisions[1].predicted_tokens is None
    assert "prompt 1 is empty" in caplog.text
    assert decisions[0] == router.route(PROMPTS[0])


def test_thread_safety(router):
    prompts = [f"{p} (variant {i})" for i in range(8) for p in PROMPTS]
    expected = [router.route(p) for p in prompts]
    results: dict[int, list[Decision]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = [router.route(p) for p in prompts]
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(results[k] == expected for k in range(6))


def test_import_is_light():
    code = (
        "import sys, budgetrouter; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'mlflow', 'lightgbm', 'sklearn') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_repeated_prompts_come_from_the_cache(tiny_bundle, monkeypatch):
    router = Router.load(tiny_bundle, RouterConfig(cache_size=2))
    calls = []
    original = router._predict
    monkeypatch.setattr(
        router, "_predict", lambda ps, ms: calls.append(list(ps)) or original(ps, ms)
    )
    first = router.route(PROMPTS[0])
    assert router.route(PROMPTS[0]) is first
    assert router.route_batch([PROMPTS[0], PROMPTS[1]])[0] is first
    assert calls == [[PROMPTS[0]], [PROMPTS[1]]]
    router.route(PROMPTS[2])  # evicts the least recently used (PROMPTS[0])
    router.route(PROMPTS[0])
    assert calls[-1] == [PROMPTS[0]]


def test_cache_can_be_switched_off(tiny_bundle, monkeypatch):
    router = Router.load(tiny_bundle, RouterConfig(cache_size=0))
    calls = []
    original = router._predict
    monkeypatch.setattr(router, "_predict", lambda ps, ms: calls.append(1) or original(ps, ms))
    router.route(PROMPTS[0])
    router.route(PROMPTS[0])
    assert len(calls) == 2


def test_escalate_follows_the_bundle_tiers(router):
    tiers = router.policy.tiers
    none = Decision("none", 0, 0, 5, 0.9, False, router.version)
    short = router.escalate(none)
    assert (short.tier, short.budget_tokens) == ("short", tiers.short_max_tokens)
    top = router.escalate(short)
    assert (top.tier, top.budget_tokens) == ("long", tiers.long_cap_tokens)
    assert router.escalate(top) is None


def test_predict_returns_arrays_for_evaluation(router):
    pred = router.predict(PROMPTS)
    assert len(pred) == len(PROMPTS)
    assert pred.success.shape == pred.cost.shape == (len(PROMPTS), len(router.policy.grid))
    assert (pred.upper >= pred.median).all() and (pred.median >= 0).all()
    decisions = router.route_batch(PROMPTS)
    assert [d.predicted_tokens for d in decisions] == [round(m) for m in pred.median]
    assert [router.policy.tier(b).name for b in pred.budget] == [d.tier for d in decisions]


def test_routing_imports_no_training_time_code(tiny_bundle):
    """In a fresh interpreter, Router.load + route() import nothing of train/, tracking/, cli/."""
    code = (
        "import sys; from budgetrouter import Router; "
        f"Router.load({str(tiny_bundle)!r}).route('What is 2 + 3?'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('mlflow', 'dask', 'distributed', 'matplotlib') or m.startswith(("
        "'budgetrouter.train', 'budgetrouter.tracking', 'budgetrouter.cli'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_route_batch_takes_positions_not_labels(router):
    import pandas as pd

    series = pd.Series([PROMPTS[0], PROMPTS[1]], index=[1, 0])
    assert router.route_batch(series) == router.route_batch([PROMPTS[0], PROMPTS[1]])
    assert router.route_batch(p for p in PROMPTS) == router.route_batch(PROMPTS)
    with pytest.raises(PromptError, match="takes a sequence of prompts, got int"):
        router.route_batch(3)
    with pytest.raises(PromptError, match="use route"):
        router.route_batch(b"bytes")


def test_a_lone_surrogate_is_a_prompt_error_or_the_fallback(tiny_bundle):
    with pytest.raises(PromptError, match="unpaired surrogate '\\\\ud83d' at character 5"):
        Router.load(tiny_bundle).route("2+3? \ud83d")
    safe = Router.load(tiny_bundle, RouterConfig(fallback_tier="long"))
    assert safe.route("2+3? \ud83d").fallback


def test_set_policy_drops_cached_decisions(tiny_bundle):
    import dataclasses

    router = Router.load(tiny_bundle)
    before = router.route(PROMPTS[1])
    router.set_policy(dataclasses.replace(router.policy, price=1.0))  # tokens cost everything
    after = router.route(PROMPTS[1])
    assert after.tier == "none" and after != before
    assert router.version == "unsaved" == after.bundle_version

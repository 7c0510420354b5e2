"""Off-policy estimates from exploration rows cover the truth they estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budgetrouter import Router
from budgetrouter.errors import DataError
from budgetrouter.train.offpolicy import estimate_offpolicy, exploration_rows

PROMPTS = [f"Task add #{i}: solve for these {i % 7 + 2} numbers: {i} {i + 3}" for i in range(40)]
#: The simulated world: accuracy and reasoning tokens of o4-mini at each effort.
ACCURACY = {"low": 0.55, "medium": 0.8, "high": 0.9}
TOKENS = {"low": 150, "medium": 600, "high": 2400}


@pytest.fixture(scope="module")
def router(tiny_bundle):
    return Router.load(tiny_bundle)


def logged(router, n: int, explore: float, seed: int) -> pd.DataFrame:
    """``n`` calls logged as a wrapped client with ``explore`` would log them."""
    rng = np.random.default_rng(seed)
    levels = list(ACCURACY)
    routed = {p: router.route(p, model="o4-mini") for p in PROMPTS}
    rows = []
    for i in range(n):
        prompt = PROMPTS[i % len(PROMPTS)]
        mine = {"short": "medium", "long": "high", "none": "low"}[routed[prompt].tier]
        sent = levels[rng.integers(3)] if rng.random() < explore else mine
        p = (1 - explore) * (sent == mine) + explore / 3
        rows.append({
            "prompt": prompt, "model": "o4-mini", "provider": "openai", "effort": sent,
            "budget": None, "correct": float(rng.random() < ACCURACY[sent]),
            "reasoning_tokens": int(rng.poisson(TOKENS[sent])), "propensity": p,
            "thinking_set_by": "router", "escalated_from": None,
        })  # fmt: skip
    return pd.DataFrame(rows)


def truth(router) -> tuple[float, float]:
    tiers = [router.route(p, model="o4-mini").tier for p in PROMPTS]
    mine = [{"short": "medium", "long": "high", "none": "low"}[t] for t in tiers]
    acc = np.mean([ACCURACY[m] for m in mine])
    return acc / ACCURACY["high"], float(np.mean([TOKENS[m] for m in mine]))


def test_dr_estimates_cover_the_truth_in_most_runs(router):
    kept, tokens = truth(router)
    covered = 0
    for seed in range(5):
        est = estimate_offpolicy(router, logged(router, 3000, 0.3, seed), n_resamples=500)
        assert est.rows == 3000 and 0 < est.matched < 3000
        assert abs(est.accuracy_kept.estimate - kept) < 0.02
        assert abs(est.tokens.estimate - tokens) / tokens < 0.05
        covered += est.accuracy_kept.covers(kept)
        assert est.accuracy_kept.low < est.accuracy_kept.estimate < est.accuracy_kept.high
        assert est.to_dict()["tokens_saved"] == pytest.approx(1 - tokens / 2400, abs=0.05)
    assert covered >= 4


def test_rows_without_exploration_are_refused(router):
    table = logged(router, 50, 0.3, 0)
    with pytest.raises(DataError, match="propensity.*missing"):
        exploration_rows(table.drop(columns="propensity"))
    caller = table.assign(thinking_set_by="caller")
    with pytest.raises(DataError, match="no exploration rows"):
        exploration_rows(caller)
    with pytest.raises(DataError, match=r"propensity must be in \(0, 1\]"):
        exploration_rows(table.assign(propensity=0.0))


def test_evaluate_off_policy_prints_the_estimate(router, tiny_bundle, tmp_path, capsys):
    import json

    from budgetrouter.cli import main

    log = tmp_path / "explored.jsonl"
    table = logged(router, 400, 0.3, 1)
    log.write_text("".join(json.dumps(r) + "\n" for r in table.to_dict("records")))
    assert main(["evaluate", "--bundle", str(tiny_bundle), "--off-policy", str(log)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 400 and 0.5 < out["accuracy_kept"]["estimate"] < 1.1
    assert out["accuracy_kept"]["low"] <= out["accuracy_kept"]["high"]
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"prompt": "x", "reasoning_tokens": 3, "correct": 1}) + "\n")
    assert main(["evaluate", "--bundle", str(tiny_bundle), "--off-policy", str(plain)]) == 2
    assert "no exploration rows" in capsys.readouterr().err


def _estimate(low: float, tokens: float):
    from budgetrouter.train.offpolicy import Interval, OffPolicyEstimate

    flat = Interval(0.9, 0.8, 1.0)
    return OffPolicyEstimate(
        rows=500, matched=300, accuracy_ips=flat, accuracy=flat, top_accuracy=flat,
        accuracy_kept=Interval(low + 0.02, low, low + 0.04), tokens=Interval(tokens, 0, 1e9),
        top_tokens=Interval(2400, 2000, 2800), confidence=0.95,
    )  # fmt: skip


def test_retrain_promotes_only_what_the_estimates_support(router):
    from budgetrouter.train.retrain import RetrainResult

    better = {"candidate": {"accuracy_kept": 0.99, "tokens_saved": 0.5},
              "current": {"accuracy_kept": 0.99, "tokens_saved": 0.3}}  # fmt: skip

    def result(offpolicy):
        return RetrainResult(
            candidate=router, candidate_path=None, training=None, current=router,
            compared=better, target_accuracy=0.97, heldout_families=[], heldout_runs=0,
            offpolicy=offpolicy,
        )  # fmt: skip

    assert result(None).candidate_is_better
    ok = {"candidate": _estimate(0.975, 500), "current": _estimate(0.99, 900)}
    assert result(ok).candidate_is_better and result(ok).why_not == []
    low = {"candidate": _estimate(0.90, 500), "current": _estimate(0.99, 900)}
    (why,) = result(low).why_not
    assert (
        "lower bound of its off-policy accuracy kept (0.900" in why
        and "below the target 0.970" in why
    )
    costly = {"candidate": _estimate(0.98, 950), "current": _estimate(0.99, 900)}
    (why,) = result(costly).why_not
    assert "spend (950 reasoning tokens per call) is not below the current bundle's (900)" in why
    assert not result(costly).candidate_is_better
    assert result(costly).summary()["why_not"] == [why]


def test_retrain_estimates_both_bundles_on_held_out_exploration_rows(router, tiny_bundle, tmp_path):
    import json

    from budgetrouter.train import retrain

    table = logged(router, 600, 0.3, 2)
    table["group"] = [f"family-{i % 20}" for i in range(len(table))]
    log = tmp_path / "explored.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in table.to_dict("records")))
    result = retrain(router, [log], tmp_path / "cand", holdout_fraction=0.25)
    assert set(result.offpolicy) == {"current", "candidate"}
    assert 0 < result.offpolicy["current"].rows < 600  # the held-out families only
    assert isinstance(result.why_not, list)


def test_agreement_rows_are_used_alone_when_there_are_some(router):
    table = logged(router, 200, 0.3, 3)
    table["correct_source"] = ["agreement" if i % 2 else "finished" for i in range(200)]
    assert len(exploration_rows(table)) == 100
    assert len(exploration_rows(table.assign(correct_source="finished"))) == 200


def test_train_keeps_the_rows_of_the_sources_asked(tmp_path, capsys):
    import json

    from budgetrouter.cli import main

    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"prompt": "x", "reasoning_tokens": 3, "correct": 1,
                               "correct_source": "finished"}) + "\n")  # fmt: skip
    argv = ["train", "--data", str(log), "--out", str(tmp_path / "b"), "--correct-source",
            "agreement", "--no-track"]  # fmt: skip
    assert main(argv) == 2
    assert "no such row (the data has ['finished'])" in capsys.readouterr().err

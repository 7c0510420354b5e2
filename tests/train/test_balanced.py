"""Replays with every source weighing the same, the fast grid replay, the calibrated cap, and
leave-one-source-out."""

import numpy as np
import pandas as pd
import pytest

from budgetrouter.embedders import HashingEmbedder
from budgetrouter.train.balanced import balanced_replay, balanced_view, segment_parts
from budgetrouter.train.calibration import base_policy, calibrate, cap_candidates
from budgetrouter.train.grid_replay import GridReplay
from budgetrouter.train.replay import replay
from budgetrouter.train.targets import build_targets
from tests.conftest import TINY, make_level_observations, make_observations


@pytest.fixture(scope="module")
def two_sources():
    small = make_observations(seed=2, n_groups=4, per_group=5).assign(source="small")
    big = make_observations(seed=3, n_groups=10, per_group=20).assign(source="big")
    big["group"] = "big-" + big["group"]
    return pd.concat([small, big], ignore_index=True)


def test_each_source_weighs_the_same(two_sources):
    targets = build_targets(two_sources)
    parts = segment_parts(targets)
    assert [name for name, _, _ in parts] == ["big", "small"]
    budgets = np.full(targets.n_prompts, 200.0)
    out = balanced_replay(parts, budgets)
    each = [replay(sub, budgets[rows]) for _, rows, sub in parts]
    assert out["accuracy_kept"] == pytest.approx(np.mean([r.accuracy_kept for r in each]))
    assert out["tokens_saved"] == pytest.approx(np.mean([r.tokens_saved for r in each]))
    assert out["min_segment_kept"] == pytest.approx(min(r.accuracy_kept for r in each))


def test_the_grid_replay_scores_as_the_replay(two_sources):
    targets = build_targets(two_sources)
    policy = base_policy(TINY)
    scorer = GridReplay(targets, policy.budgets_at(np.arange(len(policy.grid))))
    rng = np.random.default_rng(0)
    for _ in range(5):
        chosen = rng.integers(0, len(policy.grid), targets.n_prompts)
        fast = scorer.score(chosen)
        slow = replay(targets, policy.budgets_at(chosen))
        assert fast["accuracy_kept"] == pytest.approx(slow.accuracy_kept, rel=1e-5)
        assert fast["tokens_saved"] == pytest.approx(slow.tokens_saved, rel=1e-5)
        parts = balanced_replay(segment_parts(targets), policy.budgets_at(chosen))
        assert fast["mean_segment_kept"] == pytest.approx(parts["accuracy_kept"], rel=1e-5)
        assert fast["mean_segment_saved"] == pytest.approx(parts["tokens_saved"], rel=1e-5)


def test_a_cap_with_no_price_is_one_fixed_budget_and_calibration_may_pick_one(two_sources):
    targets = build_targets(two_sources)
    policy = base_policy(TINY)
    caps = cap_candidates(policy)
    assert caps[0] is None and all(policy.grid[i] > 1024 for i in caps[1:])
    n, g = targets.n_prompts, len(policy.grid)
    flat = np.ones((n, g))
    assert (policy.budgets(flat, flat, 0.0, 0, caps[1]) == policy.grid[caps[1]]).all()
    calibrated = calibrate(policy, np.tile(np.linspace(0, 1, g), (n, 1)), flat, targets)
    assert calibrated.cap_index in caps
    assert type(calibrated).from_dict(calibrated.to_dict()) == calibrated


def test_the_balanced_view_compares_with_one_fixed_budget(two_sources):
    targets = build_targets(two_sources)
    budgets = np.full(targets.n_prompts, 256.0)
    view = balanced_view(targets, budgets, {"router": [budgets]}, base_policy(TINY).tiers)
    assert view["router"]["tier_share"] == {"none": 0.0, "short": 1.0, "long": 0.0}
    assert view["fixed"]["accuracy_kept"] >= view["router"]["accuracy_kept"] - 1e-9
    assert {"fixed budget", "router"} <= set(view["curves"])


def test_leave_one_source_out_routes_each_source_with_the_others():
    from budgetrouter.train.loso import leave_one_source_out, loso_markdown, loso_metrics

    obs = make_level_observations()
    first = obs["group"].isin(sorted(obs["group"].unique())[:5])
    obs = obs.assign(source=np.where(first, "one", "two"))
    targets = build_targets(obs)
    emb = HashingEmbedder(dim=16).encode(targets.prompts["prompt"].astype(str).tolist())
    report = leave_one_source_out(obs, targets, emb, TINY)
    assert set(report) == {"one", "two"}
    for part in report.values():
        assert 0 < part["model_agnostic"]["router"]["accuracy_kept"] <= 1.5
        aware = part["model_aware"]  # both sources ran the two level models
        assert aware["models"] == 2 and 0 < aware["accuracy_kept"] <= 1.5
    assert any("Leave one source out" in line for line in loso_markdown(report))
    assert "loso_one_tokens_saved" in loso_metrics(report)


def test_a_cap_index_is_a_grid_position_not_a_bool():
    from budgetrouter.errors import ConfigError
    from budgetrouter.policy import TierPolicy

    policy = base_policy(TINY)
    assert TierPolicy.from_dict({**policy.to_dict(), "cap_index": np.int64(3)}).cap_index == 3
    for bad in (True, 0, -1, len(policy.grid), 2.5, "2"):
        with pytest.raises(ConfigError, match="cap_index"):
            TierPolicy.from_dict({**policy.to_dict(), "cap_index": bad})


def test_a_source_no_run_solves_is_left_out_of_the_average(two_sources):
    dead = two_sources[two_sources["source"] == "small"].assign(source="dead", correct=False)
    dead = dead.assign(prompt="dead " + dead["prompt"], group="dead-" + dead["group"])
    targets = build_targets(pd.concat([two_sources, dead], ignore_index=True))
    assert [name for name, _, _ in segment_parts(targets)] == ["big", "small"]
    policy = base_policy(TINY)
    scorer = GridReplay(targets, policy.budgets_at(np.arange(len(policy.grid))))
    chosen = np.zeros(targets.n_prompts, dtype=int)
    parts = balanced_replay(segment_parts(targets), policy.budgets_at(chosen))
    assert scorer.score(chosen)["mean_segment_kept"] == pytest.approx(parts["accuracy_kept"])

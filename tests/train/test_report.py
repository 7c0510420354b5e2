import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from budgetrouter import TierPolicy, TierRules
from budgetrouter.model import Predictions
from budgetrouter.train import build_report, build_targets, write_report
from budgetrouter.train.baselines import random_at_spend
from budgetrouter.train.metrics import breakdown, confusion, curve_summary
from budgetrouter.train.report import report_metrics
from tests.train.test_targets_replay import RUNS


@pytest.fixture
def targets():
    frame = pd.DataFrame(RUNS, columns=["prompt", "reasoning_tokens", "correct"])
    frame["group"] = frame["prompt"]
    frame["category"] = frame["prompt"].map({"a": "easy", "b": "easy", "c": "hard"})
    frame["correct"] = frame["correct"].astype(float)
    return build_targets(frame)


def test_curve_summary_known_answer():
    points = [
        {"accuracy_kept": 1.0, "tokens_saved": 0.5},
        {"accuracy_kept": 0.97, "tokens_saved": 0.7},
    ]
    s = curve_summary(points, none_kept=0.2)
    assert s["saved_at_100"] == 0.5 and s["saved_at_99"] == 0.5
    assert s["saved_at_95"] == 0.7
    # envelope: (0, 0.2) -> (0.3, 0.97) -> (0.5, 1.0) -> (1, 1.0)
    assert s["auc"] == pytest.approx(0.3 * 0.2 + 0.2 * 0.97 + 0.5 * 1.0)


def test_curve_summary_unreachable_level_is_nan():
    s = curve_summary([{"accuracy_kept": 0.9, "tokens_saved": 0.5}], none_kept=0.0)
    assert math.isnan(s["saved_at_95"])


def test_confusion_counts():
    table = confusion(["none", "long", "long"], ["none", "short", "long"])
    assert table["none"]["none"] == 1
    assert table["short"]["long"] == 1
    assert table["long"]["long"] == 1
    assert sum(sum(r.values()) for r in table.values()) == 3


def test_breakdown_by_category(targets):
    table = breakdown(targets, np.array([100.0, 400.0, 0.0]), 200.0, "category")
    assert table["easy"]["prompts"] == 2
    assert table["easy"]["accuracy_kept"] == pytest.approx(1.0)
    # easy runs cost 0+100+100 + 200+400 = 800 of 1000 always-long tokens
    assert table["easy"]["tokens_saved"] == pytest.approx(0.2)
    assert table["hard"]["tokens_saved"] == pytest.approx(1.0)
    # fixed 200: easy keeps a's two and b's 200-token success: 3 of 4
    assert table["easy"]["fixed_accuracy_kept"] == pytest.approx(0.75)


def test_random_at_spend_keeps_the_budgets(targets):
    budgets = np.array([100.0, 100.0, 100.0])
    r = random_at_spend(targets, budgets)
    assert r["accuracy"] == pytest.approx(2 / 7)  # a permutation of equal budgets changes nothing


def test_build_report_and_files(targets, tmp_path):
    grid = (0.0, 100.0, 200.0, 400.0, math.inf)
    policy = TierPolicy(grid=grid, price=1e-3, tiers=TierRules(short_max_tokens=200))
    s, c = targets.mean_curves(np.array(grid))
    pred = Predictions(
        median=np.array([0.0, 250.0, 0.0]),
        upper=np.array([10.0, 300.0, 10.0]),
        p_no_thinking=np.array([0.9, 0.1, 0.5]),
        success=s,
        cost=c,
        budget=policy.budgets(s, c),
        tokens=c[:, 0],
        tokens_top=c[:, -1],
        tokens_upper=c[:, 0],
        tokens_top_upper=c[:, -1],
    )
    report = build_report(targets, policy, pred, protocol="test")
    assert report["prompts"] == 3 and report["runs"] == 7
    pol = report["policies"]
    assert pol["always-long"]["accuracy_kept"] == pytest.approx(1.0)
    assert pol["always-none"]["tokens_saved"] == pytest.approx(1.0)
    assert pol["router"]["accuracy_kept"] == pytest.approx(1.0)  # perfect curves: the oracle
    assert pol["router"]["oracle_share"] == pytest.approx(1.0)
    assert {"router", "fixed budget", "prompt-length heuristic", "oracle"} <= set(report["curves"])
    assert report["regression"]["coverage_upper"] == pytest.approx(1.0)
    op = report["operating_point"]
    assert op["router"] == {k: v for k, v in pol["router"].items() if k != "oracle_share"}
    assert (
        op["fixed_at_router_accuracy"]["budget"]
        == pol["best fixed budget at router accuracy"]["budget"]
    )
    metrics = report_metrics(report, policy)
    assert metrics["heldout_accuracy_kept"] == pytest.approx(1.0)
    assert metrics["price"] == 1e-3
    assert "curve_router_auc" in metrics and "curve_fixed_budget_saved_at_99" in metrics
    assert any("best fixed budget" in v for v in report["verdict"])
    files = write_report(report, tmp_path / "r")
    names = {f.name for f in files}
    assert {"report.json", "report.md", "tradeoff.png", "savings_by_category.png"} <= names
    assert all(f.stat().st_size > 0 for f in files)
    assert "| router |" in (tmp_path / "r" / "report.md").read_text()


def test_breakdown_keeps_prompts_without_a_category(targets):
    frame = targets.prompts.copy()
    frame.loc[2, "category"] = None  # e.g. outcome-log rows beside a dataset with categories
    mixed = dataclasses.replace(targets, prompts=frame)
    table = breakdown(mixed, np.array([100.0, 400.0, 0.0]), 200.0, "category")
    assert table["(none)"]["prompts"] == 1 and table["easy"]["prompts"] == 2

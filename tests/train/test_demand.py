"""What a prompt demands: solvers, shares of them, and the hidden-reasoning scale."""

import numpy as np
import pandas as pd
import pytest

from budgetrouter.train.demand import Solvers, to_hidden_scale, visible_log_ratio
from budgetrouter.train.targets import build_targets


def _runs(prompt, model, tokens, correct, count_source="usage"):
    return {
        "prompt": prompt,
        "group": prompt,
        "model": model,
        "reasoning_tokens": tokens,
        "correct": correct,
        "count_source": count_source,
    }


def test_one_lucky_short_guess_does_not_set_the_demand():
    runs = [_runs("p", f"m{i}", 800 + i, True) for i in range(9)]
    runs.append(_runs("p", "lucky", 3, True))
    targets = build_targets(pd.DataFrame(runs))
    assert targets.prompts["needed_tokens"].iloc[0] >= 800


def test_a_prompt_no_run_solves_is_kept_at_the_most_tokens_tried():
    from budgetrouter.train.fit import needed_target

    runs = [_runs("hard", "a", 5000, False), _runs("hard", "b", 7000, False)]
    runs += [_runs("easy", "a", 100, True)]
    targets = build_targets(pd.DataFrame(runs))
    p = targets.prompts.set_index("prompt")
    assert bool(p.loc["hard", "censored"]) and not bool(p.loc["easy", "censored"])
    y = dict(zip(targets.prompts["prompt"], needed_target(targets), strict=True))
    assert y["hard"] == 7000 and y["easy"] == 100


def test_visible_counts_are_put_on_the_hidden_scale():
    prompt = np.array(["a", "a", "b", "b"])
    hidden = np.array([True, False, True, False])
    tokens = np.array([799.0, 99.0, 399.0, 49.0])
    ratio = visible_log_ratio(prompt, hidden, tokens, np.ones(4))
    assert ratio == pytest.approx(np.log(8.0))
    scaled = to_hidden_scale(np.array([0.0, 99.0, 99.0]), np.array([False, False, True]), ratio)
    assert scaled.tolist() == pytest.approx([0.0, 799.0, 99.0])
    assert visible_log_ratio(prompt, np.ones(4, bool), tokens, np.ones(4)) == 0.0


def test_shares_at_zero_count_only_solvers_that_could_answer_without_reasoning():
    # two solvers with thinking off known (one answered with none), one reasoning model
    solvers = Solvers(
        prompt=np.array([0, 0, 0]),
        tokens=np.array([0.0, 300.0, 500.0]),
        zero_known=np.array([True, True, False]),
    )
    share, total = solvers.shares(1, np.array([0.0, 256.0, 512.0, np.inf]))
    assert share[0].tolist() == pytest.approx([0.5, 1 / 3, 1.0, 1.0])
    assert total.tolist() == [3.0]
    assert solvers.demand(1).tolist() == [300.0]


def test_runs_at_levels_enter_as_the_fewest_tokens_each_model_was_correct_with():
    rows = []
    for budget, tokens, ok in ((0, 0, True), (512, 400, True), (2048, 1500, True)):
        rows.append({**_runs("q", "m", tokens, ok), "budget": budget})
    rows += [
        {**_runs("q", "n", t, ok), "budget": b} for b, t, ok in ((0, 0, False), (512, 450, True))
    ]
    targets = build_targets(pd.DataFrame(rows))
    share, _, weight = targets.model_curves(np.array([0.0, 512.0, np.inf]))
    assert weight.tolist() == [2.0]  # one entry per model that solved it
    assert share[0].tolist() == pytest.approx([0.5, 1.0, 1.0])

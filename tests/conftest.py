"""Shared fixtures: synthetic observations, a tiny trained router, a real data subset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from budgetrouter import TrainConfig
from budgetrouter.embedders import HashingEmbedder
from budgetrouter.train import train_router

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "reasoning-gym"

TOPICS = ["add", "sort", "grid", "logic", "count", "path", "cipher", "prime", "graph", "word"]


def make_observations(seed: int = 0, n_groups: int = 10, per_group: int = 12) -> pd.DataFrame:
    """Runs whose reasoning length grows with the size of the task stated in the prompt."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        topic = TOPICS[g % len(TOPICS)]
        for k in range(per_group):
            size = int(rng.integers(1, 40))
            numbers = " ".join(str(int(x)) for x in rng.integers(0, 100, size))
            prompt = f"Task {topic} #{k}: solve for these {size} numbers: {numbers}"
            hard = size > 25 and g % 3 == 0
            for model in ("m1", "m2", "m3"):
                tokens = int(max(0, rng.normal(12 * size, 3 * size))) if size > 3 else 0
                correct = bool(not hard and rng.random() < 0.9)
                rows.append(
                    {
                        "prompt": prompt,
                        "reasoning_tokens": tokens,
                        "correct": correct,
                        "model": model,
                        "group": f"{topic}-{g}",
                    }
                )
    return pd.DataFrame(rows)


def make_level_observations(seed: int = 1) -> pd.DataFrame:
    """:func:`make_observations` (visible text) plus two reasoning models run at their levels.

    ``effort-model`` at low / medium / high effort and ``budget-model`` with thinking off and
    budgets of 512 and 2048 tokens: short tasks are solved at every level, long ones only at
    the top level; higher levels always think longer.
    """
    rng = np.random.default_rng(seed)
    visible = make_observations(seed).assign(count_source="visible_text")
    rows = []
    for prompt, group in visible.drop_duplicates("prompt")[["prompt", "group"]].itertuples(
        index=False
    ):
        size = int(prompt.split("these ")[1].split(" ")[0])
        hard = size > 20
        for effort, scale in (("low", 1), ("medium", 4), ("high", 12)):
            rows.append(
                {
                    "prompt": prompt,
                    "group": group,
                    "model": "effort-model",
                    "effort": effort,
                    "reasoning_tokens": int(scale * (20 + 5 * size) * rng.uniform(0.8, 1.2)),
                    "correct": (not hard) or effort == "high",
                    "count_source": "usage",
                }
            )
        for budget in (0, 512, 2048):
            rows.append(
                {
                    "prompt": prompt,
                    "group": group,
                    "model": "budget-model",
                    "budget": budget,
                    "reasoning_tokens": min(budget, int(30 * size * rng.uniform(0.8, 1.2))),
                    "correct": (not hard and budget > 0) or budget == 2048,
                    "count_source": "thinking_off" if budget == 0 else "usage",
                }
            )
    return pd.concat([visible, pd.DataFrame(rows)], ignore_index=True)


TINY = TrainConfig(
    n_estimators=20,
    num_leaves=7,
    min_child_samples=3,
    n_inner_folds=2,
    n_outer_folds=3,
    knn_neighbors=5,
    target_accuracy=0.95,
)


@pytest.fixture(scope="session")
def observations() -> pd.DataFrame:
    return make_observations()


@pytest.fixture(scope="session")
def tiny_result(observations):
    return train_router(observations, TINY, HashingEmbedder(dim=16))


@pytest.fixture(scope="session")
def level_result():
    return train_router(make_level_observations(), TINY, HashingEmbedder(dim=16))


@pytest.fixture(scope="session")
def level_bundle(level_result, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "levels"
    level_result.router.save(path)
    return path


@pytest.fixture(scope="session")
def tiny_bundle(tiny_result, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundles") / "tiny"
    tiny_result.router.save(path)
    return path


REAL_FAMILIES = [
    "basic_arithmetic", "gcd", "chain_sum", "complex_arithmetic", "family_relationships",
    "number_sorting", "sudoku", "rush_hour", "zebra_puzzles", "count_primes", "word_ladder",
    "maze",
]  # fmt: skip


@pytest.fixture(scope="session")
def real_subset_path(tmp_path_factory) -> Path:
    """A small real observation file: 12 families x 10 prompts of the bundled data."""
    from budgetrouter.train.sources import read_reasoning_gym

    table = read_reasoning_gym(DATA)
    table = table[table["group"].isin(REAL_FAMILIES)]
    keep = table.drop_duplicates("prompt_id").groupby("group", observed=True).head(10)["prompt_id"]
    table = table[table["prompt_id"].isin(set(keep))]
    path = tmp_path_factory.mktemp("real") / "subset.parquet"
    table.to_parquet(path)
    return path

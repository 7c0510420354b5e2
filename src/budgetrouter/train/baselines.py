"""Baselines reported beside the router, each fitted out of family like the router.

* kNN curves: each prompt's success and cost curves as the run-weighted mean over its ``k``
  nearest prompts (cosine distance on the embeddings) of other families;
* ridge and kNN regressions of ``log1p(needed tokens)`` on the router's features;
* random tiers at the router's spend, and the prompt-length heuristic (in the report's sweeps).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.config import TrainConfig
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Baselines:
    """Out-of-family baseline predictions for every prompt of a set.

    Attributes
    ----------
    knn_success, knn_cost
        kNN curves on the policy's grid, shape ``(n, g)``.
    needed
        Needed-token predictions by baseline name (``ridge``, ``knn``), each shape ``(n,)``.
    """

    knn_success: np.ndarray
    knn_cost: np.ndarray
    needed: dict[str, np.ndarray]


def knn_curves(
    emb_train: np.ndarray,
    success_train: np.ndarray,
    cost_train: np.ndarray,
    weight_train: np.ndarray,
    emb_test: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Curves of the kNN baseline: run-weighted means over the k nearest training prompts."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(emb_train))
    nn = NearestNeighbors(n_neighbors=k, metric="cosine").fit(emb_train)
    _, idx = nn.kneighbors(emb_test)
    w = weight_train[idx][..., None]
    s = (success_train[idx] * w).sum(axis=1) / w.sum(axis=1)
    c = (cost_train[idx] * w).sum(axis=1) / w.sum(axis=1)
    return s, c


def needed_token_baselines(
    X_tr: np.ndarray, t_tr: PromptTargets, X_te: np.ndarray, config: TrainConfig
) -> dict[str, np.ndarray]:
    """Ridge and kNN regressions of ``log1p(needed tokens)``, fitted on the solved prompts."""
    import numpy as np
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    solved = ~t_tr.prompts["censored"].to_numpy()
    if solved.sum() < 2:  # nothing to regress on: no baseline, said as NaN
        return {name: np.full(len(X_te), np.nan) for name in ("ridge", "knn")}
    y = np.log1p(t_tr.prompts["needed_tokens"].to_numpy(dtype="float64")[solved])
    models = {
        "ridge": make_pipeline(StandardScaler(), Ridge(alpha=config.ridge_alpha)),
        "knn": make_pipeline(
            StandardScaler(),
            KNeighborsRegressor(n_neighbors=min(config.knn_neighbors, int(solved.sum()))),
        ),
    }
    return {
        name: np.maximum(np.expm1(model.fit(X_tr[solved], y).predict(X_te)), 0.0)
        for name, model in models.items()
    }


def out_of_family_baselines(
    embeddings: np.ndarray,
    targets: PromptTargets,
    grid: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    config: TrainConfig,
) -> Baselines:
    """Every baseline for every prompt, each fold's prompts predicted from the other folds.

    Parameters
    ----------
    embeddings
        Raw prompt embeddings, one row per prompt of ``targets``.
    targets
        The prompts and their runs.
    grid
        The policy's budget grid.
    folds
        ``(train, test)`` index pairs that split by family and cover every prompt once.
    config
        ``knn_neighbors`` and ``ridge_alpha``.
    """
    import numpy as np

    from budgetrouter.features import prompt_features
    from budgetrouter.projection import Projection

    n, g = targets.n_prompts, len(grid)
    prompts = targets.prompts["prompt"].astype(str).tolist()
    knn_s, knn_c = np.zeros((n, g)), np.zeros((n, g))
    needed = {name: np.zeros(n) for name in ("ridge", "knn")}
    for tr, te in folds:
        t_tr = targets.subset(tr)
        projection = Projection.fit(embeddings[tr])
        X_tr = prompt_features([prompts[i] for i in tr], embeddings[tr], projection)
        X_te = prompt_features([prompts[i] for i in te], embeddings[te], projection)
        for name, values in needed_token_baselines(X_tr, t_tr, X_te, config).items():
            needed[name][te] = values
        tr_s, tr_c = t_tr.mean_curves(grid)
        weight = t_tr.prompts["n_runs"].to_numpy(dtype="float64")
        knn_s[te], knn_c[te] = knn_curves(
            embeddings[tr], tr_s, tr_c, weight, embeddings[te], config.knn_neighbors
        )
    return Baselines(knn_s, knn_c, needed)


def random_at_spend(
    targets: PromptTargets, budgets: np.ndarray, seeds: int = 20
) -> dict[str, float]:
    """Random tiers at the router's spend: the router's budgets shuffled across prompts."""
    import numpy as np

    from budgetrouter.train.replay import replay

    rng = np.random.default_rng(0)
    runs = [replay(targets, rng.permutation(budgets)).to_dict() for _ in range(seeds)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def prompt_length_budgets(targets: PromptTargets, points: int = 60) -> list[np.ndarray]:
    """The prompt-length heuristic's sweep: budgets proportional to prompt length."""
    import numpy as np

    chars = targets.prompts["prompt"].astype(str).str.len().to_numpy(dtype="float64")
    return [np.round(f * chars) for f in np.geomspace(0.01, 100, points)]

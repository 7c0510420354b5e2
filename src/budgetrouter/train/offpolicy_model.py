"""The outcome model of the doubly robust estimator of :mod:`budgetrouter.train.offpolicy`.

``q(x, a)``, the expected outcome of a prompt at a level, cross-fitted over :data:`FOLDS` folds
of logged rows so that no row's prediction uses its own outcome: a prompt seen again at the
level is predicted from its other rows there; for shares, a prompt seen at other levels by an
additive prompt-plus-level model (:func:`by_prompt`); anything else by a nearest-neighbour
regression on the router's features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Folds of rows the outcome model is cross-fitted over.
FOLDS = 5


def outcome_model(
    X: np.ndarray,
    rows: pd.DataFrame,
    sent: list[tuple],
    values: np.ndarray,
    asked: list[list[tuple]],
    neighbors: int,
    seed: int,
    additive: bool = False,
) -> list[np.ndarray]:
    """Cross-fitted predictions ``q(x_i, a)`` of ``values`` for each row and each level list.

    Cross-fitted over :data:`FOLDS` folds of rows (a row's prediction never uses its own
    outcome). With ``additive`` (outcomes that are shares), a prompt seen in the other folds is
    predicted by :func:`by_prompt`. Otherwise, for each (model, level), a k-nearest-neighbour
    regression on the router's features (distance weighted, so a prompt seen again is predicted
    from its own other rows) fitted on the rows sent there; a level with fewer than two rows in
    a fold falls back to the fold's propensity-weighted mean.

    Parameters
    ----------
    asked
        Lists of one level per row (the level sent, a policy's level, ...).

    Returns
    -------
    list of numpy.ndarray
        One array of predictions per list in ``asked``.
    """
    import numpy as np
    from sklearn.neighbors import KNeighborsRegressor

    n = len(rows)
    fold = np.random.default_rng(seed).integers(0, FOLDS, n)
    w = 1.0 / rows["propensity"].to_numpy(dtype=float)
    models = rows["model"].astype(str).to_numpy()
    prompts = rows["prompt"].astype(str).tolist()
    out = [np.zeros(n) for _ in asked]
    same_prompt = [by_prompt(prompts, models, sent, values, w, fold != k, asked) for k in
                   range(FOLDS)] if additive else []  # fmt: skip
    for k in range(FOLDS):
        train, pred = fold != k, np.flatnonzero(fold == k)
        if not train.any():
            train = np.ones(n, dtype=bool)
        overall = float(np.average(values[train], weights=w[train]))
        fitted: dict[tuple, Any] = {}
        for i_list, levels in enumerate(asked):
            groups: dict[tuple, list[int]] = {}
            for i in pred:
                groups.setdefault((models[i], levels[i]), []).append(int(i))
            for key, idx in groups.items():
                if same_prompt:
                    seen = same_prompt[k]
                    for j in idx:
                        if (prompts[j], key[1]) in seen:
                            out[i_list][j] = seen[(prompts[j], key[1])]
                    idx = [j for j in idx if (prompts[j], key[1]) not in seen]
                    if not idx:
                        continue
                if key not in fitted:
                    at = np.flatnonzero(
                        train & (models == key[0]) & np.array([s == key[1] for s in sent])
                    )
                    if len(at) < 2:
                        mean = np.average(values[at], weights=w[at]) if len(at) else overall
                        fitted[key] = float(mean)
                    else:
                        knn = KNeighborsRegressor(min(neighbors, len(at)), weights="distance")
                        fitted[key] = knn.fit(X[at], values[at])
                model = fitted[key]
                out[i_list][idx] = model if isinstance(model, float) else model.predict(X[idx])
    return out


def by_prompt(
    prompts: list[str],
    models: np.ndarray,
    sent: list[tuple],
    values: np.ndarray,
    w: np.ndarray,
    train: np.ndarray,
    asked: list[list[tuple]],
) -> dict[tuple[str, tuple], float]:
    """Predictions for the (prompt, level) pairs asked of prompts seen in ``train`` rows.

    A pair seen at that level: the mean of its rows. A prompt seen at other levels: an additive
    model, the level's mean plus the prompt's mean residual over the levels it was seen at,
    within [0, 1] (outcomes that are shares).
    """
    import numpy as np

    level_mean: dict[tuple, float] = {}
    for key in {(m, s) for m, s, t in zip(models, sent, train, strict=True) if t}:
        at = np.flatnonzero(train & (models == key[0]) & np.array([s == key[1] for s in sent]))
        level_mean[key] = float(np.average(values[at], weights=w[at]))
    pair: dict[tuple[str, tuple], list[float]] = {}
    residual: dict[str, list[float]] = {}
    for i in np.flatnonzero(train):
        pair.setdefault((prompts[i], sent[i]), []).append(float(values[i]))
        residual.setdefault(prompts[i], []).append(
            float(values[i]) - level_mean[(models[i], sent[i])]
        )
    out = {key: float(np.mean(v)) for key, v in pair.items()}
    for levels in asked:
        for j, level in enumerate(levels):
            key = (prompts[j], level)
            if key in out or prompts[j] not in residual or (models[j], level) not in level_mean:
                continue
            guess = level_mean[(models[j], level)] + float(np.mean(residual[prompts[j]]))
            out[key] = min(max(guess, 0.0), 1.0)
    return out

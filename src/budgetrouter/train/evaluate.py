"""Evaluating a trained bundle on observations it was not trained on.

:func:`evaluate_bundle` replays a router beside every baseline on your observations and
returns the same report training writes (:func:`budgetrouter.train.report.build_report`); the
kNN and regression baselines are fitted out of family on the evaluated prompts themselves
(grouped folds over their families), since a bundle does not carry its training data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.model import Predictions
    from budgetrouter.router import Router
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)

#: Prompts embedded per call when predicting many.
CHUNK = 256


def predict_all(router: Router, prompts: Sequence[str]) -> tuple[np.ndarray, Predictions]:
    """Embeddings and predictions of a router for many prompts, embedded in chunks.

    Returns
    -------
    embeddings, predictions
        Raw embeddings, shape ``(n, d)``, and the router's :class:`~budgetrouter.model.Predictions`.
    """
    import numpy as np

    from budgetrouter.features import prompt_features

    batch = router.config.batch_size
    emb = np.concatenate(
        [
            router.embedder.encode(list(prompts[i : i + CHUNK]), batch_size=batch)
            for i in range(0, len(prompts), CHUNK)
        ]
    )
    X = prompt_features(prompts, emb, router.models.projection)
    return emb, router.models.predict(X, router.policy)


def unseen_observations(
    router: Router, observations: pd.DataFrame, include_training_families: bool = False
) -> pd.DataFrame:
    """The observations whose task family (``group``) the bundle was not trained on.

    Raises
    ------
    DataError
        If every observation belongs to a training family and they are not to be included.
    """
    seen = set(router.manifest.get("training_groups", []))
    if not seen or include_training_families:
        return observations
    trained_on = observations["group"].astype(str).isin(seen).to_numpy()
    logger.info(
        "left out %d runs of %d families the bundle was trained on",
        int(trained_on.sum()),
        observations.loc[trained_on, "group"].nunique(),
    )
    if trained_on.all():
        raise DataError(
            "observations",
            "every observation belongs to a task family (group) the bundle was trained on; "
            "use other families, or include them (include_training_families=True, "
            "--include-training-families; such numbers overstate the router)",
        )
    return observations.loc[~trained_on]


def evaluate_bundle(
    router: Router,
    observations: pd.DataFrame,
    *,
    include_training_families: bool = False,
    source: str = "observations",
) -> dict[str, Any]:
    """Replay a router and every baseline on observations; the report training writes.

    Parameters
    ----------
    router
        A loaded router.
    observations
        Canonical observations (:func:`budgetrouter.train.read_observations`).
    include_training_families
        Also replay prompts of the families the bundle was trained on (overstates the router).
    source
        Where the observations came from, for the report's protocol line.

    Returns
    -------
    dict
        As :func:`budgetrouter.train.report.build_report`, plus ``bundle_version``.

    Raises
    ------
    DataError
        If the observations break the data contract, all belong to training families (and
        they are not included), or no run is correct.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from budgetrouter.config import TrainConfig
    from budgetrouter.train.baselines import out_of_family_baselines
    from budgetrouter.train.data import validate_observations
    from budgetrouter.train.report import build_report
    from budgetrouter.train.targets import build_targets

    observations = validate_observations(observations, source=source)
    unseen = unseen_observations(router, observations, include_training_families)
    targets = build_targets(unseen, tiers=router.policy.tiers)
    if not targets.run_correct.any():
        raise DataError(source, "no run is correct: there is no accuracy to replay")
    emb, pred = predict_all(router, targets.prompts["prompt"].astype(str).tolist())
    config = TrainConfig.from_dict(router.manifest.get("train_config", {}))
    groups = targets.prompts["group"].to_numpy()
    n_folds = min(config.n_outer_folds, len(np.unique(groups)))
    baselines = None
    if n_folds >= 2:
        folds = list(GroupKFold(n_splits=n_folds).split(emb, groups=groups))
        grid = np.asarray(router.policy.grid)
        baselines = out_of_family_baselines(emb, targets, grid, folds, config)
    else:
        logger.info("one task family only: no out-of-family kNN or regression baselines")
    report = build_report(
        targets,
        router.policy,
        pred,
        baselines=baselines,
        protocol=(
            f"Bundle {router.version} replayed on {source}"
            + (
                " (training families included)."
                if include_training_families
                else " (families it was trained on left out)."
            )
            + (
                f" Baselines fitted out of family over {n_folds} grouped folds of these prompts."
                if baselines is not None
                else ""
            )
        ),
    )
    levels = evaluate_levels(router, unseen, targets, emb, pred.budget)
    if levels:
        report["levels"] = levels
    report["bundle_version"] = router.version
    return report


def evaluate_levels(
    router: Router,
    observations: pd.DataFrame,
    targets: PromptTargets,
    embeddings: np.ndarray,
    budgets: np.ndarray,
) -> dict[str, Any]:
    """Decisions replayed on the observations' runs made at each model's own levels.

    Model-aware decisions for the models the bundle knows (the others get the model-agnostic
    decision there too), model-agnostic ones for every model run at two or more levels
    (:func:`budgetrouter.train.level_report.level_report`). Empty when no model was.

    Parameters
    ----------
    router
        The router evaluated.
    observations
        The evaluated observations.
    targets
        Their targets; ``embeddings`` and ``budgets`` (the model-agnostic decisions) have one
        row per row of ``targets.prompts``.
    """
    import numpy as np

    from budgetrouter.features import prompt_features
    from budgetrouter.train.level_report import agnostic_levels, level_report
    from budgetrouter.train.level_runs import runs_by_prompt_row

    runs, rows_of = runs_by_prompt_row(observations, targets.prompts["prompt"])
    if not runs:
        return {}
    tiers = router.policy.tiers
    aware, agnostic = {}, {}
    for model, r in runs.items():
        rows = rows_of[model]
        agnostic[model] = budgets[rows]
        known = router.levels.resolve(model) if router.levels is not None else None
        if known is None or router.levels is None:
            logger.info("model %s is not one the bundle knows: model-agnostic decisions", model)
            aware[model] = agnostic_levels(r, agnostic[model], tiers)
            continue
        ladder = router.levels.models[known]
        if r.levels != ladder:
            logger.info(
                "model %s was run at other levels than the bundle knows (%s, not %s): "
                "model-agnostic decisions",
                model,
                [lv.label for lv in r.levels.levels],
                [lv.label for lv in ladder.levels],
            )
            aware[model] = agnostic_levels(r, agnostic[model], tiers)
            continue
        X = prompt_features(list(r.prompts), embeddings[rows], router.models.projection)
        success = router.models.curves.predict(X)[0]
        grid = router.models.curves.grid
        aware[model] = np.array(
            [
                r.levels.landing(*ladder.decision_parts(int(k), tiers))
                for k in router.levels.levels_for(success, grid, known)
            ]
        )
    decided = {
        m
        for m, r in runs.items()
        if router.levels is not None
        and (known := router.levels.resolve(m)) is not None
        and router.levels.models[known] == r.levels
    }
    return level_report(runs, aware, agnostic, np.asarray(router.policy.grid), tiers, decided)

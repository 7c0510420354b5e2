"""Fitting a router's models, shared by the single-machine and Dask trainers.

:func:`fit_models` fits every estimator of a router on one set of prompts;
:func:`out_of_family_curves` gives each prompt curve predictions from models that never saw its
family (what calibration needs); :func:`training_manifest` is what a bundle records about how
it was trained; :class:`TrainResult` is what every trainer returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from budgetrouter.config import TrainConfig
from budgetrouter.train.calibration import budget_grid

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.model import Predictions, RouterModels
    from budgetrouter.policy import TierPolicy
    from budgetrouter.projection import Projection
    from budgetrouter.router import Router
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What a trainer returns.

    Attributes
    ----------
    router
        The router fitted on every family, with its calibrated policy.
    metrics
        Flat metrics of the held-out evaluation (for MLflow and the manifest).
    report
        The held-out report (:func:`budgetrouter.train.report.build_report`) under
        ``"evaluation"``, plus ``counts`` and, on one machine, ``per_fold``.
    """

    router: Router
    metrics: dict[str, float]
    report: dict[str, Any] = field(default_factory=dict)


def fit_models(
    X: np.ndarray, targets: PromptTargets, config: TrainConfig, projection: Projection
) -> RouterModels:
    """Fit every model of a router on the prompts of ``targets``.

    Parameters
    ----------
    X
        Feature matrix, one row per prompt, built with ``projection``.
    targets
        The prompts and their runs.
    config
        LightGBM settings, budget grid and upper quantile.
    projection
        The embedding projection the features were built with (kept with the models).
    """
    from budgetrouter.curves import BudgetCurveModel
    from budgetrouter.estimators import NoThinkingClassifier, TokenBudgetRegressor
    from budgetrouter.model import RouterModels

    grid = budget_grid(config)
    success, cost, correct = targets.model_curves(grid)
    weight = targets.prompts["n_runs"].to_numpy(dtype="float64")
    curves = BudgetCurveModel(grid, **config.lgbm_settings()).fit(X, success, cost, weight, correct)
    needed = needed_target(targets)
    settings = config.regressor_settings(len(needed))
    median = TokenBudgetRegressor(quantile=0.5, **settings).fit(X, needed)
    upper = TokenBudgetRegressor(quantile=config.upper_quantile, **settings).fit(X, needed)
    labels = targets.prompts["no_thinking"].to_numpy(dtype=bool)
    no_thinking = NoThinkingClassifier(**config.lgbm_settings()).fit(X, labels)
    return RouterModels(curves, median, upper, no_thinking, projection)


def needed_target(targets: PromptTargets) -> np.ndarray:
    """What the needed-token regressions learn per prompt, shape ``(n_prompts,)``.

    Its demand, or for a prompt no run solved (censored) the most tokens tried: a lower bound
    that keeps hard prompts in.
    """
    import numpy as np

    p = targets.prompts
    needed = p["needed_tokens"].to_numpy(dtype="float64")
    return np.where(p["censored"].to_numpy(), p["max_tokens"].to_numpy(dtype="float64"), needed)


def out_of_family_curves(
    X: np.ndarray,
    targets: PromptTargets,
    config: TrainConfig | None = None,
    folds: Iterable[tuple[np.ndarray, np.ndarray]] | None = None,
    X_route: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Curve predictions for every prompt from models that never saw its family.

    Parameters
    ----------
    X
        Feature matrix, one row per prompt of ``targets`` (what the models are fitted on).
    targets
        The prompts and their runs (``group`` = task family).
    config
        Model settings and budget grid; defaults to :class:`TrainConfig()`.
    folds
        ``(train, test)`` index pairs that split by family; default ``config.n_inner_folds``
        grouped folds.
    X_route
        The features predictions are made from (default ``X``): the rows as routing builds
        them, asking for hidden reasoning (see :func:`budgetrouter.features.prompt_features`).

    Returns
    -------
    success, cost
        Predicted success share and mean tokens per run, shape ``(n_prompts, len(grid))``.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from budgetrouter.curves import BudgetCurveModel

    cfg = config if config is not None else TrainConfig()
    grid = budget_grid(cfg)
    success, cost, correct = targets.model_curves(grid)
    weight = targets.prompts["n_runs"].to_numpy(dtype="float64")
    if folds is None:
        groups = targets.prompts["group"].to_numpy()
        folds = GroupKFold(n_splits=cfg.n_inner_folds).split(X, groups=groups)
    folds = list(folds)
    X_route = X if X_route is None else X_route
    oof_s = np.zeros_like(success)
    oof_c = np.zeros_like(cost)
    for k, (tr, te) in enumerate(folds, start=1):
        model = BudgetCurveModel(grid, **cfg.lgbm_settings()).fit(
            X[tr], success[tr], cost[tr], weight[tr], correct[tr]
        )
        oof_s[te], oof_c[te] = model.predict(X_route[te])
        logger.info("out-of-family fold %d/%d done", k, len(folds))
    return oof_s, oof_c


@dataclass(frozen=True, eq=False)
class HeldOut:
    """A fold routed by models and a calibration that never saw its prompts.

    Attributes
    ----------
    policy
        The policy calibrated on the training prompts' out-of-family curves.
    predictions
        The held-out prompts' predictions under it.
    train_success
        The training prompts' out-of-family success curves (what calibration saw), ``(n, g)``.
    """

    policy: TierPolicy
    predictions: Predictions
    train_success: np.ndarray


def route_held_out(
    emb: np.ndarray,
    prompts: list[str],
    hidden: np.ndarray,
    targets: PromptTargets,
    train: np.ndarray,
    test: np.ndarray,
    config: TrainConfig,
) -> HeldOut:
    """Fit and calibrate on the prompts at ``train``, predict those at ``test``.

    The projection, the models and the policy's price and margin (calibrated on out-of-family
    curves of the training prompts, :func:`out_of_family_curves`) see only ``train``; the
    ``test`` prompts are predicted as routing predicts them, for hidden reasoning.
    """
    from budgetrouter.features import prompt_features
    from budgetrouter.projection import Projection
    from budgetrouter.train.calibration import calibrate_for

    t_tr = targets.subset(train)
    projection = Projection.fit(emb[train])
    X_tr = prompt_features([prompts[i] for i in train], emb[train], projection, hidden[train])
    X_te = prompt_features([prompts[i] for i in test], emb[test], projection)
    X_route = X_tr.copy()
    X_route[:, -1] = 1.0  # as routing builds them: asking for hidden reasoning
    in_s, in_c = out_of_family_curves(X_tr, t_tr, config, X_route=X_route)
    policy = calibrate_for(config, in_s, in_c, t_tr)
    predictions = fit_models(X_tr, t_tr, config, projection).predict(X_te, policy)
    return HeldOut(policy, predictions, in_s)


def training_manifest(
    config: TrainConfig,
    projection: Projection,
    digest: str,
    metrics: dict[str, float],
    counts: dict[str, int],
    groups: list[str],
) -> dict[str, Any]:
    """What a router's manifest records about its training (shared by every trainer)."""
    from budgetrouter.features import TEXT_FEATURE_NAMES

    return {
        "train_config": config.to_dict(),
        "text_feature_names": list(TEXT_FEATURE_NAMES),
        "projection_dim": projection.dim,
        "data_digest": digest,
        "metrics": metrics,
        "counts": counts,
        "training_groups": groups,
    }


def target_counts(targets: PromptTargets, runs: int) -> dict[str, int]:
    """Runs, prompts, families, censored and no-thinking prompts, logged once."""
    p = targets.prompts
    counts = {
        "runs": runs,
        "prompts": targets.n_prompts,
        "groups": int(p["group"].nunique()),
        "censored_prompts": int(p["censored"].sum()),
        "no_thinking_prompts": int(p["no_thinking"].sum()),
    }
    logger.info(
        "%(runs)d runs, %(prompts)d prompts in %(groups)d families; %(censored_prompts)d prompts "
        "never solved (censored: the needed-token regression learns the most tokens tried); "
        "%(no_thinking_prompts)d solved with no thinking",
        counts,
    )
    return counts

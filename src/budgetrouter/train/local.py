"""Training on one machine: observations in, a calibrated :class:`~budgetrouter.Router` out.

1. Per-prompt targets (:mod:`budgetrouter.train.targets`), embeddings (cached on disk) and
   features.
2. Nested grouped cross-validation over task families: each family is held out once (outer
   folds). Within the other families, inner grouped folds give out-of-family predictions on
   which the policy's price and margin are calibrated to the operator's target; models fitted
   on those families then route the held-out family. Every reported number comes from prompts
   whose family neither the models nor the calibration saw (:func:`build_report`).
3. The bundle's models are refitted on every family; its price and margin are calibrated on
   the outer folds' out-of-family predictions of every prompt.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

from budgetrouter.config import TrainConfig
from budgetrouter.errors import ConfigError, DataError
from budgetrouter.train.fit import TrainResult

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.embedders import Embedder
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


def outer_folds(targets: PromptTargets, config: TrainConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped outer folds over task families, checked to leave room for the inner folds.

    Raises
    ------
    ConfigError
        If there are too few families for ``n_outer_folds`` and ``n_inner_folds``.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    groups = targets.prompts["group"].to_numpy()
    n_groups = len(np.unique(groups))
    n_outer, n_inner = config.n_outer_folds, config.n_inner_folds
    needed = max(n_outer, n_inner + math.ceil(n_groups / n_outer))
    if n_groups < needed or n_groups - math.ceil(n_groups / n_outer) < n_inner:
        raise ConfigError(
            f"Training holds task families out: found {n_groups} distinct 'group' values, need "
            f"at least {max(needed, n_inner + 2)} for {n_outer} outer and {n_inner} inner "
            "(calibration) folds. Add a 'group' column (task family) to the observations, or "
            "lower n_outer_folds / n_inner_folds"
        )
    return list(GroupKFold(n_splits=n_outer).split(np.zeros(len(groups)), groups=groups))


def train_router(
    observations: pd.DataFrame,
    config: TrainConfig | None = None,
    embedder: Embedder | None = None,
    cache_dir: str | Path | None = None,
) -> TrainResult:
    """Train, evaluate on held-out families and calibrate a router.

    Parameters
    ----------
    observations
        A canonical observation table (:func:`budgetrouter.train.read_observations`).
    config
        Training options; defaults to :class:`TrainConfig()`.
    embedder
        Prompt embedder; defaults to ``minilm-static-64``, the packaged default router's.
    cache_dir
        Folder of the on-disk embedding cache; ``None`` disables caching.

    Returns
    -------
    TrainResult

    Raises
    ------
    ConfigError
        If the data has too few task families to hold some out, or the target cannot be met.
    DataError
        If no run is correct (there would be no accuracy to keep).
    """
    import numpy as np

    from budgetrouter.embedders import COMPACT_NAME, get_embedder
    from budgetrouter.features import prompt_features
    from budgetrouter.model import Predictions
    from budgetrouter.projection import Projection
    from budgetrouter.router import Router
    from budgetrouter.spread import log_spread
    from budgetrouter.train.baselines import out_of_family_baselines
    from budgetrouter.train.calibration import budget_grid, calibrate_for
    from budgetrouter.train.data import data_digest
    from budgetrouter.train.embedding_cache import EmbeddingCache
    from budgetrouter.train.fit import (
        fit_models,
        route_held_out,
        target_counts,
        training_manifest,
    )
    from budgetrouter.train.level_fit import fit_model_levels
    from budgetrouter.train.level_report import level_metrics
    from budgetrouter.train.loso import leave_one_source_out
    from budgetrouter.train.report import build_report, operating_point, report_metrics
    from budgetrouter.train.targets import build_targets

    cfg = config if config is not None else TrainConfig()
    emb_model = embedder if embedder is not None else get_embedder(COMPACT_NAME)
    started = time.perf_counter()
    targets = build_targets(observations, none_max_tokens=cfg.none_max_tokens, tiers=cfg.tiers)
    if not targets.run_correct.any():
        raise DataError(
            "observations",
            "no run is correct: there is no accuracy to keep and nothing to calibrate against; "
            "check the 'correct' column",
        )
    counts = target_counts(targets, len(observations))
    folds = outer_folds(targets, cfg)
    prompts = targets.prompts["prompt"].astype(str).tolist()
    logger.info("embedding %d prompts with %s", len(prompts), emb_model.name)
    if cache_dir is not None:
        emb = EmbeddingCache(cache_dir).encode(emb_model, prompts)
    else:
        emb = emb_model.encode(prompts)

    # Models learn from each row's kind of count (hidden reasoning or visible text); held-out
    # predictions are made as routing makes them, for hidden reasoning.
    hidden = targets.prompts["hidden"].to_numpy(dtype="float64")

    # Nested cross-validation: each outer fold's families are routed by models and a price
    # that never saw them.
    parts: list[tuple[np.ndarray, Predictions]] = []
    per_fold = []
    for k, (tr, te) in enumerate(folds, start=1):
        t_te = targets.subset(te)
        held = route_held_out(emb, prompts, hidden, targets, tr, te, cfg)
        policy_k, pred_k = held.policy, held.predictions
        parts.append((te, pred_k))
        fold = operating_point(t_te, pred_k.budget)
        per_fold.append(
            {
                "families": sorted(map(str, t_te.prompts["group"].unique())),
                "price": policy_k.price,
                "margin_steps": policy_k.margin_steps,
                "accuracy_kept": fold["router"]["accuracy_kept"],
                "tokens_saved": fold["router"]["tokens_saved"],
                "fixed_tokens_saved": fold["fixed_at_router_accuracy"]["tokens_saved"],
            }
        )
        logger.info(
            "outer fold %d/%d (%d held-out families): keeps %.2f%% of always-long accuracy, "
            "saves %.2f%% of tokens (best fixed budget at that accuracy: %.2f%%)",
            k,
            len(folds),
            t_te.prompts["group"].nunique(),
            100 * fold["router"]["accuracy_kept"],
            100 * fold["router"]["tokens_saved"],
            100 * fold["fixed_at_router_accuracy"]["tokens_saved"],
        )
    order = np.argsort(np.concatenate([te for te, _ in parts]), kind="stable")
    heldout = Predictions.concat([pred for _, pred in parts]).take(order)
    # The bundle's price and margin: calibrated on every prompt's out-of-family predictions.
    policy = calibrate_for(cfg, heldout.success, heldout.cost, targets)
    # Upper forecasts of spend: the held-out spread of the cost model per budget, on the rows
    # that count hidden reasoning (what routing predicts).
    actual_cost = targets.model_curves(budget_grid(cfg))[1][hidden == 1]
    policy = policy.with_spread(
        log_spread(actual_cost, heldout.cost[hidden == 1], cfg.upper_quantile)
    )
    evaluation = build_report(
        targets,
        policy,
        heldout,
        baselines=out_of_family_baselines(emb, targets, budget_grid(cfg), folds, cfg),
        protocol=(
            f"Nested grouped cross-validation over task families ({len(folds)} outer folds): "
            "each family is routed by models and a calibration that never saw it. Swept "
            "baselines are shown at their best point at the router's accuracy, chosen on these "
            "same prompts (an advantage the router does not get)."
        ),
    )
    evaluation["leave_one_source_out"] = leave_one_source_out(observations, targets, emb, cfg)
    op = evaluation["operating_point"]
    logger.info(
        "held-out families (all folds): router keeps %.2f%% of always-long accuracy and saves "
        "%.2f%% of reasoning tokens; the best fixed budget saves %.2f%% at that accuracy, the "
        "oracle %.2f%%",
        100 * op["router"]["accuracy_kept"],
        100 * op["router"]["tokens_saved"],
        100 * op["fixed_at_router_accuracy"]["tokens_saved"],
        100 * op["oracle_at_router_accuracy"]["tokens_saved"],
    )

    # Final router: every family, with the price and margin calibrated above.
    logger.info("fitting the final models on all %d families", counts["groups"])
    projection = Projection.fit(emb)
    X_all = prompt_features(prompts, emb, projection, hidden)
    models = fit_models(X_all, targets, cfg, projection)
    levels = fit_model_levels(observations, targets, heldout.success, heldout.budget, cfg)
    if levels:
        evaluation["levels"] = levels.report
    metrics = {
        **report_metrics(evaluation, policy),
        **(level_metrics(levels.report) if levels else {}),
        "train_seconds": time.perf_counter() - started,
    }
    manifest = training_manifest(
        cfg,
        projection,
        data_digest(observations),
        metrics,
        counts,
        sorted(map(str, targets.prompts["group"].unique())),
    )
    router = Router(emb_model, models, policy, manifest, levels=levels.model if levels else None)
    logger.info("training done in %.0f s", metrics["train_seconds"])
    return TrainResult(
        router=router,
        metrics=metrics,
        report={
            "counts": counts,
            "per_fold": per_fold,
            "evaluation": evaluation,
        },
    )

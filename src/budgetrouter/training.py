"""Training: observations in, a calibrated :class:`~budgetrouter.Router` out.

1. Per-prompt targets (:mod:`budgetrouter.targets`), embeddings (cached on disk) and features.
2. Nested grouped cross-validation over task families: each family is held out once (outer
   folds). Within the other families, inner grouped folds give out-of-family predictions on
   which the policy's price and margin are calibrated to the operator's target; models fitted
   on those families then route the held-out family. Every reported number comes from prompts
   whose family neither the models nor the calibration saw, replayed beside the always-long,
   always-none, best-fixed-budget and oracle policies and the ridge and kNN baselines of the
   needed-token regression.
3. The bundle's models are refitted on every family; its price and margin are calibrated on
   the outer folds' out-of-family predictions of every prompt.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.config import TrainConfig
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.embedders import Embedder
    from budgetrouter.policy import TierPolicy
    from budgetrouter.router import Router, RouterModels
    from budgetrouter.targets import PromptTargets

logger = logging.getLogger(__name__)

PROJECTION_DIM = 32


@dataclass
class TrainResult:
    """What :func:`train_router` returns.

    Attributes
    ----------
    router
        The router fitted on every family, with its calibrated policy.
    metrics
        Flat metrics of the held-out families (for MLflow and the manifest).
    report
        Nested details: trade-off curves, baselines, counts.
    """

    router: Router
    metrics: dict[str, float]
    report: dict[str, Any] = field(default_factory=dict)


def fit_projection(
    embeddings: np.ndarray, dim: int = PROJECTION_DIM
) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of the embeddings: ``(mean, components)``, components ``(k, d)``."""
    import numpy as np

    mean = embeddings.mean(axis=0)
    k = min(dim, embeddings.shape[1], max(1, len(embeddings) - 1))
    _, _, vt = np.linalg.svd(embeddings - mean, full_matrices=False)
    return mean.astype("float64"), vt[:k].astype("float64")


def _features(
    prompts: list[str], emb: np.ndarray, proj: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    from budgetrouter.features import build_features

    mean, comps = proj
    return build_features(prompts, (emb - mean) @ comps.T)


def _lgbm_kwargs(cfg: TrainConfig) -> dict[str, Any]:
    return {
        "n_estimators": cfg.n_estimators,
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_child_samples": cfg.min_child_samples,
        "colsample_bytree": cfg.colsample_bytree,
        "random_state": cfg.random_state,
    }


def _regressor_kwargs(cfg: TrainConfig, n_solved: int) -> dict[str, Any]:
    """Settings of the needed-token regressors: smaller leaves when few prompts were solved."""
    kw = _lgbm_kwargs(cfg)
    return {**kw, "min_child_samples": min(cfg.min_child_samples, max(1, n_solved // 4))}


def _grid(cfg: TrainConfig) -> np.ndarray:
    import numpy as np

    return np.array([*map(float, cfg.budget_grid), math.inf])


def _mean_curves(targets: PromptTargets, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    success, cost = targets.curves(grid)
    n = targets.prompts["n_runs"].to_numpy(dtype="float64")[:, None]
    return success / n, cost / n


def _fit_models(
    X: np.ndarray, targets: PromptTargets, cfg: TrainConfig, proj: tuple[np.ndarray, np.ndarray]
) -> RouterModels:

    from budgetrouter.model import BudgetCurveModel, NoThinkingClassifier, TokenBudgetRegressor
    from budgetrouter.router import RouterModels

    grid = _grid(cfg)
    success, cost = _mean_curves(targets, grid)
    weight = targets.prompts["n_runs"].to_numpy(dtype="float64")
    kw = _lgbm_kwargs(cfg)
    curves = BudgetCurveModel(grid, **kw).fit(X, success, cost, weight)
    solved = ~targets.prompts["censored"].to_numpy()
    needed = targets.prompts["needed_tokens"].to_numpy(dtype="float64")
    reg_kw = _regressor_kwargs(cfg, int(solved.sum()))
    median = TokenBudgetRegressor(quantile=0.5, **reg_kw).fit(X[solved], needed[solved])
    high = TokenBudgetRegressor(quantile=cfg.quantile_high, **reg_kw).fit(X[solved], needed[solved])
    labels = targets.prompts["no_reasoning"].to_numpy(dtype=bool)
    no_thinking = NoThinkingClassifier(**kw).fit(X, labels)
    return RouterModels(
        curves=curves,
        median=median.booster_,
        high=high.booster_,
        no_thinking=no_thinking.booster_,
        projection_mean=proj[0],
        projection_components=proj[1],
    )


def out_of_family_curves(
    X: np.ndarray,
    targets: PromptTargets,
    config: TrainConfig | None = None,
    folds: Iterable[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Curve predictions for every prompt from models that never saw its family.

    Parameters
    ----------
    X
        Feature matrix, one row per prompt of ``targets``.
    targets
        The prompts and their runs (``group`` = task family).
    config
        Model settings and budget grid; defaults to :class:`TrainConfig()`.
    folds
        ``(train, test)`` index pairs that split by family; default ``config.n_folds``
        grouped folds.

    Returns
    -------
    success, cost
        Predicted success rate and mean tokens per run, shape ``(n_prompts, len(grid))``.
    """
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from budgetrouter.model import BudgetCurveModel

    cfg = config if config is not None else TrainConfig()
    grid = _grid(cfg)
    success, cost = _mean_curves(targets, grid)
    weight = targets.prompts["n_runs"].to_numpy(dtype="float64")
    if folds is None:
        groups = targets.prompts["group"].to_numpy()
        folds = GroupKFold(n_splits=cfg.n_folds).split(X, groups=groups)
    folds = list(folds)
    oof_s = np.zeros_like(success)
    oof_c = np.zeros_like(cost)
    for k, (tr, te) in enumerate(folds, start=1):
        model = BudgetCurveModel(grid, **_lgbm_kwargs(cfg)).fit(
            X[tr], success[tr], cost[tr], weight[tr]
        )
        oof_s[te], oof_c[te] = model.predict(X[te])
        logger.info("out-of-family fold %d/%d done", k, len(folds))
    return oof_s, oof_c


def _base_policy(cfg: TrainConfig) -> TierPolicy:
    from budgetrouter.policy import TierPolicy

    return TierPolicy(
        grid=tuple(_grid(cfg)),
        price=0.0,
        short_max_tokens=cfg.short_max_tokens,
        long_cap_tokens=cfg.long_cap_tokens,
    )


def _calibrate(
    cfg: TrainConfig, s: np.ndarray, c: np.ndarray, targets: PromptTargets
) -> TierPolicy:
    from budgetrouter.policy import calibrate

    return calibrate(
        _base_policy(cfg),
        s,
        c,
        targets,
        target_accuracy=cfg.target_accuracy,
        max_mean_tokens=cfg.max_mean_tokens,
    )


def regression_metrics(
    pred_median: np.ndarray, pred_high: np.ndarray, needed: np.ndarray, quantile_high: float
) -> dict[str, float]:
    """Spearman, MAE of log1p and upper-quantile coverage of needed-token predictions."""
    import numpy as np
    from scipy.stats import spearmanr

    if len(needed) < 2:
        return {}
    rho = spearmanr(pred_median, needed).statistic
    return {
        "spearman": float(rho) if np.isfinite(rho) else 0.0,
        "mae_log1p": float(np.mean(np.abs(np.log1p(pred_median) - np.log1p(needed)))),
        "coverage_high": float(np.mean(needed <= pred_high)),
        "quantile_high": quantile_high,
    }


def _baseline_predictions(
    X_tr: np.ndarray, t_tr: PromptTargets, X_te: np.ndarray, cfg: TrainConfig
) -> dict[str, np.ndarray]:
    """Ridge and kNN regressions of log1p(needed tokens), fitted on the same families."""
    import numpy as np
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    solved = ~t_tr.prompts["censored"].to_numpy()
    y = np.log1p(t_tr.prompts["needed_tokens"].to_numpy(dtype="float64")[solved])
    models = {
        "ridge": make_pipeline(StandardScaler(), Ridge(alpha=cfg.ridge_alpha)),
        "knn": make_pipeline(
            StandardScaler(),
            KNeighborsRegressor(n_neighbors=min(cfg.knn_neighbors, int(solved.sum()))),
        ),
    }
    return {
        name: np.maximum(np.expm1(model.fit(X_tr[solved], y).predict(X_te)), 0.0)
        for name, model in models.items()
    }


def _outer_folds(targets: PromptTargets, cfg: TrainConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    import numpy as np
    from sklearn.model_selection import GroupKFold

    groups = targets.prompts["group"].to_numpy()
    n_groups = len(np.unique(groups))
    needed = max(cfg.n_outer_folds, cfg.n_folds + math.ceil(n_groups / cfg.n_outer_folds))
    if n_groups < needed or n_groups - math.ceil(n_groups / cfg.n_outer_folds) < cfg.n_folds:
        raise ConfigError(
            f"Training holds task families out: found {n_groups} distinct 'group' values, need "
            f"at least {max(needed, cfg.n_folds + 2)} for {cfg.n_outer_folds} outer and "
            f"{cfg.n_folds} calibration folds. Add a 'group' column (task family) to the "
            "observations, or lower n_outer_folds / n_folds"
        )
    return list(GroupKFold(n_splits=cfg.n_outer_folds).split(np.zeros(len(groups)), groups=groups))


def heldout_report(
    targets: PromptTargets, budgets: np.ndarray, target_accuracy: float
) -> dict[str, Any]:
    """Replay the router's budgets on held-out runs beside the reference policies.

    Returns the router's replay, always-long, always-none, the best single fixed budget at the
    router's accuracy and at the target, and the oracle at the router's accuracy, plus the
    router's extra saving over the fixed budget and its share of the oracle's saving.
    """
    import numpy as np

    from budgetrouter.replay import fixed_budget_for, oracle_budgets, replay

    n = targets.n_prompts
    router = replay(targets, budgets)
    kept = min(1.0, router.accuracy_kept)
    fixed_budget, fixed = fixed_budget_for(targets, kept)
    target_budget, fixed_target = fixed_budget_for(targets, target_accuracy)
    oracle = replay(targets, oracle_budgets(targets, kept))
    return {
        "router": router.to_dict(),
        "always_long": replay(targets, np.full(n, np.inf)).to_dict(),
        "always_none": replay(targets, np.zeros(n)).to_dict(),
        "fixed_at_router_accuracy": {"budget": fixed_budget, **fixed.to_dict()},
        "fixed_at_target": {"budget": target_budget, **fixed_target.to_dict()},
        "oracle_at_router_accuracy": oracle.to_dict(),
        "saved_over_fixed": router.tokens_saved - fixed.tokens_saved,
        "oracle_share": (router.tokens_saved / oracle.tokens_saved) if oracle.tokens_saved else 0.0,
    }


def heldout_metrics(
    heldout: dict[str, Any], policy: TierPolicy, evaluation: dict[str, Any]
) -> dict[str, float]:
    """Flat metrics of a held-out replay (:func:`heldout_report`) and its report's curves."""
    from budgetrouter.evaluation import curve_metrics

    return {
        "heldout_accuracy_kept": heldout["router"]["accuracy_kept"],
        "heldout_tokens_saved": heldout["router"]["tokens_saved"],
        "heldout_truncation_rate": heldout["router"]["truncation_rate"],
        "heldout_fixed_tokens_saved": heldout["fixed_at_router_accuracy"]["tokens_saved"],
        "heldout_fixed_budget": heldout["fixed_at_router_accuracy"]["budget"],
        "heldout_saved_over_fixed": heldout["saved_over_fixed"],
        "heldout_oracle_tokens_saved": heldout["oracle_at_router_accuracy"]["tokens_saved"],
        "heldout_oracle_share": heldout["oracle_share"],
        "price_per_token": policy.price,
        "margin_steps": policy.margin_steps,
        **curve_metrics(evaluation),
    }


def training_manifest(
    cfg: TrainConfig,
    projection: tuple[np.ndarray, np.ndarray],
    digest: str,
    metrics: dict[str, float],
    heldout: dict[str, Any],
    counts: dict[str, int],
    groups: list[str],
) -> dict[str, Any]:
    """What a router's manifest records about its training (shared by every training path)."""
    from budgetrouter.features import TEXT_FEATURE_NAMES

    return {
        "train_config": cfg.to_dict(),
        "text_feature_names": list(TEXT_FEATURE_NAMES),
        "projection_dim": int(projection[1].shape[0]),
        "data_digest": digest,
        "metrics": metrics,
        "heldout": heldout,
        "counts": counts,
        "training_groups": groups,
    }


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
        A canonical observation table (:func:`budgetrouter.data.read_observations`).
    config
        Training options; defaults to :class:`TrainConfig()`.
    embedder
        Prompt embedder; defaults to the packaged MiniLM.
    cache_dir
        Folder of the on-disk embedding cache; ``None`` disables caching.

    Returns
    -------
    TrainResult

    Raises
    ------
    ConfigError
        If the data has too few task families to hold some out, or the target cannot be met.
    """
    import numpy as np

    from budgetrouter.data import data_digest
    from budgetrouter.embedders import EmbeddingCache, get_embedder
    from budgetrouter.evaluation import build_report, knn_curves
    from budgetrouter.model import booster_predict
    from budgetrouter.router import Router
    from budgetrouter.targets import build_targets

    cfg = config if config is not None else TrainConfig()
    emb_model = embedder if embedder is not None else get_embedder("minilm")
    started = time.perf_counter()
    targets = build_targets(observations, none_max_tokens=cfg.none_max_tokens)
    p = targets.prompts
    counts = {
        "runs": len(observations),
        "prompts": targets.n_prompts,
        "groups": int(p["group"].nunique()),
        "censored_prompts": int(p["censored"].sum()),
        "no_reasoning_prompts": int(p["no_reasoning"].sum()),
    }
    logger.info(
        "%(runs)d runs, %(prompts)d prompts in %(groups)d families; %(censored_prompts)d prompts "
        "never solved (censored: kept for the success curves, excluded from the needed-token "
        "regression); %(no_reasoning_prompts)d solved with no reasoning",
        counts,
    )
    folds = _outer_folds(targets, cfg)
    prompts = p["prompt"].astype(str).tolist()
    logger.info("embedding %d prompts with %s", len(prompts), emb_model.name)
    if cache_dir is not None:
        emb = EmbeddingCache(cache_dir).encode(emb_model, prompts)
    else:
        emb = emb_model.encode(prompts)

    # Nested cross-validation: each outer fold's families are routed by models and a price
    # that never saw them.
    n, g = targets.n_prompts, len(_grid(cfg))
    oof_s, oof_c = np.zeros((n, g)), np.zeros((n, g))
    budgets = np.zeros(n)
    knn_s, knn_c = np.zeros((n, g)), np.zeros((n, g))
    pred = {k: np.zeros(n) for k in ("median", "high", "no_thinking", "ridge", "knn")}
    per_fold = []
    for k, (tr, te) in enumerate(folds, start=1):
        t_tr, t_te = targets.subset(tr), targets.subset(te)
        proj_k = fit_projection(emb[tr])
        X_tr = _features([prompts[i] for i in tr], emb[tr], proj_k)
        X_te = _features([prompts[i] for i in te], emb[te], proj_k)
        in_s, in_c = out_of_family_curves(X_tr, t_tr, cfg)
        policy_k = _calibrate(cfg, in_s, in_c, t_tr)
        models_k = _fit_models(X_tr, t_tr, cfg, proj_k)
        oof_s[te], oof_c[te] = models_k.curves.predict(X_te)
        budgets[te] = policy_k.budgets(oof_s[te], oof_c[te])
        pred["median"][te] = np.expm1(booster_predict(models_k.median, X_te))
        pred["high"][te] = np.expm1(booster_predict(models_k.high, X_te))
        pred["no_thinking"][te] = booster_predict(models_k.no_thinking, X_te)
        for name, values in _baseline_predictions(X_tr, t_tr, X_te, cfg).items():
            pred[name][te] = values
        tr_s, tr_c = _mean_curves(t_tr, _grid(cfg))
        knn_s[te], knn_c[te] = knn_curves(
            emb[tr],
            tr_s,
            tr_c,
            t_tr.prompts["n_runs"].to_numpy(dtype="float64"),
            emb[te],
            cfg.knn_neighbors,
        )
        fold = heldout_report(t_te, budgets[te], cfg.target_accuracy)
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
    heldout = heldout_report(targets, budgets, cfg.target_accuracy)
    solved = ~p["censored"].to_numpy()
    needed = p["needed_tokens"].to_numpy(dtype="float64")[solved]
    reg = regression_metrics(
        pred["median"][solved], pred["high"][solved], needed, cfg.quantile_high
    )
    baselines = {
        name: {
            k: v
            for k, v in regression_metrics(
                pred[name][solved], pred[name][solved], needed, cfg.quantile_high
            ).items()
            if k in ("spearman", "mae_log1p")
        }
        for name in ("ridge", "knn")
    }
    labels = p["no_reasoning"].to_numpy(dtype=bool)
    if 0 < labels.sum() < len(labels):
        from sklearn.metrics import roc_auc_score

        reg["no_thinking_auc"] = float(roc_auc_score(labels, pred["no_thinking"]))
    logger.info(
        "held-out families (all folds): router keeps %.2f%% of always-long accuracy and saves "
        "%.2f%% of reasoning tokens; the best fixed budget saves %.2f%% at that accuracy, the "
        "oracle %.2f%%",
        100 * heldout["router"]["accuracy_kept"],
        100 * heldout["router"]["tokens_saved"],
        100 * heldout["fixed_at_router_accuracy"]["tokens_saved"],
        100 * heldout["oracle_at_router_accuracy"]["tokens_saved"],
    )

    # Final router: every family; price and margin from the outer folds' predictions.
    logger.info("fitting the final models on all %d families", counts["groups"])
    proj = fit_projection(emb)
    X = _features(prompts, emb, proj)
    policy = _calibrate(cfg, oof_s, oof_c, targets)
    models = _fit_models(X, targets, cfg, proj)
    evaluation = build_report(
        targets,
        policy,
        budgets,
        {"router": (oof_s, oof_c), "knn": (knn_s, knn_c)},
        predicted=pred["median"],
        predicted_high=pred["high"],
        protocol=(
            f"Nested grouped cross-validation over task families ({len(folds)} outer folds): "
            "each family is routed by models and a calibration that never saw it. Swept "
            "baselines are shown at their best point at the router's accuracy, chosen on these "
            "same prompts (an advantage the router does not get)."
        ),
    )

    metrics = {
        **heldout_metrics(heldout, policy, evaluation),
        **{f"heldout_{k}": v for k, v in reg.items() if k != "quantile_high"},
        **{f"heldout_{b}_{k}": v for b, m in baselines.items() for k, v in m.items()},
        "train_seconds": time.perf_counter() - started,
    }
    report = {
        "counts": counts,
        "heldout": heldout,
        "per_fold": per_fold,
        "evaluation": evaluation,
        "regression": reg,
        "baselines": baselines,
    }
    manifest = training_manifest(
        cfg,
        proj,
        data_digest(observations),
        metrics,
        heldout,
        counts,
        sorted(map(str, p["group"].unique())),
    )
    router = Router(emb_model, models, policy, manifest)
    logger.info("training done in %.0f s", metrics["train_seconds"])
    return TrainResult(router=router, metrics=metrics, report=report)

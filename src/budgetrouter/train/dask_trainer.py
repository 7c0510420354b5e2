"""Training on a Dask cluster, for observation logs that outgrow one machine.

The steps that grow with the logs run on the workers (:mod:`budgetrouter.train.dask_cluster`
reads, reduces and embeds); here:

1. the projection is fitted from the distributed embedding mean and covariance;
2. every LightGBM model is fitted with LightGBM's own Dask estimators (``lightgbm.dask``):
   the curve models once per calibration fold (task families dealt into folds at random)
   and once on everything, the quantile regressors and the no-thinking classifier once.

The client holds only what is small: the models, the projection and, for calibration, the
runs of a random sample of prompts (at most about ``TrainConfig.calibration_runs`` runs) with
their out-of-family curve predictions. The result is an ordinary :class:`~budgetrouter.Router`
whose bundle is interchangeable with one trained on a single machine.

Metrics differ from :func:`budgetrouter.train.train_router` in one way: there is no outer
cross-validation, so the replay reported is that of the calibration sample, routed by models
that never saw each prompt's family but with the price chosen on those same prompts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from budgetrouter.config import TrainConfig
from budgetrouter.errors import ConfigError
from budgetrouter.train.dask_cluster import (
    embed_partition,
    partition_digest,
    read_observations_dask,
)
from budgetrouter.train.dask_cluster import sample_runs as sample_runs_of
from budgetrouter.train.dask_fit import (
    Design,
    design_partition,
    fit_curves,
    fit_dask,
    projection_from_embeddings,
)
from budgetrouter.train.dask_targets import prompt_targets_dask
from budgetrouter.train.fit import TrainResult, training_manifest

if TYPE_CHECKING:
    from distributed import Client

    from budgetrouter.embedders import Embedder

logger = logging.getLogger(__name__)


def train_router_dask(
    paths: str | Path | Sequence[str | Path],
    client: Client,
    config: TrainConfig | None = None,
    embedder: Embedder | None = None,
    exclude_groups: Sequence[str] = (),
) -> TrainResult:
    """Train and calibrate a router on a Dask cluster.

    Parameters
    ----------
    paths
        Observation files or folders (see :func:`read_observations_dask`).
    client
        A connected Dask client (see :func:`dask_client`).
    config
        Training options; defaults to :class:`TrainConfig()`. ``n_inner_folds`` sets the
        calibration folds; ``n_outer_folds`` is not used.
    embedder
        The prompt embedder (its spec is sent to the workers, which load it once each);
        defaults to ``minilm-static-64``, the packaged default router's.
    exclude_groups
        Task families left out of training (for example those held out to compare bundles).

    Returns
    -------
    TrainResult
        As :func:`budgetrouter.train.train_router`; ``metrics`` are the replay of the
        calibration sample (see the module notes).

    Raises
    ------
    ConfigError
        If the data has too few task families, or the target cannot be met.
    DataError
        If an observation file is missing or malformed.
    """
    import dask
    import numpy as np

    from budgetrouter.boosters import lgbm_params
    from budgetrouter.embedders import COMPACT_NAME, get_embedder
    from budgetrouter.estimators import NoThinkingClassifier, TokenBudgetRegressor
    from budgetrouter.features import feature_names
    from budgetrouter.model import RouterModels
    from budgetrouter.router import Router
    from budgetrouter.train.calibration import budget_grid, calibrate_for
    from budgetrouter.train.report import build_report, report_metrics
    from budgetrouter.train.targets import build_targets

    cfg = config if config is not None else TrainConfig()
    emb_model = embedder if embedder is not None else get_embedder(COMPACT_NAME)
    spec = emb_model.spec()
    started = time.perf_counter()
    grid = budget_grid(cfg)
    g = len(grid)

    rows = read_observations_dask(paths)
    if exclude_groups:
        rows = rows[~rows["group"].isin(list(map(str, exclude_groups)))]
    n_runs, groups, digests = dask.compute(
        rows.map_partitions(len).sum(),
        rows["group"].drop_duplicates(split_out=1),
        rows.map_partitions(partition_digest, meta=("digest", "object")),
    )
    groups = sorted(map(str, groups))
    if len(groups) < cfg.n_inner_folds + 1:
        raise ConfigError(
            f"Training holds task families out: found {len(groups)} distinct 'group' values, "
            f"need at least {cfg.n_inner_folds + 1} for {cfg.n_inner_folds} calibration folds. "
            "Add a 'group' column (task family) to the observations, or lower n_inner_folds"
        )
    logger.info("%d runs of %d families; reducing to per-prompt targets", n_runs, len(groups))
    # At least two partitions of prompts per worker, spread over the workers by the group-by's
    # shuffle, so every worker embeds and trains on its share.
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    prompts = prompt_targets_dask(rows, grid, cfg.none_max_tokens, split_out=2 * n_workers)
    prompts = prompts.map_partitions(
        embed_partition, spec, meta=embed_partition(prompts._meta, spec)
    ).persist()
    n_prompts, n_censored, n_none = dask.compute(
        len(prompts), prompts["needed_tokens"].isna().sum(), (prompts["no_thinking"] > 0).sum()
    )
    counts = {
        "runs": int(n_runs),
        "prompts": int(n_prompts),
        "groups": len(groups),
        "censored_prompts": int(n_censored),
        "no_thinking_prompts": int(n_none),
    }
    logger.info("%(prompts)d prompts embedded on the workers", counts)
    emb_cols = [f"e{i}" for i in range(spec["dim"])]
    projection = projection_from_embeddings(prompts[emb_cols].to_dask_array(lengths=True))
    n_features = len(feature_names(projection.dim))
    sample_share = min(1.0, cfg.calibration_runs / max(1, n_runs))
    # Calibration folds of families: shuffled with the seed, then dealt round-robin.
    order = np.random.default_rng(cfg.random_state).permutation(len(groups))
    fold_of = {groups[i]: k % cfg.n_inner_folds for k, i in enumerate(order)}
    design_args = (projection, g, fold_of, sample_share)
    design = prompts.map_partitions(
        design_partition, *design_args, meta=design_partition(prompts._meta, *design_args)
    ).persist()

    # Out-of-family curve predictions for the calibration sample: one curve model per fold,
    # fitted on the other folds' families.
    sample = design[design["sample"] > 0].compute()
    X_sample = sample.iloc[:, :n_features].to_numpy(dtype="float64")
    oof_s, oof_c = np.zeros((len(sample), g)), np.zeros((len(sample), g))
    for k in range(cfg.n_inner_folds):
        train = Design.from_table(design[design["fold"] != k], n_features, g)
        model = fit_curves(client, train, grid, cfg)
        rows_k = sample["fold"].to_numpy() == k
        if rows_k.any():
            oof_s[rows_k], oof_c[rows_k] = model.predict(X_sample[rows_k])
        logger.info("calibration fold %d/%d done", k + 1, cfg.n_inner_folds)

    sample_runs = rows.map_partitions(sample_runs_of, sample_share, meta=rows._meta).compute()
    sample_runs = sample_runs.dropna(axis="columns", how="all")
    targets = build_targets(sample_runs, none_max_tokens=cfg.none_max_tokens)
    position = {p: i for i, p in enumerate(sample["prompt"].astype(str))}
    order = np.array([position[p] for p in targets.prompts["prompt"].astype(str)])
    X_sample, oof_s, oof_c = X_sample[order], oof_s[order], oof_c[order]
    policy = calibrate_for(cfg, oof_s, oof_c, targets)

    logger.info("fitting the final models on all %d families", len(groups))
    everything = Design.from_table(design, n_features, g)
    solved = Design.from_table(design[design["solved"] > 0], n_features, g)
    reg_params = lgbm_params(**cfg.regressor_settings(int(n_prompts - n_censored)))
    quantile = {
        q: TokenBudgetRegressor.from_booster(
            fit_dask(
                client,
                reg_params,
                solved.X,
                solved.label("log_needed"),
                None,
                objective="quantile",
                alpha=q,
            ),
            quantile=q,
        )
        for q in (0.5, cfg.upper_quantile)
    }
    no_thinking = fit_dask(
        client,
        lgbm_params(**cfg.lgbm_settings()),
        everything.X,
        everything.label("no_thinking"),
        None,
        objective="cross_entropy",
    )
    models = RouterModels(
        curves=fit_curves(client, everything, grid, cfg),
        median=quantile[0.5],
        upper=quantile[cfg.upper_quantile],
        no_thinking=NoThinkingClassifier.from_booster(no_thinking),
        projection=projection,
    )
    # The sample is routed by its out-of-family curves; needed-token predictions come from
    # the final models.
    final = models.predict(X_sample, policy)
    heldout = dataclasses.replace(
        final, success=oof_s, cost=oof_c, budget=policy.budgets(oof_s, oof_c)
    )
    evaluation = build_report(
        targets,
        policy,
        heldout,
        protocol=(
            f"Calibration sample of a Dask training run ({targets.n_prompts} prompts): each "
            f"prompt is routed by curve models fitted without its family ({cfg.n_inner_folds} "
            "folds of families), with the price chosen on these same prompts. Needed-token "
            "predictions come from the final models, which saw every family."
        ),
    )
    op = evaluation["operating_point"]
    logger.info(
        "calibration sample (%d prompts, %d runs): keeps %.2f%% of always-long accuracy, saves "
        "%.2f%% of reasoning tokens (best fixed budget at that accuracy: %.2f%%)",
        targets.n_prompts,
        len(sample_runs),
        100 * op["router"]["accuracy_kept"],
        100 * op["router"]["tokens_saved"],
        100 * op["fixed_at_router_accuracy"]["tokens_saved"],
    )
    metrics = {
        **report_metrics(evaluation, policy),
        "train_seconds": time.perf_counter() - started,
    }
    digest = hashlib.sha256("".join(digests.astype(str)).encode("ascii")).hexdigest()
    manifest = {
        **training_manifest(cfg, projection, f"dask:{digest}", metrics, counts, groups),
        "trained_on": {"dask_workers": n_workers, "evaluated_on": "calibration sample"},
    }
    router = Router(emb_model, models, policy, manifest)
    logger.info("training on Dask done in %.0f s", metrics["train_seconds"])
    return TrainResult(
        router=router, metrics=metrics, report={"counts": counts, "evaluation": evaluation}
    )

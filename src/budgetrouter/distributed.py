"""Training on a Dask cluster, for observation logs that outgrow one machine.

The steps that grow with the logs run on the workers:

1. every observation file is read and checked by a worker (one partition per file, the same
   reader and error messages as :func:`budgetrouter.data.read_observations`);
2. runs are reduced to per-prompt targets (run counts, minimal sufficient reasoning, summed
   success and cost under each grid budget) with a Dask group-by;
3. each partition of distinct prompts is embedded on its worker, which loads the embedder once;
   the projection is fitted from the distributed embedding covariance;
4. every LightGBM model is fitted with LightGBM's own Dask estimators (``lightgbm.dask``):
   the curve models once per calibration fold (task families dealt into folds at random)
   and once on everything, the quantile regressors and the no-thinking classifier once.

The client holds only what is small: the models, the projection and, for calibration, the
runs of a random sample of prompts (at most about ``TrainConfig.calibration_runs`` runs) with
their out-of-family curve predictions. The result is an ordinary :class:`~budgetrouter.Router`
whose bundle is interchangeable with one trained on a single machine.

Metrics differ from :func:`budgetrouter.training.train_router` in one way: there is no outer
cross-validation, so the replay reported is that of the calibration sample, routed by models
that never saw each prompt's family but with the price chosen on those same prompts.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.config import TrainConfig
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import dask.array as da
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd
    from distributed import Client

    from budgetrouter.embedders import Embedder
    from budgetrouter.training import TrainResult

logger = logging.getLogger(__name__)

#: Columns of the observation table read on the workers (absent ones are filled with NA).
COLUMNS = (
    "prompt",
    "reasoning_tokens",
    "correct",
    "model",
    "group",
    "budget",
    "tier",
    "category",
    "difficulty",
)
_HASH_BUCKETS = 1_000_000


def _import_dask() -> None:
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "Training on Dask needs dask and distributed: pip install 'budgetrouter[dask]'"
        ) from exc


@contextlib.contextmanager
def dask_client(address: str, n_workers: int | None = None) -> Iterator[Client]:
    """Connect to a Dask cluster for the duration of a ``with`` block.

    Parameters
    ----------
    address
        ``"local"`` starts a :class:`distributed.LocalCluster` on this machine (one
        single-threaded worker process per core, or ``n_workers``), closed on exit; a
        scheduler address such as ``"tcp://10.0.0.5:8786"`` connects to a running cluster,
        whose workers must have budgetrouter installed.
    n_workers
        Worker processes of a local cluster.

    Yields
    ------
    distributed.Client
    """
    _import_dask()
    from distributed import Client, LocalCluster

    if address == "local":
        # The workers inherit this process's standard output at start; LightGBM's network
        # set-up prints there from C++, which would corrupt a command's output. Start them
        # with it pointed at standard error.
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
        try:
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        with cluster, Client(cluster) as client:
            logger.info("started a local Dask cluster with %d workers", len(cluster.workers))
            yield client
        return
    if "://" not in address:
        raise ConfigError(
            f"Unknown Dask address {address!r}: pass 'local' for a cluster on this machine or "
            "a scheduler address such as tcp://HOST:8786"
        )
    try:
        client = Client(address, timeout="30s")
    except OSError as exc:
        raise ConfigError(
            f"Cannot reach the Dask scheduler at {address}: {exc}. Check the address and that "
            "the scheduler is running"
        ) from exc
    with client:
        yield client


def _meta() -> pd.DataFrame:
    import pandas as pd

    dtypes = {c: "string" for c in COLUMNS}
    dtypes.update(reasoning_tokens="int64", correct="float64", budget="float64")
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _read_partition(path: str) -> pd.DataFrame:
    """Read and check one observation file on a worker, in the columns of :data:`COLUMNS`."""
    import pandas as pd

    from budgetrouter.data import read_observations

    frame = read_observations(path)
    meta = _meta()
    out = pd.DataFrame(index=frame.index)
    for column, dtype in meta.dtypes.items():
        if column in frame:
            values = frame[column]
            out[column] = values.astype("string") if dtype == "string" else values.astype(dtype)
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    return out.reset_index(drop=True)


def read_observations_dask(paths: str | Path | Sequence[str | Path]) -> dd.DataFrame:
    """Observation files as a Dask dataframe, one partition per file, read on the workers.

    Parameters
    ----------
    paths
        Files (``.jsonl``, ``.csv``, ``.parquet``), folders of such files, or reasoning-gym
        folders.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; checking happens when a partition is read, and a bad value raises the same
        :class:`~budgetrouter.errors.DataError` (file, row, field) as the in-memory reader.
    """
    _import_dask()
    import dask.dataframe as dd

    from budgetrouter.data import observation_files

    files = observation_files(paths)
    logger.info("reading %d observation file(s) on the cluster", len(files))
    return dd.from_map(_read_partition, [str(f) for f in files], meta=_meta(), label="read")


def _hash_share(values: pd.Series) -> np.ndarray:
    """A stable pseudo-random number in [0, 1) per string (same on every worker and run)."""
    import pandas as pd

    hashed = pd.util.hash_pandas_object(values.astype(str), index=False).to_numpy()
    return (hashed % _HASH_BUCKETS) / _HASH_BUCKETS


def _sample_runs(frame: pd.DataFrame, share: float) -> pd.DataFrame:
    """The runs of the prompts in the calibration sample (chosen by a hash of the prompt)."""
    return frame.loc[_hash_share(frame["prompt"]) < share]


def _run_columns(frame: pd.DataFrame, grid: np.ndarray, none_max_tokens: int) -> pd.DataFrame:
    """Per-run contributions to the per-prompt targets (summed by the group-by)."""
    import numpy as np
    import pandas as pd

    from budgetrouter.targets import CORRECT_THRESHOLD

    tokens = frame["reasoning_tokens"].to_numpy(dtype="float64")
    correct = frame["correct"].to_numpy(dtype="float64")
    ok = correct >= CORRECT_THRESHOLD
    columns: dict[str, Any] = {
        "prompt": frame["prompt"].to_numpy(),
        "group": frame["group"].to_numpy(),
        "category": frame["category"].to_numpy(),
        "difficulty": frame["difficulty"].to_numpy(),
        "n_runs": np.ones(len(frame), dtype="int64"),
        "needed_tokens": np.where(ok, tokens, np.nan),
        "max_tokens": tokens,
        "no_reasoning": (ok & (tokens <= none_max_tokens)).astype("int64"),
    }
    for j, b in enumerate(grid):
        columns[f"s{j}"] = correct * (tokens <= b)
        columns[f"c{j}"] = np.minimum(tokens, b)
    out = pd.DataFrame(columns, index=frame.index)
    for name in ("prompt", "group", "category", "difficulty"):
        out[name] = out[name].astype("string")
    return out


def prompt_targets_dask(
    observations: dd.DataFrame,
    grid: np.ndarray,
    none_max_tokens: int = 0,
    split_out: int | None = None,
) -> dd.DataFrame:
    """Reduce runs to one row per distinct prompt on the cluster.

    Columns: ``prompt``, ``group``, ``category``, ``difficulty``, ``n_runs``,
    ``needed_tokens`` (NaN when censored), ``max_tokens``, ``no_reasoning`` (0/1) and, for
    each grid budget ``j``, the summed success ``s{j}`` and cost ``c{j}`` of the prompt's runs
    (as :meth:`budgetrouter.targets.PromptTargets.curves`), in at least ``split_out``
    partitions.
    """
    runs = observations.map_partitions(
        _run_columns, grid, none_max_tokens, meta=_run_columns(_meta(), grid, none_max_tokens)
    )
    spec: dict[str, str] = {
        "group": "first",
        "category": "first",
        "difficulty": "first",
        "n_runs": "sum",
        "needed_tokens": "min",
        "max_tokens": "max",
        "no_reasoning": "max",
    }
    spec.update({f"{k}{j}": "sum" for j in range(len(grid)) for k in ("s", "c")})
    split_out = max(split_out or 1, observations.npartitions // 8)
    return runs.groupby("prompt").agg(spec, split_out=split_out).reset_index()


_WORKER_EMBEDDERS: dict[str, Embedder] = {}
_WORKER_LOCK = threading.Lock()


def _worker_embedder(spec: dict[str, Any]) -> Embedder:
    """The embedder of ``spec``, loaded once per worker process."""
    from budgetrouter.embedders import embedder_from_spec

    key = f"{spec['name']}-{spec['revision']}-{spec['dim']}"
    with _WORKER_LOCK:
        if key not in _WORKER_EMBEDDERS:
            _WORKER_EMBEDDERS[key] = embedder_from_spec(spec)
        return _WORKER_EMBEDDERS[key]


def _embed_partition(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    names = [f"e{i}" for i in range(spec["dim"])]
    if frame.empty:
        vectors = None
    else:
        vectors = _worker_embedder(spec).encode(frame["prompt"].astype(str).tolist())
    embedded = pd.DataFrame(vectors, index=frame.index, columns=names, dtype="float32")
    return pd.concat([frame, embedded], axis=1)


def _design_partition(
    frame: pd.DataFrame,
    mean: np.ndarray,
    components: np.ndarray,
    n_grid: int,
    fold_of: dict[str, int],
    sample_share: float,
) -> pd.DataFrame:
    """Model inputs of one partition of prompts: features, mean curves, weights, fold."""
    import numpy as np
    import pandas as pd

    from budgetrouter.features import build_features

    emb = frame[[f"e{i}" for i in range(components.shape[1])]].to_numpy(dtype="float64")
    X = build_features(frame["prompt"].astype(str).tolist(), (emb - mean) @ components.T)
    n = frame["n_runs"].to_numpy(dtype="float64")
    columns: dict[str, Any] = {f"f{i}": X[:, i] for i in range(X.shape[1])}
    for j in range(n_grid):
        columns[f"s{j}"] = frame[f"s{j}"].to_numpy(dtype="float64") / n
        columns[f"c{j}"] = frame[f"c{j}"].to_numpy(dtype="float64") / n
    needed = frame["needed_tokens"].to_numpy(dtype="float64")
    columns.update(
        weight=n,
        solved=(~np.isnan(needed)).astype("float64"),
        log_needed=np.log1p(np.nan_to_num(needed, nan=0.0)),
        no_reasoning=frame["no_reasoning"].to_numpy(dtype="float64"),
        fold=frame["group"].astype(str).map(fold_of).to_numpy(dtype="float64"),
        sample=(_hash_share(frame["prompt"]) < sample_share).astype("float64"),
        prompt=frame["prompt"].astype("string"),
    )
    return pd.DataFrame(columns, index=frame.index)


def _projection(embeddings: da.Array, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Principal components from the distributed mean and covariance of the embeddings."""
    import dask
    import numpy as np

    embeddings = embeddings.astype("float64")
    mean, gram = dask.compute(embeddings.mean(axis=0), embeddings.T @ embeddings)
    n = embeddings.shape[0]
    mean = np.asarray(mean, dtype="float64")
    cov = np.asarray(gram, dtype="float64") - n * np.outer(mean, mean)
    values, vectors = np.linalg.eigh(cov)
    k = min(dim, embeddings.shape[1], max(1, n - 1))
    comps = vectors[:, np.argsort(values)[::-1][:k]].T
    # The sign of a component is arbitrary: fix it so the largest loading is positive.
    signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
    return mean, comps * signs[:, None]


class _Design:
    """Row-aligned Dask arrays of one set of prompts: features, mean curves, weights, labels."""

    def __init__(
        self,
        X: da.Array,
        success: da.Array,
        cost: da.Array,
        weight: da.Array,
        log_needed: da.Array | None = None,
        no_reasoning: da.Array | None = None,
    ) -> None:
        self.X, self.success, self.cost, self.weight = X, success, cost, weight
        self.log_needed, self.no_reasoning = log_needed, no_reasoning

    def label(self, name: str) -> da.Array:
        """``log_needed`` or ``no_reasoning``, which only a design built from a table has."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"this design was built without {name}")
        return value

    @classmethod
    def from_table(cls, table: dd.DataFrame, n_features: int, n_grid: int) -> _Design:
        """Split a table of :func:`_design_partition` columns into aligned arrays."""
        table = table.drop(columns=["prompt"])
        arr = table.to_dask_array(lengths=True)
        columns = list(table.columns)
        f = n_features

        def col(name: str) -> da.Array:
            return arr[:, columns.index(name)]

        return cls(
            X=arr[:, :f],
            success=arr[:, f : f + 2 * n_grid : 2],
            cost=arr[:, f + 1 : f + 2 * n_grid : 2],
            weight=col("weight"),
            log_needed=col("log_needed"),
            no_reasoning=col("no_reasoning"),
        )

    def stacked(self, grid: np.ndarray) -> tuple[da.Array, da.Array, da.Array, da.Array]:
        """Features repeated per budget plus the budget, with the targets raveled alike."""
        import dask.array as da
        import numpy as np

        from budgetrouter.model import _stack

        g = len(grid)
        rows = tuple(c * g for c in self.X.chunks[0])
        Xs = da.map_blocks(
            _stack, self.X, grid, chunks=(rows, (self.X.shape[1] + 1,)), dtype="float64"
        )
        success = da.map_blocks(
            lambda b: b.ravel(), self.success, chunks=(rows,), drop_axis=1, dtype="float64"
        )
        cost = da.map_blocks(
            lambda b: np.log1p(b).ravel(), self.cost, chunks=(rows,), drop_axis=1, dtype="float64"
        )
        weight = da.map_blocks(
            lambda b: np.repeat(b, g), self.weight, chunks=(rows,), dtype="float64"
        )
        return Xs, success, cost, weight


def _fit_dask(
    client: Client,
    params: dict[str, Any],
    X: da.Array,
    y: da.Array,
    w: da.Array | None,
    **extra: Any,
) -> Any:
    import lightgbm
    import lightgbm.dask as lgbd

    # lightgbm.dask reports its network set-up with print() unless given a logger.
    lightgbm.register_logger(logging.getLogger("lightgbm"))
    params = {k: v for k, v in params.items() if k != "n_jobs"}  # each worker uses its threads
    model = lgbd.DaskLGBMRegressor(client=client, **params, **extra)
    model.fit(X, y, sample_weight=w)
    return model.to_local().booster_


def _fit_curves(client: Client, design: _Design, grid: np.ndarray, cfg: TrainConfig) -> Any:
    from budgetrouter.model import BudgetCurveModel
    from budgetrouter.training import _lgbm_kwargs

    success_params, cost_params = BudgetCurveModel(grid, **_lgbm_kwargs(cfg)).booster_params(
        design.X.shape[1]
    )
    Xs, success, cost, weight = design.stacked(grid)
    return BudgetCurveModel.from_boosters(
        grid,
        _fit_dask(client, success_params, Xs, success, weight),
        _fit_dask(client, cost_params, Xs, cost, weight),
    )


def _partition_digest(frame: pd.DataFrame) -> pd.Series:
    import pandas as pd

    from budgetrouter.data import data_digest

    return pd.Series([data_digest(frame)])


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
        Training options; defaults to :class:`TrainConfig()`. ``n_folds`` sets the
        calibration folds; ``n_outer_folds`` is not used.
    embedder
        The prompt embedder (its spec is sent to the workers, which load it once each);
        defaults to the packaged MiniLM.
    exclude_groups
        Task families left out of training (for example those held out to compare bundles).

    Returns
    -------
    TrainResult
        As :func:`budgetrouter.training.train_router`; ``metrics`` are the replay of the
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

    from budgetrouter.embedders import get_embedder
    from budgetrouter.evaluation import build_report
    from budgetrouter.features import TEXT_FEATURE_NAMES
    from budgetrouter.model import _lgbm_params, _Params, booster_predict
    from budgetrouter.router import Router, RouterModels
    from budgetrouter.targets import build_targets
    from budgetrouter.training import (
        PROJECTION_DIM,
        _calibrate,
        _grid,
        _lgbm_kwargs,
        _regressor_kwargs,
        heldout_metrics,
        heldout_report,
        training_manifest,
    )

    cfg = config if config is not None else TrainConfig()
    emb_model = embedder if embedder is not None else get_embedder("minilm")
    spec = emb_model.spec()
    started = time.perf_counter()
    grid = _grid(cfg)
    g = len(grid)

    rows = read_observations_dask(paths)
    if exclude_groups:
        rows = rows[~rows["group"].isin(list(map(str, exclude_groups)))]
    n_runs, groups, digests = dask.compute(
        rows.map_partitions(len).sum(),
        rows["group"].drop_duplicates(split_out=1),
        rows.map_partitions(_partition_digest, meta=("digest", "object")),
    )
    groups = sorted(map(str, groups))
    if len(groups) < cfg.n_folds + 1:
        raise ConfigError(
            f"Training holds task families out: found {len(groups)} distinct 'group' values, "
            f"need at least {cfg.n_folds + 1} for {cfg.n_folds} calibration folds. Add a "
            "'group' column (task family) to the observations, or lower n_folds"
        )
    logger.info("%d runs of %d families; reducing to per-prompt targets", n_runs, len(groups))
    # At least two partitions of prompts per worker, spread over the workers by the group-by's
    # shuffle, so every worker embeds and trains on its share.
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    prompts = prompt_targets_dask(rows, grid, cfg.none_max_tokens, split_out=2 * n_workers)
    prompts = prompts.map_partitions(
        _embed_partition, spec, meta=_embed_partition(prompts._meta, spec)
    ).persist()
    n_prompts, n_censored, n_none = dask.compute(
        len(prompts), prompts["needed_tokens"].isna().sum(), (prompts["no_reasoning"] > 0).sum()
    )
    counts = {
        "runs": int(n_runs),
        "prompts": int(n_prompts),
        "groups": len(groups),
        "censored_prompts": int(n_censored),
        "no_reasoning_prompts": int(n_none),
    }
    logger.info("%(prompts)d prompts embedded on the workers", counts)
    emb_cols = [f"e{i}" for i in range(spec["dim"])]
    mean, comps = _projection(prompts[emb_cols].to_dask_array(lengths=True), PROJECTION_DIM)
    n_features = len(TEXT_FEATURE_NAMES) + comps.shape[0]
    sample_share = min(1.0, cfg.calibration_runs / max(1, n_runs))
    # Calibration folds of families: shuffled with the seed, then dealt round-robin.
    order = np.random.default_rng(cfg.random_state).permutation(len(groups))
    fold_of = {groups[i]: k % cfg.n_folds for k, i in enumerate(order)}
    design = prompts.map_partitions(
        _design_partition,
        mean,
        comps,
        g,
        fold_of,
        sample_share,
        meta=_design_partition(prompts._meta, mean, comps, g, fold_of, sample_share),
    ).persist()

    # Out-of-family curve predictions for the calibration sample: one curve model per fold,
    # fitted on the other folds' families.
    sample = design[design["sample"] > 0].compute()
    sample_prompts = sample["prompt"]
    X_sample = sample.iloc[:, :n_features].to_numpy(dtype="float64")
    oof_s, oof_c = np.zeros((len(sample), g)), np.zeros((len(sample), g))
    for k in range(cfg.n_folds):
        train = _Design.from_table(design[design["fold"] != k], n_features, g)
        model = _fit_curves(client, train, grid, cfg)
        rows_k = sample["fold"].to_numpy() == k
        if rows_k.any():
            oof_s[rows_k], oof_c[rows_k] = model.predict(X_sample[rows_k])
        logger.info("calibration fold %d/%d done", k + 1, cfg.n_folds)

    sample_runs = rows.map_partitions(_sample_runs, sample_share, meta=rows._meta).compute()
    sample_runs = sample_runs.dropna(axis="columns", how="all")
    targets = build_targets(sample_runs, none_max_tokens=cfg.none_max_tokens)
    position = {p: i for i, p in enumerate(sample_prompts.astype(str))}
    order = np.array([position[p] for p in targets.prompts["prompt"].astype(str)])
    oof_s, oof_c = oof_s[order], oof_c[order]
    policy = _calibrate(cfg, oof_s, oof_c, targets)
    budgets = policy.budgets(oof_s, oof_c)
    heldout = heldout_report(targets, budgets, cfg.target_accuracy)
    logger.info(
        "calibration sample (%d prompts, %d runs): keeps %.2f%% of always-long accuracy, saves "
        "%.2f%% of reasoning tokens (best fixed budget at that accuracy: %.2f%%)",
        targets.n_prompts,
        len(sample_runs),
        100 * heldout["router"]["accuracy_kept"],
        100 * heldout["router"]["tokens_saved"],
        100 * heldout["fixed_at_router_accuracy"]["tokens_saved"],
    )

    logger.info("fitting the final models on all %d families", len(groups))
    everything = _Design.from_table(design, n_features, g)
    curves = _fit_curves(client, everything, grid, cfg)
    solved = _Design.from_table(design[design["solved"] > 0], n_features, g)
    params = _lgbm_params(_Params(**_lgbm_kwargs(cfg)))
    reg_params = _lgbm_params(_Params(**_regressor_kwargs(cfg, int(n_prompts - n_censored))))
    quantile = {
        q: _fit_dask(
            client,
            reg_params,
            solved.X,
            solved.label("log_needed"),
            None,
            objective="quantile",
            alpha=q,
        )
        for q in (0.5, cfg.quantile_high)
    }
    no_thinking = _fit_dask(
        client,
        params,
        everything.X,
        everything.label("no_reasoning"),
        None,
        objective="cross_entropy",
    )
    models = RouterModels(
        curves=curves,
        median=quantile[0.5],
        high=quantile[cfg.quantile_high],
        no_thinking=no_thinking,
        projection_mean=mean,
        projection_components=comps,
    )
    predicted = np.expm1(booster_predict(quantile[0.5], X_sample[order]))
    high = np.expm1(booster_predict(quantile[cfg.quantile_high], X_sample[order]))
    evaluation = build_report(
        targets,
        policy,
        budgets,
        {"router": (oof_s, oof_c)},
        predicted=predicted,
        predicted_high=high,
        protocol=(
            f"Calibration sample of a Dask training run ({targets.n_prompts} prompts): each "
            f"prompt is routed by curve models fitted without its family ({cfg.n_folds} folds "
            "of families), with the price chosen on these same prompts. Needed-token "
            "predictions come from the final models, which saw every family."
        ),
    )
    metrics = {
        **heldout_metrics(heldout, policy, evaluation),
        "train_seconds": time.perf_counter() - started,
    }
    digest = hashlib.sha256("".join(digests.astype(str)).encode("ascii")).hexdigest()
    manifest = {
        **training_manifest(
            cfg,
            (mean, comps),
            f"dask:{digest}",
            metrics,
            {**heldout, "protocol": "dask calibration sample"},
            counts,
            groups,
        ),
        "trained_on": {"dask_workers": n_workers},
    }
    router = Router(emb_model, models, policy, manifest)
    logger.info("training on Dask done in %.0f s", metrics["train_seconds"])
    from budgetrouter.training import TrainResult

    return TrainResult(
        router=router,
        metrics=metrics,
        report={"counts": counts, "heldout": heldout, "evaluation": evaluation},
    )

"""Fitting on a Dask cluster: the projection and LightGBM's own Dask estimators.

Building blocks of :func:`budgetrouter.train.dask_trainer.train_router_dask`: the model
inputs of each partition of prompts, aligned Dask arrays of them (:class:`Design`), and fits
with ``lightgbm.dask`` that return ordinary boosters.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from budgetrouter.train.dask_cluster import hash_share

if TYPE_CHECKING:
    import dask.array as da
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd
    from distributed import Client

    from budgetrouter.config import TrainConfig
    from budgetrouter.curves import BudgetCurveModel
    from budgetrouter.projection import Projection

logger = logging.getLogger(__name__)


def design_partition(
    frame: pd.DataFrame,
    projection: Projection,
    n_grid: int,
    fold_of: dict[str, int],
    sample_share: float,
) -> pd.DataFrame:
    """Model inputs of one partition of prompts: features, curves, weights, fold.

    The success target is the share of the prompt's solvers each budget keeps, weighted by its
    solvers; the cost target the mean tokens paid per run.
    """
    import numpy as np
    import pandas as pd

    from budgetrouter.features import prompt_features

    emb = frame[[f"e{i}" for i in range(len(projection.mean))]].to_numpy(dtype="float64")
    X = prompt_features(frame["prompt"].astype(str).tolist(), emb, projection)
    n = frame["n_runs"].to_numpy(dtype="float64")
    columns: dict[str, Any] = {f"f{i}": X[:, i] for i in range(X.shape[1])}
    for j in range(n_grid):
        columns[f"s{j}"] = frame[f"share{j}"].to_numpy(dtype="float64")
        columns[f"c{j}"] = frame[f"c{j}"].to_numpy(dtype="float64") / n
    needed = frame["needed_tokens"].to_numpy(dtype="float64")
    # a prompt no run solved: the most tokens tried (as train.fit.needed_target)
    needed = np.where(np.isnan(needed), frame["max_tokens"].to_numpy(dtype="float64"), needed)
    columns.update(
        weight=n,
        success_weight=frame["solvers"].to_numpy(dtype="float64"),
        solved=np.ones(len(frame)),
        log_needed=np.log1p(needed),
        no_thinking=frame["no_thinking"].to_numpy(dtype="float64"),
        fold=frame["group"].astype(str).map(fold_of).to_numpy(dtype="float64"),
        sample=(hash_share(frame["prompt"]) < sample_share).astype("float64"),
        prompt=frame["prompt"].astype("string"),
    )
    return pd.DataFrame(columns, index=frame.index)


def projection_from_embeddings(embeddings: da.Array) -> Projection:
    """The projection from the distributed mean and ``X.T @ X`` of the embeddings."""
    import dask

    from budgetrouter.projection import Projection

    embeddings = embeddings.astype("float64")
    mean, gram = dask.compute(embeddings.mean(axis=0), embeddings.T @ embeddings)
    return Projection.from_moments(mean, gram, embeddings.shape[0])


class Design:
    """Row-aligned Dask arrays of one set of prompts: features, mean curves, weights, labels."""

    def __init__(
        self,
        X: da.Array,
        success: da.Array,
        cost: da.Array,
        weight: da.Array,
        log_needed: da.Array | None = None,
        no_thinking: da.Array | None = None,
        success_weight: da.Array | None = None,
    ) -> None:
        self.X, self.success, self.cost, self.weight = X, success, cost, weight
        self.success_weight = weight if success_weight is None else success_weight
        self.log_needed, self.no_thinking = log_needed, no_thinking

    def label(self, name: str) -> da.Array:
        """``log_needed`` or ``no_thinking``, which only a design built from a table has."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"this design was built without {name}")
        return value

    @classmethod
    def from_table(cls, table: dd.DataFrame, n_features: int, n_grid: int) -> Design:
        """Split a table of :func:`design_partition` columns into aligned arrays."""
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
            success_weight=col("success_weight"),
            log_needed=col("log_needed"),
            no_thinking=col("no_thinking"),
        )

    def stacked(self, grid: np.ndarray) -> tuple[da.Array, da.Array, da.Array, da.Array, da.Array]:
        """Features repeated per budget plus the budget, with the targets raveled alike.

        Returns the stacked features, success shares, ``log1p`` costs, the cost weights and
        the success weights (correct runs: 0 leaves a never-solved prompt out of the fit).
        """
        import dask.array as da
        import numpy as np

        from budgetrouter.curves import stack_budgets

        g = len(grid)
        rows = tuple(c * g for c in self.X.chunks[0])
        Xs = da.map_blocks(
            stack_budgets, self.X, grid, chunks=(rows, (self.X.shape[1] + 1,)), dtype="float64"
        )
        success = da.map_blocks(
            lambda b: b.ravel(), self.success, chunks=(rows,), drop_axis=1, dtype="float64"
        )
        cost = da.map_blocks(
            lambda b: np.log1p(b).ravel(), self.cost, chunks=(rows,), drop_axis=1, dtype="float64"
        )
        weight, success_weight = (
            da.map_blocks(lambda b: np.repeat(b, g), w, chunks=(rows,), dtype="float64")
            for w in (self.weight, self.success_weight)
        )
        return Xs, success, cost, weight, success_weight


def fit_dask(
    client: Client,
    params: dict[str, Any],
    X: da.Array,
    y: da.Array,
    w: da.Array | None,
    **extra: Any,
) -> Any:
    """Fit ``lightgbm.dask`` on the cluster and return the fitted booster (a local one)."""
    import lightgbm
    import lightgbm.dask as lgbd

    # lightgbm.dask reports its network set-up with print() unless given a logger.
    lightgbm.register_logger(logging.getLogger("lightgbm"))
    params = {k: v for k, v in params.items() if k != "n_jobs"}  # each worker uses its threads
    model = lgbd.DaskLGBMRegressor(client=client, **params, **extra)
    model.fit(X, y, sample_weight=w)
    return model.to_local().booster_


def fit_curves(
    client: Client, design: Design, grid: np.ndarray, cfg: TrainConfig
) -> BudgetCurveModel:
    """The curve models of a design, fitted on the cluster (see :class:`BudgetCurveModel`)."""
    from budgetrouter.curves import BudgetCurveModel

    success_params, cost_params = BudgetCurveModel(grid, **cfg.lgbm_settings()).booster_params(
        design.X.shape[1]
    )
    Xs, success, cost, weight, success_weight = design.stacked(grid)
    return BudgetCurveModel.from_boosters(
        grid,
        fit_dask(client, success_params, Xs, success, success_weight),
        fit_dask(client, cost_params, Xs, cost, weight),
    )

"""Per-prompt targets on a Dask cluster, the same as :func:`~budgetrouter.train.build_targets`.

Runs are reduced in two group-bys. The first, by (prompt, model), gives each model's share of
the prompt's targets: its runs, their summed success and cost on the budget grid, the most
tokens tried, and the fewest tokens it was correct with (the model as one *solver*,
:mod:`budgetrouter.train.demand`). The second shuffles those rows by prompt and computes, with
the single machine's own code, the prompt's solver shares on the grid, its demand (needed
tokens) and whether no thinking suffices. Dask training reads every run as one made without a
cap and pools a prompt's hidden and visible counts (no scale between them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgetrouter.train.runs import run_curves, run_outcomes

if TYPE_CHECKING:
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd

_KEYS = ("group", "category", "difficulty")


def _run_columns(
    frame: pd.DataFrame,
    grid: np.ndarray,
    none_max_tokens: int,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Per-run shares of the per-(prompt, model) targets (:func:`run_outcomes`, :func:`run_curves`).

    A run with no model is a solver of its own: its model column becomes
    ``run:<partition>:<row>``, unique across the files (Dask passes ``partition_info``).
    """
    import numpy as np
    import pandas as pd

    tokens = frame["reasoning_tokens"].to_numpy(dtype="float64")
    correct = frame["correct"].to_numpy(dtype="float64")
    solved_tokens, _ = run_outcomes(tokens, correct, none_max_tokens)
    success, cost, _ = run_curves(tokens, correct, grid)
    part = (partition_info or {}).get("number", 0)
    own = pd.Series([f"run:{part}:{i}" for i in frame.index], index=frame.index, dtype="string")
    columns: dict[str, Any] = {
        "prompt": frame["prompt"].to_numpy(),
        "model": frame["model"].astype("string").fillna(own).to_numpy(),
        **{k: frame[k].to_numpy() for k in _KEYS},
        "n_runs": np.ones(len(frame), dtype="int64"),
        # a visible answer could have come with no reasoning (train.demand.Solvers)
        "zero_known": (frame["count_source"] == "visible_text")
        .fillna(False)
        .to_numpy(dtype="int64"),
        "needed_tokens": solved_tokens,
        "max_tokens": tokens,
    }
    for j in range(len(grid)):
        columns[f"s{j}"] = success[:, j]
        columns[f"c{j}"] = cost[:, j]
    out = pd.DataFrame(columns, index=frame.index)
    for name in ("prompt", "model", *_KEYS):
        out[name] = out[name].astype("string")
    return out


def _prompt_rows(frame: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    """One row per prompt from its (prompt, model) rows, all of a prompt in this partition."""
    import numpy as np
    import pandas as pd

    from budgetrouter.train.demand import DEMAND_SHARE, Solvers

    n_grid = len(grid)
    codes, uniques = pd.factorize(frame["prompt"])
    spec: dict[str, Any] = {k: (k, "first") for k in _KEYS}
    spec.update(n_runs=("n_runs", "sum"), max_tokens=("max_tokens", "max"))
    spec.update({f"{k}{j}": (f"{k}{j}", "sum") for j in range(n_grid) for k in ("s", "c")})
    out = frame.assign(_p=codes).groupby("_p", sort=True).agg(**spec)
    out.insert(0, "prompt", pd.Series(uniques, dtype="string").to_numpy())
    tokens = frame["needed_tokens"].to_numpy(dtype="float64")
    solved = ~np.isnan(tokens)
    zero = frame["zero_known"].to_numpy(dtype=bool)[solved] | (tokens[solved] <= 0)
    solvers = Solvers(codes[solved], tokens[solved], zero)
    share, total = solvers.shares(len(out), np.asarray(grid, dtype="float64"))
    out["needed_tokens"] = solvers.demand(len(out))
    out["no_thinking"] = (share[:, 0] >= DEMAND_SHARE).astype("int64")
    out["solvers"] = total
    for j in range(n_grid):
        out[f"share{j}"] = share[:, j]
    return out.reset_index(drop=True)


def prompt_targets_dask(
    observations: dd.DataFrame,
    grid: np.ndarray,
    none_max_tokens: int = 0,
    split_out: int | None = None,
) -> dd.DataFrame:
    """Reduce runs to one row per distinct prompt on the cluster.

    Columns: ``prompt``, ``group``, ``category``, ``difficulty``, ``n_runs``,
    ``needed_tokens`` (the demand, NaN when censored), ``max_tokens``, ``no_thinking`` (0/1),
    ``solvers``, and for each grid budget ``j`` the summed success ``s{j}`` and cost ``c{j}``
    of the prompt's runs (as :meth:`budgetrouter.train.targets.PromptTargets.curves`) and the
    share of its solvers it keeps, ``share{j}``; in at least ``split_out`` partitions.
    """
    from budgetrouter.train.dask_cluster import observation_meta

    meta = _run_columns(observation_meta(), grid, none_max_tokens)
    runs = observations.map_partitions(_run_columns, grid, none_max_tokens, meta=meta)
    spec: dict[str, str] = {k: "first" for k in _KEYS}
    spec.update(n_runs="sum", zero_known="max", needed_tokens="min", max_tokens="max")
    spec.update({f"{k}{j}": "sum" for j in range(len(grid)) for k in ("s", "c")})
    split_out = max(split_out or 1, observations.npartitions // 8)
    per_model = runs.groupby(["prompt", "model"]).agg(spec, split_out=split_out).reset_index()
    by_prompt = per_model.shuffle(on="prompt", npartitions=split_out)
    meta_rows = _prompt_rows(per_model._meta, grid)
    return by_prompt.map_partitions(_prompt_rows, grid, meta=meta_rows)

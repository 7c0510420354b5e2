"""The data side of Dask training: reading, reducing and embedding on the workers.

1. Every observation file is read and checked by a worker (one partition per file, the same
   reader and error messages as :func:`budgetrouter.train.readers.read_observations`).
2. Runs are reduced to per-prompt targets with a Dask group-by over the per-run shares that
   :mod:`budgetrouter.train.targets` defines.
3. Each partition of distinct prompts is embedded on its worker, which loads the embedder once.

The models are fitted by :mod:`budgetrouter.train.dask_trainer`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd
    from distributed import Client

    from budgetrouter.embedders import Embedder

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
    "count_source",
)
_HASH_BUCKETS = 1_000_000


def import_dask() -> None:
    """Import dask.dataframe and distributed, or say to install ``budgetrouter[dask]``."""
    require("dask.dataframe", "dask", "Training on Dask")
    require("distributed", "dask", "Training on Dask")


def partition_digest(frame: pd.DataFrame) -> pd.Series:
    """The content digest of one partition of observations (see ``data_digest``)."""
    import pandas as pd

    from budgetrouter.train.data import data_digest

    return pd.Series([data_digest(frame)])


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
    import_dask()
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


def observation_meta() -> pd.DataFrame:
    """The empty observation partition: :data:`COLUMNS` with their dtypes."""
    import pandas as pd

    dtypes = {c: "string" for c in COLUMNS}
    dtypes.update(reasoning_tokens="int64", correct="float64", budget="float64")
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _read_partition(path: str) -> pd.DataFrame:
    """Read and check one observation file on a worker, in the columns of :data:`COLUMNS`."""
    import pandas as pd

    from budgetrouter.train.readers import read_observations

    frame = read_observations(path)
    meta = observation_meta()
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
    import_dask()
    import dask.dataframe as dd

    from budgetrouter.train.readers import observation_files

    files = observation_files(paths)
    logger.info("reading %d observation file(s) on the cluster", len(files))
    return dd.from_map(
        _read_partition, [str(f) for f in files], meta=observation_meta(), label="read"
    )


def hash_share(values: pd.Series) -> np.ndarray:
    """A stable pseudo-random number in [0, 1) per string (same on every worker and run)."""
    import pandas as pd

    hashed = pd.util.hash_pandas_object(values.astype(str), index=False).to_numpy()
    return (hashed % _HASH_BUCKETS) / _HASH_BUCKETS


def sample_runs(frame: pd.DataFrame, share: float) -> pd.DataFrame:
    """The runs of the prompts in the calibration sample (chosen by a hash of the prompt)."""
    return frame.loc[hash_share(frame["prompt"]) < share]


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


def embed_partition(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """The partition of prompts with their embeddings as columns ``e0 … e{dim-1}``."""
    import pandas as pd

    names = [f"e{i}" for i in range(spec["dim"])]
    if frame.empty:
        vectors = None
    else:
        vectors = _worker_embedder(spec).encode(frame["prompt"].astype(str).tolist())
    embedded = pd.DataFrame(vectors, index=frame.index, columns=names, dtype="float32")
    return pd.concat([frame, embedded], axis=1)

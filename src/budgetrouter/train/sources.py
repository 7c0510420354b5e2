"""Readers of the dataset folders shipped in ``data/``, into canonical observations.

Each reader turns one source's tables (described in the folder's README) into the observation
table of :mod:`budgetrouter.train.data`, counting and logging every run it excludes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from budgetrouter.errors import DataError
from budgetrouter.train.data import validate_observations

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


def read_reasoning_gym(folder: str | Path) -> pd.DataFrame:
    """Turn the reasoning-gym tables into observations.

    Only runs of ``visible_cot`` models carry a reasoning length; runs of ``hidden_reasoning``
    models (whose reasoning the source did not store) are excluded, counted and logged.
    ``group`` is the task family; ``category``, ``difficulty`` and ``prompt_id`` are kept.

    Parameters
    ----------
    folder
        A folder holding ``prompts.parquet`` and ``outcomes.parquet`` (see its README).

    Returns
    -------
    pandas.DataFrame
        Observations in canonical form, one row per visible-reasoning run.
    """
    import pandas as pd

    folder = Path(folder)
    prompts = pd.read_parquet(folder / "prompts.parquet")
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    for name, table, cols in (
        ("prompts.parquet", prompts, ["prompt_id", "family", "category", "difficulty", "prompt"]),
        (
            "outcomes.parquet",
            outcomes,
            ["prompt_id", "model", "model_kind", "correct", "reasoning_tokens"],
        ),
    ):
        missing = [c for c in cols if c not in table]
        if missing:
            raise DataError(str(folder / name), f"missing column(s) {missing}")
    visible = outcomes["model_kind"] == "visible_cot"
    logger.info(
        "%s: excluded %d hidden_reasoning runs (no reasoning length stored); kept %d "
        "visible_cot runs",
        folder,
        int((~visible).sum()),
        int(visible.sum()),
    )
    runs = outcomes.loc[visible, ["prompt_id", "model", "correct", "reasoning_tokens"]]
    table = runs.merge(
        prompts[["prompt_id", "family", "category", "difficulty", "prompt"]],
        on="prompt_id",
        how="left",
        validate="many_to_one",
    )
    orphans = table["prompt"].isna().to_numpy()
    if orphans.any():
        raise DataError(
            str(folder / "outcomes.parquet"),
            f"{int(orphans.sum())} run(s) refer to a prompt_id missing from prompts.parquet",
            row=int(orphans.argmax()) + 1,
            field="prompt_id",
        )
    table = table.rename(columns={"family": "group"})
    return validate_observations(table, source=str(folder))

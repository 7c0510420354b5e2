"""Readers of the dataset folders shipped in ``data/``, into canonical observations.

Each reader turns one source's tables (described in the folder's README) into the observation
table of :mod:`budgetrouter.train.data`, counting and logging every run it excludes.
:func:`read_dataset_folder` picks the reader from the tables' columns: the reasoning-gym layout,
or the routing-data layout of ``tts-simpleqa``, ``mip-overthinking``, ``crux`` and ``mmlu-pro``
(runs with ``setting``, ``effort``, ``budget_tokens`` and ``reasoning_tokens_source``).
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


#: ``reasoning_tokens_source`` of the routing-data folders -> (count_source, includes answer).
COUNT_SOURCE_OF: dict[str, tuple[str, bool]] = {
    "usage_reasoning_tokens": ("usage", False),
    "usage_completion_tokens_incl_answer": ("usage", True),
    "source_thinking_tokens": ("thinking_text", False),
    "thinking_text_qwen2.5_tokenizer": ("thinking_text", False),
    "none_thinking_off": ("thinking_off", False),
    "visible_cot_qwen2.5_tokenizer": ("visible_text", False),
}
#: Sources whose README warns of two label faults: models whose every output stayed below
#: :data:`LENGTH_CAPPED_BELOW` tokens ran under a hidden length cap (their long runs were cut,
#: not wrong), and runs with no answer marker were graded on a fallback guess (``answer_found``).
LABEL_CAVEATS: frozenset[str] = frozenset({"mmlu-pro"})
LENGTH_CAPPED_BELOW = 800


def read_dataset_folder(folder: str | Path) -> pd.DataFrame:
    """Read a dataset folder (``prompts.parquet`` + ``outcomes.parquet``) into observations.

    Raises
    ------
    DataError
        If a table lacks a column its layout needs or a run names an unknown prompt.
    """
    import pandas as pd

    folder = Path(folder)
    names = pd.read_parquet(folder / "outcomes.parquet").columns
    if "reasoning_tokens_source" in names:
        return read_routing_folder(folder)
    return read_reasoning_gym(folder)


def read_routing_folder(folder: str | Path) -> pd.DataFrame:
    """Turn a routing-data folder (runs at thinking levels) into observations.

    Each run keeps its level: ``effort``, ``budget`` (0 = thinking off, from ``budget_tokens``)
    and the source's ``setting`` label; ``count_source`` and ``count_includes_answer`` come from
    ``reasoning_tokens_source``; ``group`` is the family (a source with one family, such as
    SimpleQA, is split into :data:`SINGLE_FAMILY_GROUPS` groups of prompts, so that grouped
    cross-validation holds questions out rather than the whole source), ``source`` the folder
    name. Not
    attempted answers stay not correct. Excluded, counted and logged: runs with no reasoning
    count (hidden reasoning the source did not count) or a negative one (the source's counter
    failed: two o4-mini FRAMES runs), ungraded runs, budget-forcing runs
    beyond natural thinking (``exdN``, N > 0: no request parameter asks for them), and for the
    sources of :data:`LABEL_CAVEATS`, runs of length-capped models and runs with no answer
    marker.

    Parameters
    ----------
    folder
        A folder holding ``prompts.parquet`` and ``outcomes.parquet`` (see its README).

    Returns
    -------
    pandas.DataFrame
        Observations in canonical form.
    """
    import numpy as np
    import pandas as pd

    folder = Path(folder)
    prompts = pd.read_parquet(folder / "prompts.parquet")
    runs = pd.read_parquet(folder / "outcomes.parquet")
    need = ["prompt_id", "model", "setting", "effort", "budget_tokens", "correct"]
    need += ["reasoning_tokens", "reasoning_tokens_source"]
    _require(folder / "outcomes.parquet", runs, need)
    _require(folder / "prompts.parquet", prompts, ["prompt_id", "family", "prompt"])
    unknown = sorted(set(runs["reasoning_tokens_source"].dropna()) - set(COUNT_SOURCE_OF))
    if unknown:
        raise DataError(
            str(folder / "outcomes.parquet"),
            f"unknown reasoning_tokens_source {unknown}; known: {sorted(COUNT_SOURCE_OF)}",
        )
    setting = runs["setting"].astype("string")
    forced = setting.str.fullmatch(r"exd[1-9]\d*").fillna(False).to_numpy(dtype=bool)
    excluded = {
        "no reasoning count": runs["reasoning_tokens"].isna().to_numpy(dtype=bool),
        "negative reasoning count (a fault of the source's counter)": (
            runs["reasoning_tokens"] < 0
        ).to_numpy(dtype=bool, na_value=False),
        "not graded": runs["correct"].isna().to_numpy(dtype=bool),
        "budget forcing beyond natural thinking": forced,
    }
    if folder.name in LABEL_CAVEATS:
        longest = runs.groupby("model")["reasoning_tokens"].transform("max")
        excluded["length-capped model"] = (longest < LENGTH_CAPPED_BELOW).to_numpy(
            dtype=bool, na_value=False
        )
        excluded["no answer marker (correctness a fallback guess)"] = ~runs[
            "answer_found"
        ].to_numpy(dtype=bool, na_value=False)
    drop = np.zeros(len(runs), dtype=bool)
    for reason, mask in excluded.items():
        new = mask & ~drop
        if new.any():
            logger.info("%s: excluded %d runs (%s)", folder.name, int(new.sum()), reason)
        drop |= mask
    runs = runs.loc[~drop]
    logger.info("%s: kept %d of %d runs", folder.name, len(runs), len(drop))
    kind = runs["reasoning_tokens_source"].map(COUNT_SOURCE_OF)
    table = pd.DataFrame(
        {
            "prompt_id": runs["prompt_id"].to_numpy(),
            "model": runs["model"].to_numpy(),
            "correct": runs["correct"].astype(bool).to_numpy(),
            "reasoning_tokens": runs["reasoning_tokens"].to_numpy(),
            "budget": runs["budget_tokens"]
            .astype("Float64")
            .to_numpy(dtype="float64", na_value=np.nan),
            "effort": runs["effort"].to_numpy(),
            "setting": runs["setting"].to_numpy(),
            "count_source": kind.str[0].to_numpy(),
            "count_includes_answer": kind.str[1].astype(bool).to_numpy(),
            "source": folder.name,
        }
    )
    extra = [c for c in ("category", "variant") if c in prompts]
    prompts = prompts[["prompt_id", "family", "prompt", *extra]]
    if prompts["family"].nunique() == 1:
        prompts = prompts.assign(family=prompts["family"] + "/" + _prompt_groups(prompts["prompt"]))
        logger.info(
            "%s: one family; its prompts are split into %d groups so that cross-validation "
            "holds questions out, not the whole source",
            folder.name,
            SINGLE_FAMILY_GROUPS,
        )
    return validate_observations(_join_prompts(folder, table, prompts), source=str(folder))


#: Groups a single-family source's prompts are split into (by a hash of the prompt text).
SINGLE_FAMILY_GROUPS = 8


def _prompt_groups(prompts: pd.Series) -> pd.Series:
    import hashlib

    return prompts.map(
        lambda p: str(
            int(hashlib.sha1(p.encode("utf-8")).hexdigest()[:8], 16) % SINGLE_FAMILY_GROUPS
        )
    )


def _require(path: Path, table: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table]
    if missing:
        raise DataError(str(path), f"missing column(s) {missing}")


def _join_prompts(folder: Path, runs: pd.DataFrame, prompts: pd.DataFrame) -> pd.DataFrame:
    table = runs.merge(prompts, on="prompt_id", how="left", validate="many_to_one")
    orphans = table["prompt"].isna().to_numpy()
    if orphans.any():
        raise DataError(
            str(folder / "outcomes.parquet"),
            f"{int(orphans.sum())} run(s) refer to a prompt_id missing from prompts.parquet",
            row=int(orphans.argmax()) + 1,
            field="prompt_id",
        )
    return table.rename(columns={"family": "group"})


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
    _require(
        folder / "prompts.parquet",
        prompts,
        ["prompt_id", "family", "category", "difficulty", "prompt"],
    )
    _require(
        folder / "outcomes.parquet",
        outcomes,
        ["prompt_id", "model", "model_kind", "correct", "reasoning_tokens"],
    )
    visible = outcomes["model_kind"] == "visible_cot"
    logger.info(
        "%s: excluded %d hidden_reasoning runs (no reasoning length stored); kept %d "
        "visible_cot runs",
        folder,
        int((~visible).sum()),
        int(visible.sum()),
    )
    runs = outcomes.loc[visible, ["prompt_id", "model", "correct", "reasoning_tokens"]]
    runs = runs.assign(count_source="visible_text", source=folder.name)
    table = _join_prompts(
        folder, runs, prompts[["prompt_id", "family", "category", "difficulty", "prompt"]]
    )
    return validate_observations(table, source=str(folder))

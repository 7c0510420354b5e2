"""Reading observation files: JSONL, CSV, Parquet, folders of them, and dataset folders.

Every table read is checked by :func:`budgetrouter.train.data.validate_observations`; a bad row
raises :class:`~budgetrouter.errors.DataError` naming the file, the row and the field.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._files import TORN, jsonl_lines
from budgetrouter.errors import DataError
from budgetrouter.train.data import validate_observations

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

FORMATS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}


def read_observations(paths: str | Path | Sequence[str | Path]) -> pd.DataFrame:
    """Read and check one or more observation tables.

    Parameters
    ----------
    paths
        Files (``.jsonl``, ``.csv``, ``.parquet``), folders of such files, or dataset
        folders (holding ``prompts.parquet`` and ``outcomes.parquet``, as in ``data/``). Tables are
        concatenated in order.

    Returns
    -------
    pandas.DataFrame
        The canonical table: the required columns, ``model``, ``group``, ``budget`` and
        ``tier`` (filled where absent), plus any extra columns the sources carried.

    Raises
    ------
    DataError
        If a file is missing, has an unknown format, lacks a required column, or holds a
        bad value; the message names the file, the row and the field.
    """
    import pandas as pd

    files = observation_files(paths)
    frames = [_read_one(p) for p in files]
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    logger.info("read %d observations of %d prompts", len(table), table["prompt"].nunique())
    return table


def observation_files(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Expand paths into observation files (a folder gives the files under it, sorted).

    A dataset folder (``prompts.parquet`` + ``outcomes.parquet``) stays one entry, also when
    found inside a folder (``data/`` gives its five dataset folders). Raises
    :class:`~budgetrouter.errors.DataError` when a path is missing or a folder holds no
    observation files.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise DataError("<none>", "no observation files given; pass at least one path")
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not _is_dataset(path):
            datasets = sorted(
                {p.parent for p in path.rglob("outcomes.parquet") if _is_dataset(p.parent)}
            )
            loose = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in FORMATS and not any(d in p.parents for d in datasets)
            )
            found = [*datasets, *loose]
            if not found:
                raise DataError(
                    str(path),
                    "is a folder with no observation files (.jsonl, .csv, .parquet) and not a "
                    "dataset folder (prompts.parquet + outcomes.parquet)",
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise DataError(str(path), "no such file; check the path")
    return files


def _read_one(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.is_dir():
        if _is_dataset(path):
            from budgetrouter.train.sources import read_dataset_folder

            return read_dataset_folder(path)
        raise DataError(
            str(path),
            "is a folder but not a dataset folder (prompts.parquet + outcomes.parquet); "
            "pass observation files (.jsonl, .csv, .parquet) instead",
        )
    if not path.is_file():
        raise DataError(str(path), "no such file; check the path")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            str(path),
            f"unknown format {path.suffix!r}. Supported: {sorted(FORMATS)} "
            "or a dataset folder (prompts.parquet + outcomes.parquet)",
        )
    try:
        if fmt == "jsonl":
            frame = _read_jsonl(path)
        elif fmt == "csv":
            frame = pd.read_csv(
                path,
                dtype={"prompt": "string", "model": "string"},
                keep_default_na=False,
                na_values=[""],
            )
        else:
            frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(str(path), f"cannot be read as {fmt}: {exc}") from exc
    return validate_observations(frame, source=str(path))


def _is_dataset(path: Path) -> bool:
    return (path / "prompts.parquet").is_file() and (path / "outcomes.parquet").is_file()


def jsonl_records(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file with their 1-based line numbers (blank lines skipped).

    Raises
    ------
    DataError
        If the file cannot be read, or a line is not valid JSON or not an object (names the
        file and the line). A torn line (a row cut off mid-write) is skipped with a warning
        naming it.
    """
    records = []
    for lineno, record, problem in jsonl_lines(path):
        if problem == TORN:  # a writer killed mid-row: that row is lost, the others are not
            logger.warning("%s: line %d skipped: %s", path, lineno, TORN)
        elif problem is not None:
            raise DataError(str(path), problem, row=lineno)
        else:
            records.append((lineno, record))
    return records


def _read_jsonl(path: Path) -> pd.DataFrame:
    import pandas as pd

    records = [{**record, "_row": lineno} for lineno, record in jsonl_records(path)]
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame({"_row": pd.Series([], dtype="int64")})
    return frame

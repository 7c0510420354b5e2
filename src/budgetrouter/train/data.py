"""Reading and checking observation tables (the data contract of the design).

One row per (prompt, model, run):

=================  ========  ==========================================================
column             required  meaning
=================  ========  ==========================================================
prompt             yes       the user message, a non-empty string
reasoning_tokens   yes       tokens spent thinking (a non-negative integer)
correct            yes       bool, or a score in [0, 1]
model              no        the model that produced the run
group              no        task family, for grouped splits (defaults to the prompt)
budget             no        reasoning budget the run was given (tokens); empty = no cap
tier               no        tier the run was given (none, short, long)
=================  ========  ==========================================================

Readers take JSONL, CSV and Parquet files, and the dataset folders shipped in ``data/``
(through the readers of :mod:`budgetrouter.train.sources`). Bad rows raise
:class:`~budgetrouter.errors.DataError` naming the file, the row and the field; nothing is
dropped silently, and what is excluded on purpose is counted and logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from budgetrouter.decision import TIER_NAMES
from budgetrouter.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("prompt", "reasoning_tokens", "correct")
OPTIONAL_COLUMNS: tuple[str, ...] = ("model", "group", "budget", "tier")
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
        Files (``.jsonl``, ``.csv``, ``.parquet``), folders of such files, or reasoning-gym
        folders (holding ``prompts.parquet`` and ``outcomes.parquet``). Tables are
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

    A reasoning-gym folder stays one entry. Raises :class:`~budgetrouter.errors.DataError`
    when a path is missing or a folder holds no observation files.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise DataError("<none>", "no observation files given; pass at least one path")
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not (path / "outcomes.parquet").is_file():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in FORMATS)
            if not found:
                raise DataError(
                    str(path),
                    "is a folder with no observation files (.jsonl, .csv, .parquet) and not a "
                    "reasoning-gym folder (prompts.parquet + outcomes.parquet)",
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
        if (path / "prompts.parquet").is_file() and (path / "outcomes.parquet").is_file():
            from budgetrouter.train.sources import read_reasoning_gym

            return read_reasoning_gym(path)
        raise DataError(
            str(path),
            "is a folder but not a reasoning-gym folder (prompts.parquet + outcomes.parquet); "
            "pass observation files (.jsonl, .csv, .parquet) instead",
        )
    if not path.is_file():
        raise DataError(str(path), "no such file; check the path")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            str(path),
            f"unknown format {path.suffix!r}. Supported: {sorted(FORMATS)} "
            "or a reasoning-gym folder",
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


def _read_jsonl(path: Path) -> pd.DataFrame:
    import pandas as pd

    records = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(str(path), f"invalid JSON ({exc.msg})", row=lineno) from exc
            if not isinstance(record, dict):
                raise DataError(str(path), "each line must be a JSON object", row=lineno)
            record["_row"] = lineno
            records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame({"_row": pd.Series([], dtype="int64")})
    return frame


def validate_observations(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check an observation table and return it in canonical form.

    Parameters
    ----------
    frame
        The raw table. A column ``_row`` (the 1-based row or line number) is used in error
        messages when present; otherwise rows are numbered from 1.
    source
        Name of the table's origin (a file path), used in error messages.

    Returns
    -------
    pandas.DataFrame
        The table with ``reasoning_tokens`` as int64, ``correct`` as float64 in [0, 1],
        ``model``/``group``/``tier`` as strings and ``budget`` as float (NaN = no cap).

    Raises
    ------
    DataError
        On the first bad value, naming the source, the row and the field.
    """
    import numpy as np
    import pandas as pd

    frame = frame.reset_index(drop=True)
    rows = frame.pop("_row").to_numpy() if "_row" in frame else np.arange(1, len(frame) + 1)
    if frame.empty:
        raise DataError(source, "holds no observations")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            source,
            f"missing required column(s) {missing}; found {sorted(map(str, frame.columns))}. "
            f"Every observation needs {list(REQUIRED_COLUMNS)}",
        )

    def fail(mask: np.ndarray, field: str, message: str) -> None:
        bad = np.flatnonzero(mask)
        if len(bad):
            value = frame[field].iloc[bad[0]]
            raise DataError(
                source,
                f"{message} (got {value!r}; {len(bad)} such row(s))",
                row=int(rows[bad[0]]),
                field=field,
            )

    prompt = frame["prompt"]
    is_str = prompt.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
    fail(~is_str, "prompt", "prompt must be a string")
    fail(prompt.str.strip().eq("").to_numpy(dtype=bool), "prompt", "prompt is empty")

    tokens = pd.to_numeric(frame["reasoning_tokens"], errors="coerce").astype("float64").to_numpy()
    fail(np.isnan(tokens), "reasoning_tokens", "reasoning_tokens must be a number")
    fail(tokens < 0, "reasoning_tokens", "reasoning_tokens must be >= 0")
    fail(tokens != np.floor(tokens), "reasoning_tokens", "reasoning_tokens must be an integer")

    correct = _as_score(frame["correct"])
    fail(np.isnan(correct), "correct", "correct must be true/false or a score in [0, 1]")
    fail((correct < 0) | (correct > 1), "correct", "correct must be in [0, 1]")

    out = frame.copy()
    out["prompt"] = prompt.astype("string")
    out["reasoning_tokens"] = tokens.astype("int64")
    out["correct"] = correct
    for name in ("model", "group"):
        if name in out:
            col = out[name]
            fail(col.isna().to_numpy(dtype=bool) & (name == "group"), name, f"{name} is empty")
            out[name] = col.astype("string")
    if "group" not in out:
        out["group"] = out["prompt"]
    if "model" not in out:
        out["model"] = pd.Series(pd.NA, index=out.index, dtype="string")
    if "budget" in out:
        budget = pd.to_numeric(out["budget"], errors="coerce").astype("float64").to_numpy()
        given = out["budget"].notna().to_numpy(dtype=bool)
        fail(given & np.isnan(budget), "budget", "budget must be a number of tokens or empty")
        fail(budget < 0, "budget", "budget must be >= 0")
        out["budget"] = budget
    else:
        out["budget"] = np.nan
    if "tier" in out:
        tier = out["tier"]
        fail(
            tier.notna().to_numpy(dtype=bool) & ~tier.isin(TIER_NAMES).to_numpy(dtype=bool),
            "tier",
            f"tier must be one of {list(TIER_NAMES)} or empty",
        )
        out["tier"] = tier.astype("string")
    else:
        out["tier"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def _as_score(col: pd.Series) -> np.ndarray:
    import numpy as np

    def one(x: object) -> float:
        if isinstance(x, bool | np.bool_):
            return float(x)
        if isinstance(x, str):
            low = x.strip().lower()
            if low in ("true", "false"):
                return float(low == "true")
            try:
                return float(low)
            except ValueError:
                return float("nan")
        if isinstance(x, int | float | np.integer | np.floating):
            return float(x)
        return float("nan")

    if col.dtype == bool:
        return col.to_numpy(dtype="float64")
    return np.fromiter((one(x) for x in col), dtype="float64", count=len(col))


def data_digest(table: pd.DataFrame, columns: Iterable[str] = (*REQUIRED_COLUMNS, "group")) -> str:
    """Return a sha256 digest of an observation table's content (order-sensitive).

    Parameters
    ----------
    table
        A canonical observation table.
    columns
        The columns that make up the digest.
    """
    import pandas as pd

    hashed = pd.util.hash_pandas_object(table[list(columns)], index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()

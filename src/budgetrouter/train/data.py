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
budget             no        thinking budget the run was given (tokens): 0 = thinking off,
                             empty = no cap
tier               no        tier the run was given (none, short, long)
effort             no        reasoning-effort level the run was given (:data:`EFFORTS`)
setting            no        the run's level label as its source wrote it (``low_effort``)
count_source       no        where ``reasoning_tokens`` came from (:data:`COUNT_SOURCES`)
count_includes_    no        the count also holds the visible answer (default false)
answer
source             no        the dataset the run came from (for per-source reports)
=================  ========  ==========================================================

A run with an ``effort`` or a ``budget`` was made at that level: it is a direct observation of
what the setting gives (:mod:`budgetrouter.levels`). ``count_source`` tells hidden reasoning
(``usage``, ``thinking_text``, ``thinking_off``) from ``visible_text``, the step-by-step answer
of a model without separate thinking; the two are different quantities and the trainer keeps
them apart.

:func:`validate_observations` checks a table against this contract; the file readers
(:mod:`budgetrouter.train.readers`) and the dataset readers (:mod:`budgetrouter.train.sources`)
all go through it. Bad rows raise
:class:`~budgetrouter.errors.DataError` naming the file, the row and the field; nothing is
dropped silently, and what is excluded on purpose is counted and logged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from budgetrouter.decision import EFFORTS, TIER_NAMES
from budgetrouter.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

#: The most tokens a count may hold (2**53: exact in float64, far above any real run).
MAX_TOKENS = 2**53
REQUIRED_COLUMNS: tuple[str, ...] = ("prompt", "reasoning_tokens", "correct")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "model",
    "group",
    "budget",
    "tier",
    "effort",
    "setting",
    "count_source",
    "count_includes_answer",
    "source",
)
#: Where a reasoning count came from: a provider's usage field, counting the model's thinking
#: text, 0 because thinking was off, or counting visible step-by-step text.
COUNT_SOURCES: tuple[str, ...] = ("usage", "thinking_text", "thinking_off", "visible_text")


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
        ``model``/``group``/``tier``/``effort``/``setting``/``count_source``/``source`` as
        strings, ``budget`` as float (NaN = no cap) and ``count_includes_answer`` as bool.

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
            value = value.item() if hasattr(value, "item") else value  # numpy scalar: plain
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
    fail(tokens > MAX_TOKENS, "reasoning_tokens", f"reasoning_tokens must be <= {MAX_TOKENS:.0e}")
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
            if name == "model":
                text = col.map(lambda x: isinstance(x, str) and x.strip() != "")
                fail(
                    col.notna().to_numpy(dtype=bool) & ~text.to_numpy(dtype=bool),
                    name,
                    "model must be the model's name, a non-empty string (or empty for none)",
                )
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
        fail(
            budget > MAX_TOKENS,
            "budget",
            f"budget must be <= {MAX_TOKENS:.0e}, or empty for no cap",
        )
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
    for name, allowed in (("effort", EFFORTS), ("count_source", COUNT_SOURCES)):
        if name in out:
            col = out[name]
            fail(
                col.notna().to_numpy(dtype=bool) & ~col.isin(allowed).to_numpy(dtype=bool),
                name,
                f"{name} must be one of {list(allowed)} or empty",
            )
            out[name] = col.astype("string")
        else:
            out[name] = pd.Series(pd.NA, index=out.index, dtype="string")
    fail(
        out["effort"].notna().to_numpy(dtype=bool) & ~np.isnan(out["budget"].to_numpy()),
        "effort",
        "a run is made at an effort level or under a thinking budget (0 = thinking off), not "
        "both; leave one of 'effort' and 'budget' empty",
    )
    budget_values = out["budget"].to_numpy()
    fail(
        ~np.isnan(budget_values) & (budget_values != np.floor(budget_values)),
        "budget",
        "budget must be a whole number of tokens",
    )
    for name in ("setting", "source"):
        out[name] = (
            out[name].astype("string")
            if name in out
            else pd.Series(pd.NA, index=out.index, dtype="string")
        )
    if "count_includes_answer" in out:
        flag = out["count_includes_answer"]
        as_score = _as_score(flag.where(flag.notna(), False))
        fail(~np.isin(as_score, (0.0, 1.0)), "count_includes_answer", "must be true or false")
        out["count_includes_answer"] = as_score.astype(bool)
    else:
        out["count_includes_answer"] = False
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

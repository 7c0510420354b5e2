"""Exceptions raised by budgetrouter.

Every error derives from :class:`BudgetRouterError`; the value-like ones also derive from
:class:`ValueError`, so callers can catch either the builtin or the family.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BudgetRouterError",
    "BundleError",
    "ConfigError",
    "DataError",
    "PromptError",
]


class BudgetRouterError(Exception):
    """Base class of every error raised by budgetrouter."""


class ConfigError(BudgetRouterError, ValueError):
    """A configuration value is out of range or of the wrong kind."""


class BundleError(BudgetRouterError, ValueError):
    """A router bundle is missing, incomplete, tampered with or of an unknown format."""


class PromptError(BudgetRouterError, ValueError):
    """A prompt given to the router is empty or not a string."""


class DataError(BudgetRouterError, ValueError):
    """An observation table is malformed.

    Parameters
    ----------
    source
        The file (or other source) the bad data came from.
    message
        What was wrong and how to fix it.
    row
        The 1-based data row (line for JSONL, record for CSV and Parquet), if one is to blame.
    field
        The column at fault, if one is to blame.
    """

    def __init__(
        self, source: str, message: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        self.source = source
        self.message = message
        self.row = row
        self.field = field
        where = source
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors raised on Dask workers travel to the client pickled.
        return (_rebuild_data_error, (self.source, self.message, self.row, self.field))


def _rebuild_data_error(source: str, message: str, row: int | None, field: str | None) -> DataError:
    return DataError(source, message, row=row, field=field)


def __getattr__(name: str) -> Any:
    # ``NotFittedError`` is scikit-learn's own, imported on first use so that importing
    # budgetrouter stays cheap.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError

        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

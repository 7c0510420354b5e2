"""Failing open: what a routed call survives, and warnings said once.

A wrapped client or a LiteLLM callback never loses a request or a response to budgetrouter: an
error of :data:`FAIL_OPEN` (or, writing the outcome row, :data:`LOG_ERRORS`) sends the call with
the caller's own parameters, or returns the response unlogged, and :class:`Warnings` says so,
unless the user asked for ``strict`` mode.
"""

from __future__ import annotations

import logging
import threading

from budgetrouter.errors import BudgetRouterError

#: What fails open: budgetrouter's errors, and a prompt or parameter of a shape it cannot read.
FAIL_OPEN: tuple[type[Exception], ...] = (BudgetRouterError, ValueError, TypeError, LookupError)
#: What a failed log write raises, besides those.
LOG_ERRORS: tuple[type[Exception], ...] = (*FAIL_OPEN, OSError)


class Warnings:
    """Raise (strict) or log what a call did instead: a warning the first time, then debug.

    Parameters
    ----------
    strict
        Raise the error instead of logging.
    logger
        Where the warnings go.
    """

    def __init__(self, strict: bool, logger: logging.Logger) -> None:
        self.strict = strict
        self._logger = logger
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def fail(self, what: str, err: Exception | None) -> None:
        """Raise ``err`` (``strict=True``), or log that ``what`` went on instead.

        Parameters
        ----------
        what
            What the call did instead (sent unchanged, not logged, not escalated).
        err
            The error, or ``None`` for a warning with no error behind it (never raised).

        Raises
        ------
        Exception
            ``err`` itself, with ``strict=True``.
        """
        if self.strict and err is not None:
            raise err
        message = f"budgetrouter: {what}" + (
            "" if err is None else f": {type(err).__name__}: {err}"
        )
        with self._lock:
            seen = message in self._seen
            if len(self._seen) > 1024:
                self._seen.clear()
            self._seen.add(message)
        (self._logger.debug if seen else self._logger.warning)("%s", message)

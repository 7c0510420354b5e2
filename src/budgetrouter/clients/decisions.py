"""The decision behind each response of a wrapped client (:func:`decision_of`)."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetrouter.decision import Decision


class _Decisions:
    """Decisions by response object, held only as long as the response lives."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a collection's callback may run while it is held
        self._refs: dict[int, tuple[weakref.ref[Any], Decision]] = {}

    def remember(self, obj: Any, decision: Decision) -> None:
        key = id(obj)
        try:
            ref = weakref.ref(obj, lambda dead: self._forget(key, dead))
        except TypeError:  # not weakly referenceable: decision_of gives None for it
            return
        with self._lock:
            self._refs[key] = (ref, decision)

    def _forget(self, key: int, dead: weakref.ref[Any]) -> None:
        with self._lock:
            entry = self._refs.get(key)
            if entry is not None and entry[0] is dead:
                del self._refs[key]

    def get(self, obj: Any) -> Decision | None:
        with self._lock:
            entry = self._refs.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]


_DECISIONS = _Decisions()


def remember(obj: Any, decision: Decision) -> None:
    """Make ``decision_of(obj)`` return ``decision`` for as long as ``obj`` lives."""
    _DECISIONS.remember(obj, decision)


def decision_of(response: Any) -> Decision | None:
    """The router's decision behind a response of a wrapped client.

    Parameters
    ----------
    response
        What a wrapped client's call returned: the SDK's response, or its stream (the
        stream's object, a ``messages.stream`` manager or the stream it opens, a
        ``generate_content_stream`` iterator).

    Returns
    -------
    Decision or None
        The decision that set the request's thinking parameters (after an escalation, the
        escalated one). ``None`` when the request went out with the caller's own thinking
        parameters (set by the caller, or routing failed open), or for any other object.

    Notes
    -----
    Thread-safe. The map holds no response alive: an entry goes with its response.
    """
    return _DECISIONS.get(response)

"""The router's in-memory LRU cache of decisions, safe to share between threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from budgetrouter.decision import Decision


class DecisionCache:
    """Decisions keyed by :func:`budgetrouter.inputs.cache_key`, the least recent dropped first.

    Parameters
    ----------
    size
        Decisions kept; 0 keeps none.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, Decision] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: bytes) -> Decision | None:
        """The decision under ``key`` (now the most recent), or ``None``."""
        with self.lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, items: Iterable[tuple[bytes, Decision]]) -> None:
        """Keep these decisions (the caller holds :attr:`lock`), then drop the oldest past size."""
        for key, decision in items:
            self._items[key] = decision
            self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        """Drop every decision (the caller holds :attr:`lock`)."""
        self._items.clear()

"""budgetrouter: predict how many reasoning tokens a prompt needs and pick its thinking tier.

>>> import budgetrouter  # doctest: +SKIP
>>> budgetrouter.route("What is 2 + 3?", model="o4-mini")  # doctest: +SKIP

The runtime (what runs before each request) is this package's top-level modules plus
``embedders`` and ``providers``; training-time code lives in ``budgetrouter.train``, MLflow in
``budgetrouter.tracking`` and the command line in ``budgetrouter.cli``. Routing never imports
those three. ``wrap`` (wrapped SDK clients) and ``decision_of`` are loaded on first use.
"""

import threading
from typing import TYPE_CHECKING, Any

from budgetrouter import errors
from budgetrouter._version import __version__
from budgetrouter.config import RouterConfig, TrainConfig
from budgetrouter.decision import Decision, Tier, TierRules
from budgetrouter.policy import TierPolicy
from budgetrouter.router import Router

if TYPE_CHECKING:
    from budgetrouter.clients import decision_of, wrap

__all__ = [
    "Decision",
    "Router",
    "RouterConfig",
    "Tier",
    "TierPolicy",
    "TierRules",
    "TrainConfig",
    "__version__",
    "decision_of",
    "errors",
    "route",
    "wrap",
]

_default_router: Router | None = None
_default_lock = threading.Lock()


def route(prompt: str, model: str | None = None) -> Decision:
    """Route one prompt with the pretrained default router, loaded once on first call.

    The one-line form of ``Router.default().route(prompt, model)``; see
    :meth:`Router.route` for the arguments, the returned :class:`Decision` and the errors.
    """
    global _default_router
    if _default_router is None:
        with _default_lock:
            if _default_router is None:
                _default_router = Router.default()
    return _default_router.route(prompt, model)


def __getattr__(name: str) -> Any:
    """``wrap`` and ``decision_of``, imported on first use (``import budgetrouter`` stays light)."""
    if name in ("wrap", "decision_of"):
        import importlib

        value = getattr(importlib.import_module("budgetrouter.clients"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'budgetrouter' has no attribute {name!r}")

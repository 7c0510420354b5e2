"""budgetrouter: predict how many reasoning tokens a prompt needs and pick its thinking tier.

>>> from budgetrouter import Router  # doctest: +SKIP
>>> Router.load("models/default").route("What is 2 + 3?")  # doctest: +SKIP

The runtime (what runs before each request) is this package's top-level modules plus
``embedders`` and ``providers``; training-time code lives in ``budgetrouter.train``, MLflow in
``budgetrouter.tracking`` and the command line in ``budgetrouter.cli``. Routing never imports
those three.
"""

from budgetrouter import errors
from budgetrouter._version import __version__
from budgetrouter.config import RouterConfig, TrainConfig
from budgetrouter.decision import Decision, Tier, TierRules
from budgetrouter.policy import TierPolicy
from budgetrouter.router import Router

__all__ = [
    "Decision",
    "Router",
    "RouterConfig",
    "Tier",
    "TierPolicy",
    "TierRules",
    "TrainConfig",
    "__version__",
    "errors",
]

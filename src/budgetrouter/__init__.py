"""budgetrouter: predict how many reasoning tokens a prompt needs and pick its thinking tier.

>>> from budgetrouter import Router  # doctest: +SKIP
>>> Router.load("models/default").route("What is 2 + 3?")  # doctest: +SKIP
"""

from budgetrouter import errors
from budgetrouter._version import __version__
from budgetrouter.config import RouterConfig, TrainConfig
from budgetrouter.policy import Tier, TierPolicy
from budgetrouter.router import Decision, Router

__all__ = [
    "Decision",
    "Router",
    "RouterConfig",
    "Tier",
    "TierPolicy",
    "TrainConfig",
    "__version__",
    "errors",
]

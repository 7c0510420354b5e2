"""The one check for optional extras: import a module or say which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str | None, feature: str) -> ModuleType:
    """Import ``module``, or raise an ImportError naming the extra that provides it.

    Parameters
    ----------
    module
        Dotted module name, e.g. ``"mlflow"``.
    extra
        The budgetrouter extra that installs it, e.g. ``"track"``; ``None`` for a base
        dependency.
    feature
        What needs it, for the message, e.g. ``"Tracking"``.

    Raises
    ------
    ImportError
        ``"<feature> needs <module>: pip install 'budgetrouter[<extra>]'"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        target = "budgetrouter" if extra is None else f"'budgetrouter[{extra}]'"
        raise ImportError(f"{feature} needs {module.split('.')[0]}: pip install {target}") from exc

"""Checks at the routing edge: prompts, model names, and the decision cache's key.

Each check says what was wrong and how to fix it; :class:`~budgetrouter.Router` calls them
before any model runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from budgetrouter.errors import ConfigError

logger = logging.getLogger("budgetrouter.router")


def model_names(n: int, model: str | Sequence[str | None] | None) -> list[str | None]:
    """One checked model name (or ``None``) for each of ``n`` prompts.

    Parameters
    ----------
    n
        Number of prompts.
    model
        One name for every prompt, or a sequence (list, tuple, array, Series) with one name
        or ``None`` (NaN and ``pandas.NA`` count as ``None``) per prompt.

    Raises
    ------
    ConfigError
        For a container that is not one name per prompt, a length that does not match, or a
        name that :func:`check_model` refuses.
    """
    if model is None or isinstance(model, str):
        models: list[str | None] = [model] * n
    elif isinstance(model, bytes | dict | set | frozenset) or not hasattr(model, "__iter__"):
        raise ConfigError(
            "model must be one model name (a string), or a list with one name (or None) "
            f"per prompt; got {type(model).__name__}"
        )
    else:
        models = [None if _missing(m) else m for m in model]
        if len(models) != n:
            raise ConfigError(f"got {len(models)} model names for {n} prompts; give one each")
    for name in models:
        if name is not None:
            check_model(name)
    return models


def cache_key(prompt: str, model: str | None = None) -> bytes:
    """The decision cache's key of a prompt routed for ``model``."""
    text = prompt if model is None else f"{model}\x00{prompt}"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _missing(value: object) -> bool:
    """``None``, NaN or ``pandas.NA``: no model named for that prompt."""
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or type(value).__name__ == "NAType"
    )


def check_model(model: object) -> None:
    """Raise :class:`ConfigError` unless ``model`` is a non-empty, encodable string."""
    if not isinstance(model, str) or not model.strip() or model != model.strip():
        raise ConfigError(
            "model must be a non-empty string naming the model called, with no surrounding "
            f"spaces, got {model!r}"
        )
    try:
        model.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(
            f"model {model!r} is not valid text (an unpaired surrogate at character "
            f"{exc.start}); pass the model's name"
        ) from exc


def prompt_problem(prompt: object) -> str | None:
    """What makes ``prompt`` unroutable, with the fix, or ``None`` for a good prompt."""
    if not isinstance(prompt, str):
        return f"must be a string, got {type(prompt).__name__}; pass a non-empty string"
    if not prompt.strip():
        return "is empty; pass a non-empty string"
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"is not valid text: an unpaired surrogate {prompt[exc.start]!r} at character "
            f"{exc.start}; decode the text correctly or replace it (errors='replace')"
        )
    return None


def warn_unknown(
    unknown: Sequence[str], known: Sequence[str], strict: bool, warned: set[str]
) -> None:
    """Warn once per name about models a bundle does not know (``strict``: refuse them).

    Their decisions are model-agnostic; ``warned`` holds the names already warned about.

    Raises
    ------
    ConfigError
        With ``strict``, for the first unknown model.
    """
    for name in unknown:
        message = (
            f"model {name!r} is not one this bundle knows ({list(known)}); "
            "its decision is model-agnostic"
        )
        if strict:
            raise ConfigError(f"{message}. Pass one of the known models, or drop strict_model")
        if name not in warned:
            warned.add(name)
            logger.warning(message)

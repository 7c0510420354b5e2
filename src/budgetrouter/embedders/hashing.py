"""``hashing``: a dependency-free hashed bag-of-words embedder, for quick experiments."""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


class HashingEmbedder:
    """Hashed bag of lower-cased words and character trigrams, L2-normalised.

    Parameters
    ----------
    dim
        Output dimension.
    """

    _WORD = re.compile(r"\w+")

    def __init__(self, dim: int = 64) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise ConfigError(f"dim must be a positive integer, got {dim!r}")
        self.name = "hashing"
        self.dim = dim

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed prompts (float32, shape ``(len(prompts), dim)``)."""
        import numpy as np

        out = np.zeros((len(prompts), self.dim), dtype="float32")
        for i, prompt in enumerate(prompts):
            text = prompt.lower()
            grams = self._WORD.findall(text) + [text[j : j + 3] for j in range(len(text) - 2)]
            for gram in grams:
                h = zlib.crc32(gram.encode("utf-8"))
                out[i, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def spec(self) -> dict[str, Any]:
        """Name, revision and dimension."""
        return {"name": self.name, "revision": "crc32-words-trigrams-v1", "dim": self.dim}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> HashingEmbedder:
        """The embedder a bundle recorded (its dimension is a constructor setting)."""
        return cls(dim=spec["dim"])

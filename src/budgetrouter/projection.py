"""The embedding projection: principal components of the prompt embeddings.

One :class:`Projection` is fitted by every trainer (from the embeddings on one machine, from
their distributed mean and covariance on Dask), stored in the bundle, and applied by the router.
The sign of each component is fixed by one rule, so both fits give the same projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Principal components kept by default.
PROJECTION_DIM = 32


@dataclass(frozen=True, eq=False)
class Projection:
    """A linear projection ``(e - mean) @ components.T`` of embeddings.

    Attributes
    ----------
    mean
        Mean embedding, shape ``(d,)``.
    components
        Principal directions, shape ``(k, d)``, each with its largest loading positive.
    """

    mean: np.ndarray
    components: np.ndarray

    @property
    def dim(self) -> int:
        """Number of components ``k``."""
        return int(self.components.shape[0])

    def transform(self, embeddings: np.ndarray) -> np.ndarray:
        """Project embeddings of shape ``(n, d)`` to shape ``(n, k)``."""
        return (embeddings - self.mean) @ self.components.T

    @classmethod
    def fit(cls, embeddings: np.ndarray, dim: int = PROJECTION_DIM) -> Projection:
        """Principal components of ``embeddings`` (shape ``(n, d)``), at most ``dim`` of them."""
        import numpy as np

        mean = embeddings.mean(axis=0).astype("float64")
        k = _n_components(dim, embeddings.shape)
        _, _, vt = np.linalg.svd(embeddings - mean, full_matrices=False)
        return cls(mean, _fix_signs(vt[:k].astype("float64")))

    @classmethod
    def from_moments(
        cls, mean: np.ndarray, gram: np.ndarray, n: int, dim: int = PROJECTION_DIM
    ) -> Projection:
        """Principal components from the mean and ``X.T @ X`` of ``n`` embeddings.

        What a cluster can compute partition by partition (see the Dask trainer).
        """
        import numpy as np

        mean = np.asarray(mean, dtype="float64")
        cov = np.asarray(gram, dtype="float64") - n * np.outer(mean, mean)
        values, vectors = np.linalg.eigh(cov)
        k = _n_components(dim, (n, len(mean)))
        return cls(mean, _fix_signs(vectors[:, np.argsort(values)[::-1][:k]].T))


def _n_components(dim: int, shape: tuple[int, int]) -> int:
    return min(dim, shape[1], max(1, shape[0] - 1))


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """Flip each component so its largest loading is positive (a component's sign is arbitrary)."""
    import numpy as np

    rows = np.arange(len(components))
    signs = np.sign(components[rows, np.argmax(np.abs(components), axis=1)])
    return components * np.where(signs == 0, 1.0, signs)[:, None]

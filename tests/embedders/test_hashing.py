import numpy as np

from budgetrouter.embedders import HashingEmbedder


def test_hashing_embedder_is_deterministic_and_normalised():
    emb = HashingEmbedder(dim=32)
    a = emb.encode(["sort these numbers", "sort these numbers", "prove the theorem"])
    assert a.shape == (3, 32) and a.dtype == np.float32
    np.testing.assert_array_equal(a[0], a[1])
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)

import numpy as np
import pytest

from budgetrouter.features import TEXT_FEATURE_NAMES, prompt_features
from budgetrouter.projection import Projection


@pytest.fixture
def emb():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 16)) @ rng.normal(size=(16, 16))


def test_fit_and_moments_give_the_same_projection(emb):
    a = Projection.fit(emb, dim=5)
    b = Projection.from_moments(emb.mean(axis=0), emb.T @ emb, len(emb), dim=5)
    assert a.dim == b.dim == 5
    np.testing.assert_allclose(a.mean, b.mean)
    np.testing.assert_allclose(a.components, b.components, atol=1e-8)


def test_one_sign_rule(emb):
    comps = Projection.fit(emb, dim=6).components
    largest = comps[np.arange(6), np.argmax(np.abs(comps), axis=1)]
    assert np.all(largest > 0)
    flipped = Projection.fit(-emb, dim=6).components  # the data's sign does not matter
    np.testing.assert_allclose(np.abs(flipped), np.abs(comps), atol=1e-8)
    assert np.all(flipped[np.arange(6), np.argmax(np.abs(flipped), axis=1)] > 0)


def test_transform_and_features(emb):
    proj = Projection.fit(emb, dim=4)
    projected = proj.transform(emb)
    assert projected.shape == (200, 4)
    np.testing.assert_allclose(projected.mean(axis=0), 0.0, atol=1e-9)
    X = prompt_features([f"prompt {i}" for i in range(200)], emb, proj)
    assert X.shape == (200, len(TEXT_FEATURE_NAMES) + 4 + 1)  # + the kind of count
    np.testing.assert_allclose(X[:, len(TEXT_FEATURE_NAMES) : -1], projected)


def test_few_rows_keep_fewer_components():
    assert Projection.fit(np.eye(3, 8), dim=32).dim == 2

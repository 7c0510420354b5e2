import numpy as np
import pytest

from budgetrouter.features import (
    HIDDEN_FEATURE,
    TEXT_FEATURE_NAMES,
    build_features,
    feature_names,
    prompt_features,
    text_features,
)
from budgetrouter.projection import Projection


def test_feature_names_and_shape():
    emb = np.ones((2, 4), dtype="float32")
    X = build_features(["What is 2+2?", "Solve:\n1 2 3 4\n5 6 7 8\n9 1 2 3"], emb)
    assert X.shape == (2, len(TEXT_FEATURE_NAMES) + 4)
    assert feature_names(4)[-2:] == ["emb_3", HIDDEN_FEATURE]
    grid = dict(zip(TEXT_FEATURE_NAMES, X[1], strict=False))
    assert grid["has_grid"] == 1.0
    assert dict(zip(TEXT_FEATURE_NAMES, X[0], strict=False))["has_grid"] == 0.0


def test_text_features_are_cheap_on_huge_prompts():
    import time

    prompt = ("ab cd " * 20000) + "\n" + ("x" * 50000)
    start = time.perf_counter()
    feats = text_features(prompt)
    assert time.perf_counter() - start < 1.0  # guards against regex backtracking
    assert len(feats) == len(TEXT_FEATURE_NAMES)


def test_build_features_checks_lengths():
    with pytest.raises(ValueError, match="got 1 prompts but 2 embeddings"):
        build_features(["a"], np.zeros((2, 3)))


def test_prompt_features_end_with_the_kind_of_count():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(6, 8))
    projection = Projection.fit(emb)
    prompts = [f"prompt {i}" for i in range(6)]
    routed = prompt_features(prompts, emb, projection)
    assert routed.shape[1] == len(feature_names(projection.dim))
    assert (routed[:, -1] == 1.0).all()  # routing asks for hidden reasoning
    kinds = np.array([1, 0, 1, 0, 0, 1], dtype=float)
    trained = prompt_features(prompts, emb, projection, kinds)
    np.testing.assert_array_equal(trained[:, -1], kinds)
    np.testing.assert_array_equal(trained[:, :-1], routed[:, :-1])

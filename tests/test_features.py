import numpy as np
import pytest

from budgetrouter.features import TEXT_FEATURE_NAMES, build_features, feature_names, text_features


def test_feature_names_and_shape():
    emb = np.ones((2, 4), dtype="float32")
    X = build_features(["What is 2+2?", "Solve:\n1 2 3 4\n5 6 7 8\n9 1 2 3"], emb)
    assert X.shape == (2, len(TEXT_FEATURE_NAMES) + 4)
    assert feature_names(4)[-1] == "emb_3"
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

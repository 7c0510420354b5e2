from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from budgetrouter.embedders import EmbeddingCache, HashingEmbedder, get_embedder
from budgetrouter.errors import ConfigError
from budgetrouter.features import TEXT_FEATURE_NAMES, build_features, feature_names, text_features
from budgetrouter.model import BudgetCurveModel, NoThinkingClassifier, TokenBudgetRegressor

ROOT = Path(__file__).resolve().parents[1]


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


def test_hashing_embedder_is_deterministic_and_normalised():
    emb = HashingEmbedder(dim=32)
    a = emb.encode(["sort these numbers", "sort these numbers", "prove the theorem"])
    assert a.shape == (3, 32) and a.dtype == np.float32
    np.testing.assert_array_equal(a[0], a[1])
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)


def test_unknown_embedder_lists_choices():
    with pytest.raises(
        ConfigError,
        match=(
            r"Unknown embedder 'bert'. "
            r"Available: \['hashing', 'minilm', 'minilm-onnx', 'minilm-static'\]"
        ),
    ):
        get_embedder("bert")


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(dim=8)
        self.seen = []

    def encode(self, prompts, batch_size=32):
        self.seen += list(prompts)
        return super().encode(prompts, batch_size)


def test_embedding_cache_embeds_each_prompt_once(tmp_path):
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path)
    first = cache.encode(emb, ["a b", "c d", "a b"])
    assert emb.seen == ["a b", "c d"]
    second = EmbeddingCache(tmp_path).encode(emb, ["c d", "e f", "a b"])
    assert emb.seen == ["a b", "c d", "e f"]
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[2], first[0])


NEGATIVE_Y = "token counts must be >= 0; the check fits negative targets"
BINARY = "binary by design: labels are cast to bool (True = no reasoning needed)"
EXPECTED_FAILURES = {
    "TokenBudgetRegressor": {
        **dict.fromkeys(
            [
                "check_n_features_in_after_fitting",
                "check_regressors_train",
                "check_regressor_data_not_an_array",
                "check_regressors_no_decision_function",
                "check_fit_idempotent",
                "check_fit_check_is_fitted",
                "check_n_features_in",
            ],
            NEGATIVE_Y,
        ),
        "check_sample_weight_equivalence_on_dense_data": (
            "LightGBM's min_child_samples counts rows, not weight"
        ),
    },
    "NoThinkingClassifier": dict.fromkeys(
        [
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_classifiers_regression_target",
        ],
        BINARY,
    ),
}


@parametrize_with_checks(
    [
        TokenBudgetRegressor(n_estimators=5, min_child_samples=1),
        NoThinkingClassifier(n_estimators=5, min_child_samples=1),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_budget_curves_rise_with_the_budget():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    grid = np.array([0.0, 10.0, 100.0, np.inf])
    need = np.exp(3 + X[:, 0])  # tokens each prompt needs
    success = (need[:, None] <= grid[None, :]).astype(float)
    cost = np.minimum(need[:, None], grid[None, :])
    model = BudgetCurveModel(grid, n_estimators=30, min_child_samples=2).fit(
        X, success, cost, np.ones(60)
    )
    s, c = model.predict(X)
    assert s.shape == c.shape == (60, 4)
    assert np.all(np.diff(s, axis=1) >= -1e-12)
    assert np.all(np.diff(c, axis=1) >= -1e-9)
    assert np.all(c[:, 0] == 0)
    easy, hard = np.argmin(need), np.argmax(need)
    assert s[easy, 2] > s[hard, 2]


def run_fresh(code: str, home) -> str:
    """Run ``code`` in a new interpreter (``e`` = budgetrouter.embedders); its stdout."""
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", f"import budgetrouter.embedders as e, sys; {code}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BUDGETROUTER_HOME": str(home)},
    )
    return out.stdout.strip()


def test_onnx_int8_embedder_agrees_with_torch(tmp_path, monkeypatch):
    from budgetrouter.embedders import OnnxEmbedder, SentenceTransformerEmbedder

    monkeypatch.setenv("BUDGETROUTER_HOME", str(tmp_path))
    prompts = ["What is 2 + 3?", "Sort these numbers: 5 1 4", "x " * 600]
    onnx = OnnxEmbedder()
    assert onnx.path.is_file() and onnx.path.parent == tmp_path / "onnx"
    fast = onnx.encode(prompts, batch_size=2)
    ref = SentenceTransformerEmbedder().encode(prompts)
    assert fast.shape == ref.shape == (3, 384)
    assert np.min(np.sum(fast * ref, axis=1)) > 0.98  # cosine, per prompt
    assert OnnxEmbedder().spec() == onnx.spec()  # reuses the exported file
    # No torch at route time.
    assert run_fresh("e.OnnxEmbedder(); print('torch' in sys.modules)", tmp_path) == "False"


def test_static_embedder_is_distilled_once_and_needs_no_torch(tmp_path, monkeypatch):
    import pandas as pd

    from budgetrouter.embedders import SentenceTransformerEmbedder, StaticEmbedder

    monkeypatch.setenv("BUDGETROUTER_HOME", str(tmp_path))

    table = pd.read_parquet(ROOT / "data" / "reasoning-gym" / "prompts.parquet")
    pairs = table.groupby("family").head(2).head(60)
    family, prompts = pairs["family"].to_numpy(), pairs["prompt"].tolist()
    static = StaticEmbedder()
    assert static.path.parent == tmp_path / "onnx" and static.dim == 384
    vectors = static.encode(prompts)
    assert vectors.shape == (60, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-3)

    def same_family_neighbour(v):
        sims = v @ v.T
        np.fill_diagonal(sims, -np.inf)
        return np.mean(family[sims.argmax(axis=1)] == family)

    # What routing relies on: a prompt's nearest neighbour is of its own task family, about
    # as often as with MiniLM itself (0.85 against 0.88 here).
    rate = same_family_neighbour(vectors)
    assert rate >= 0.7
    assert rate >= same_family_neighbour(SentenceTransformerEmbedder().encode(prompts)) - 0.1
    assert StaticEmbedder().spec() == static.spec()  # reuses the distilled table
    assert static.encode([]).shape == (0, 384)
    code = "v = e.StaticEmbedder().encode(['hi']); print('torch' in sys.modules, v.shape)"
    assert run_fresh(code, tmp_path) == "False (1, 384)"  # no torch at route time


def test_static_embedder_rejects_a_folder_without_a_model(tmp_path):
    from budgetrouter.embedders import StaticEmbedder

    with pytest.raises(ConfigError, match=r"No model2vec model at .*model.safetensors missing"):
        StaticEmbedder(path=tmp_path)


def test_minilm_spec_reads_files_only(tmp_path):
    # A fully cached training run needs the embedder's identity, not its weights.
    code = "s = e.SentenceTransformerEmbedder().spec(); print('torch' in sys.modules, s['dim'])"
    assert run_fresh(code, tmp_path) == "False 384"
    emb = get_embedder("minilm")
    before = emb.spec()
    emb.encode(["What is 2 + 2?"])  # loads the weights
    assert emb.spec() == before
    assert before["name"] == "minilm" and len(before["revision"]) == 16

"""The fast embedders derived from the packaged MiniLM: minilm-onnx and minilm-static."""

import numpy as np
import pytest

from budgetrouter.embedders import OnnxEmbedder, SentenceTransformerEmbedder, StaticEmbedder
from budgetrouter.errors import ConfigError
from tests.conftest import ROOT
from tests.embedders.conftest import run_fresh


def test_onnx_int8_embedder_agrees_with_torch(tmp_path, monkeypatch):
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
    with pytest.raises(ConfigError, match=r"No model2vec model at .*model.safetensors missing"):
        StaticEmbedder(path=tmp_path)

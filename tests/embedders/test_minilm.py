import pytest

from budgetrouter.embedders import get_embedder
from budgetrouter.errors import ConfigError
from tests.embedders.conftest import run_fresh


def test_unknown_embedder_lists_choices():
    with pytest.raises(
        ConfigError,
        match=(
            r"Unknown embedder 'bert'. "
            r"Available: \['hashing', 'minilm', 'minilm-onnx', 'minilm-static', "
            r"'minilm-static-64'\]"
        ),
    ):
        get_embedder("bert")


def test_minilm_spec_reads_files_only(tmp_path):
    # A fully cached training run needs the embedder's identity, not its weights.
    code = "s = e.SentenceTransformerEmbedder().spec(); print('torch' in sys.modules, s['dim'])"
    assert run_fresh(code, tmp_path) == "False 384"
    emb = get_embedder("minilm")
    before = emb.spec()
    emb.encode(["What is 2 + 2?"])  # loads the weights
    assert emb.spec() == before
    assert before["name"] == "minilm" and len(before["revision"]) == 16

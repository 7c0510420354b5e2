"""``minilm-onnx``: all-MiniLM-L6-v2 exported to int8 ONNX, run without torch.

:func:`export_onnx_minilm` exports the packaged model once (needs torch and onnx);
:class:`OnnxEmbedder` runs the export with onnxruntime and ``tokenizers`` (the ``fast`` extra).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._optional import require
from budgetrouter.embedders.base import from_packaged_minilm

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

ONNX_RECIPE = "int8-per-channel-fused-opset17-v2"


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


class OnnxEmbedder:
    """all-MiniLM-L6-v2 as an int8 ONNX model run with onnxruntime and ``tokenizers``.

    No torch at route time. The ONNX file is exported once from the packaged model (see
    :func:`export_onnx_minilm`) into :func:`~budgetrouter.embedders.base.onnx_home`, keyed by
    the model's revision.

    Parameters
    ----------
    path
        An exported ``.onnx`` file; ``None`` uses (and on first use creates) the one exported
        from the packaged MiniLM.
    threads
        onnxruntime intra-op threads (``None``: its default).

    Raises
    ------
    ImportError
        If onnxruntime (the ``fast`` extra) is not installed.
    """

    def __init__(self, path: str | Path | None = None, threads: int | None = None) -> None:
        ort = require("onnxruntime", "fast", "The minilm-onnx embedder")
        from tokenizers import Tokenizer

        source, self._source_revision, self.path = from_packaged_minilm(
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

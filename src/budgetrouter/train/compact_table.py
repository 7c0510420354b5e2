"""Building the default embedder's compact table (``minilm-static-64``) from training prompts.

See :mod:`budgetrouter.embedders.compact` for what the table is and why it is kept in the
directions the prompts span.
"""

from __future__ import annotations

import logging
import numbers
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from budgetrouter._files import replace_folder
from budgetrouter.embedders.compact import COMPACT_DIMS, TABLE_FILE, TOKENIZER_FILE
from budgetrouter.errors import ConfigError

logger = logging.getLogger(__name__)

#: Dimensions of the full static MiniLM table.
FULL_DIMS = 384


def build_compact_table(prompts: Sequence[str], out: str | Path, dims: int = COMPACT_DIMS) -> Path:
    """Write the compact static table fitted to ``prompts``.

    Distils the full static table from the packaged MiniLM on first use (torch, about 20 s;
    the ``train`` extra), embeds ``prompts`` with it and keeps every row in the ``dims``
    leading right singular vectors (uncentred) of those embeddings.

    Parameters
    ----------
    prompts
        The prompts whose embeddings span the kept subspace (the bundled training prompts): a
        list of strings, at least ``dims`` of them with some text.
    out
        Destination folder: absent, empty, or a table written before (replaced only once the
        new one is complete). It receives ``table.npy`` (float16, shape ``(vocabulary, dims)``)
        and ``tokenizer.json``.
    dims
        Dimensions kept, an integer in 1..384.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ConfigError
        If ``prompts`` is not a list of strings with at least ``dims`` non-blank ones, ``dims``
        is not an integer in 1..384, or ``out`` holds anything else (it would be deleted).
    """
    import numpy as np

    from budgetrouter.embedders.minilm_static import StaticEmbedder

    texts = _check_prompts(prompts)
    if isinstance(dims, bool) or not isinstance(dims, numbers.Integral):
        raise ConfigError(f"dims must be an integer in 1..{FULL_DIMS}, got {dims!r}")
    if not 0 < dims <= FULL_DIMS:
        raise ConfigError(f"dims must be in 1..{FULL_DIMS}, got {dims!r}")
    if len(texts) < dims:
        raise ConfigError(
            f"{dims} dimensions need at least {dims} prompts with text, got {len(texts)}"
        )
    out = _check_out(Path(out))
    full = StaticEmbedder()
    emb = full.encode(texts).astype("float64")
    _, _, vt = np.linalg.svd(emb, full_matrices=False)
    basis = vt[:dims] * np.sign(vt[:dims].sum(axis=1, keepdims=True) + 1e-12)
    rows = np.asarray(full.table(), dtype="float64")
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        staged = Path(tmp) / "table"
        staged.mkdir()
        np.save(staged / TABLE_FILE, (rows @ basis.T).astype("float16"))
        shutil.copyfile(full.path / TOKENIZER_FILE, staged / TOKENIZER_FILE)
        replace_folder(staged, out)
    logger.info("wrote the %d-dimensional static table for %d prompts to %s", dims, len(texts), out)
    return out


def _check_prompts(prompts: Sequence[str]) -> list[str]:
    if isinstance(prompts, str | bytes) or not isinstance(prompts, Sequence):
        raise ConfigError(
            f"prompts must be a list of strings, got {type(prompts).__name__}; pass list(...)"
        )
    bad = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
    if bad:
        raise ConfigError(
            f"prompts must all be strings; item {bad[0]} is {type(prompts[bad[0]]).__name__}"
        )
    for i, p in enumerate(prompts):
        try:
            p.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ConfigError(
                f"prompt {i} is not valid text (an unpaired surrogate at character {exc.start})"
            ) from exc
    return [p for p in prompts if p.strip()]


def _check_out(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; give a folder for the table")
    if out.is_dir():
        extra = sorted(p.name for p in out.iterdir() if p.name not in (TABLE_FILE, TOKENIZER_FILE))
        if extra:
            raise ConfigError(
                f"{out} holds other files ({', '.join(extra[:3])}): writing the table there "
                "would delete them; choose an empty or new folder"
            )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ConfigError(f"cannot create {out.parent}: a file is in the way ({exc})") from exc
    return out

"""File helpers of the bundle writer: a file's sha256 and an atomic swap of folders."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The sha256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def replace_folder(tmp: Path, path: Path) -> None:
    """Put the finished folder ``tmp`` at ``path``, replacing what is there.

    The old folder is moved aside first and removed only once the new one is in place; if the
    swap fails, the old folder is put back and the error raised.
    """
    if not path.exists():
        tmp.rename(path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
    try:
        path.rename(old / path.name)
        tmp.rename(path)
    except OSError:
        if (old / path.name).exists() and not path.exists():
            (old / path.name).rename(path)  # put the previous folder back
        raise
    finally:
        if path.exists():  # the new folder, or the previous one put back
            shutil.rmtree(old, ignore_errors=True)

"""File helpers: a file's sha256, an atomic swap of folders, JSONL lines one by one."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from budgetrouter.errors import DataError


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


def jsonl_lines(path: str | Path) -> list[tuple[int, Any, str | None]]:
    """Each non-blank line of a JSONL file: its 1-based number, its object, and its problem.

    The problem is ``None`` for a JSON object, else what is wrong with the line (not UTF-8,
    not JSON, not an object; its object is then ``None``): one bad line does not hide the
    others. A byte-order mark before the first line is skipped.

    Raises
    ------
    DataError
        If the file cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            raw = list(enumerate(handle, start=1))
    except OSError as exc:
        raise DataError(str(path), f"cannot be read ({exc})") from exc
    out: list[tuple[int, Any, str | None]] = []
    for lineno, data in raw:
        try:  # line by line, so that one undecodable line does not hide the others
            line = data.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            out.append((lineno, None, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})"))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append((lineno, None, f"invalid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            out.append((lineno, None, "each line must be a JSON object"))
            continue
        out.append((lineno, record, None))
    return out

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


#: The problem of a line that is a row cut off mid-write (its writer killed), as
#: :func:`jsonl_lines` reports it.
TORN = "a torn line (a row cut off mid-write, its writer stopped)"
#: How every row of an outcome log begins (:meth:`budgetrouter.outcomes.OutcomeLog.record`).
ROW_START = '{"prompt": '


def _torn(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether ``text``, which is not JSON, reads as an outcome-log row cut short."""
    body = text.rstrip()
    if ROW_START.startswith(body):
        return True
    return body.startswith(ROW_START) and (
        exc.msg.startswith("Unterminated string") or exc.pos >= len(body) or not body.endswith("}")
    )


def _split_torn(text: str) -> tuple[str, dict[str, Any]] | None:
    """A torn row with a whole row written on after it: (the torn part, the whole row)."""
    at = text.find(ROW_START, 1)
    while at > 0:
        try:
            record = json.loads(text[at:])
        except json.JSONDecodeError:
            at = text.find(ROW_START, at + 1)
            continue
        return (text[:at], record) if isinstance(record, dict) else None
    return None


def jsonl_lines(path: str | Path) -> list[tuple[int, Any, str | None]]:
    """Each non-blank line of a JSONL file: its 1-based number, its object, and its problem.

    The problem is ``None`` for a JSON object, else what is wrong with the line (not UTF-8,
    not JSON, not an object; its object is then ``None``): one bad line does not hide the
    others. A byte-order mark before the first line is skipped. A line that is an outcome-log
    row (:data:`ROW_START`) cut off mid-write has the problem :data:`TORN`; one with a whole
    row written on after the torn part (a writer that did not end the torn line first) gives
    two entries of its number, the torn part and the row.

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
            # a write cut inside a multi-byte character leaves the last line undecodable
            end = len(data.rstrip(b"\r\n"))
            cut = data.startswith(ROW_START.encode()) and end - exc.start < 4
            why = TORN if cut else f"not valid UTF-8 text ({exc.reason} at byte {exc.start})"
            out.append((lineno, None, why))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            glued = _split_torn(line)
            if glued is not None:
                out += [(lineno, None, TORN), (lineno, glued[1], None)]
            else:
                out.append(
                    (lineno, None, TORN if _torn(line, exc) else f"invalid JSON ({exc.msg})")
                )
            continue
        if not isinstance(record, dict):
            out.append((lineno, None, "each line must be a JSON object"))
            continue
        out.append((lineno, record, None))
    return out

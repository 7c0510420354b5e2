"""Writing and verifying a router bundle.

With :mod:`budgetrouter.bundle_load` (which parses a verified one), the only code that reads or
writes a bundle folder.

A bundle is a folder::

    manifest.json      format version, library versions, embedder, features, policy, training
                       config, data digest, metrics, and the sha256 of every other file
    success.txt        LightGBM text model: success rate under a budget
    cost.txt           LightGBM text model: tokens paid under a budget
    median.txt         LightGBM text model: median of log1p(needed tokens)
    upper.txt          LightGBM text model: upper quantile of log1p(needed tokens)
    no_thinking.txt    LightGBM text model: probability that no thinking is needed
    projection.npz     embedding projection (mean and components), read without pickle

Model-aware bundles also record, in the manifest, where each known model's levels sit on the
demand scale and the share a level must reach (:class:`~budgetrouter.level_model.LevelModel`).

:func:`read_manifest` checks the format version, that every expected file is present, and every
hash; :func:`~budgetrouter.bundle_load.load_bundle` calls it before it parses anything, and
nothing is ever unpickled. :func:`save_bundle` takes a router's parts (embedder, models, policy).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._files import replace_folder, sha256_of
from budgetrouter._version import __version__, library_versions, version_tuple
from budgetrouter.errors import BundleError

if TYPE_CHECKING:
    from budgetrouter.embedders import Embedder
    from budgetrouter.level_model import LevelModel
    from budgetrouter.model import RouterModels
    from budgetrouter.policy import TierPolicy

logger = logging.getLogger(__name__)

FORMAT_VERSION = 4
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Layout:
    """The files a bundle of this format holds, besides the manifest."""

    boosters: tuple[str, ...] = ("success", "cost", "median", "upper", "no_thinking")

    def files(self) -> list[str]:
        """Every file name except the manifest."""
        return [f"{b}.txt" for b in self.boosters] + ["projection.npz"]


LAYOUT = Layout()


def _manifest_digest(manifest: Mapping[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bundle_version(hashes: Mapping[str, str], manifest_sha: str) -> str:
    """A bundle's version: 12 hex digits over its manifest digest and every file's sha256."""
    joined = manifest_sha + "".join(f"{k}:{hashes[k]}" for k in sorted(hashes))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def save_bundle(
    path: str | Path,
    embedder: Embedder,
    models: RouterModels,
    policy: TierPolicy,
    manifest: Mapping[str, Any],
    levels: LevelModel | None = None,
) -> str:
    """Write a router's parts as a bundle, atomically (a temporary folder renamed into place).

    The embedder is recorded by reference (name, revision, dimension), the policy, the known
    models of ``levels`` (with their prices) and ``manifest`` (other JSON-ready content) in the
    manifest, with the format fields and the
    hash of every file; an existing bundle at ``path`` is replaced. Returns the new bundle's
    version (a short content digest).
    """
    import numpy as np

    path = Path(path)
    boosters = {
        "success": models.curves.success_booster_,
        "cost": models.curves.cost_booster_,
        "median": models.median.booster_,
        "upper": models.upper.booster_,
        "no_thinking": models.no_thinking.booster_,
    }
    check_writable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # as a plain mkdir would: readable by the serving user
    try:
        for name, booster in boosters.items():
            booster.save_model(str(tmp / f"{name}.txt"))
        with open(tmp / "projection.npz", "wb") as handle:
            np.savez(handle, mean=models.projection.mean, components=models.projection.components)
        hashes = {f: sha256_of(tmp / f) for f in LAYOUT.files()}
        full = {
            **manifest,
            "embedder": embedder.spec(),
            "policy": policy.to_dict(),
            "levels": levels.to_dict() if levels is not None else None,
            "format_version": FORMAT_VERSION,
            "versions": library_versions(),
            "files": hashes,
        }
        full["manifest_sha256"] = _manifest_digest(full)
        with open(tmp / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(full, handle, indent=2, sort_keys=True, allow_nan=False)
            handle.write("\n")
        replace_folder(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    version = bundle_version(hashes, full["manifest_sha256"])
    logger.info("saved bundle %s (version %s)", path, version)
    return version


def check_writable(path: str | Path) -> None:
    """Raise :class:`BundleError` unless ``path`` is free, an empty folder or a bundle.

    Anything else there would be deleted by writing a bundle.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir() and ((path / MANIFEST).is_file() or not any(path.iterdir())):
        return
    raise BundleError(
        f"{path} exists and is not a bundle folder: writing a bundle there would delete it. "
        "Choose another folder, or remove it first"
    )


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check a bundle's manifest and file hashes, without parsing the models.

    Raises
    ------
    BundleError
        If the folder or a file is missing, the manifest is not valid JSON, the format
        version is unknown or newer than this library, or any hash does not match.
    """
    path = Path(path)
    if not path.is_dir():
        raise BundleError(
            f"No bundle at {path}: not a folder. Train one with `budgetrouter train --out {path}`"
        )
    manifest_file = path / MANIFEST
    if not manifest_file.is_file():
        raise BundleError(f"{path} is not a bundle: {MANIFEST} is missing")
    try:
        with open(manifest_file, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(
            f"{manifest_file} is not valid JSON ({exc}); the bundle is damaged"
        ) from exc
    if not isinstance(manifest, dict):
        raise BundleError(f"{manifest_file} must hold a JSON object; the bundle is damaged")
    fmt = manifest.get("format_version")
    if not isinstance(fmt, int):
        raise BundleError(f"{manifest_file} has no integer format_version; the bundle is damaged")
    if fmt > FORMAT_VERSION:
        made_by = manifest.get("versions", {}).get("budgetrouter", "a newer budgetrouter")
        raise BundleError(
            f"{path} has bundle format {fmt}, made by budgetrouter {made_by}; this budgetrouter "
            f"({__version__}) reads format {FORMAT_VERSION}. Upgrade budgetrouter to load it"
        )
    if fmt < FORMAT_VERSION:
        raise BundleError(
            f"{path} has bundle format {fmt}, from an older budgetrouter; this budgetrouter "
            f"({__version__}) reads format {FORMAT_VERSION}. Retrain the bundle with "
            "`budgetrouter train`"
        )
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise BundleError(
            f"{manifest_file} does not match its recorded digest: it was edited or damaged. "
            "Restore the bundle or retrain it"
        )
    hashes = manifest.get("files")
    expected = LAYOUT.files()
    if not isinstance(hashes, dict) or sorted(hashes) != sorted(expected):
        raise BundleError(f"{manifest_file} must list hashes for exactly {expected}")
    missing = [f for f in expected if not (path / f).is_file()]
    if missing:
        raise BundleError(f"{path} is incomplete: missing {missing}. Restore or retrain the bundle")
    for name in expected:
        actual = sha256_of(path / name)
        if actual != hashes[name]:
            raise BundleError(
                f"{path / name} does not match the sha256 in {MANIFEST} (expected "
                f"{hashes[name][:12]}…, got {actual[:12]}…): the file was changed, truncated or "
                "damaged. Restore the bundle or retrain it"
            )
    made = str(manifest.get("versions", {}).get("budgetrouter", "0"))
    if version_tuple(made) > version_tuple(__version__):
        logger.warning(
            "bundle %s was made by budgetrouter %s, newer than %s", path, made, __version__
        )
    return manifest

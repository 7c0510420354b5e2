"""Parsing a verified bundle folder into a router's parts, and where the packaged one is.

:func:`load_bundle` verifies the folder with :func:`budgetrouter.bundle.read_manifest` (format
version, files, hashes) before it parses anything, then checks that every model fits the
features the router builds. Nothing is ever unpickled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.booster_text import checked_model_text
from budgetrouter.bundle import LAYOUT, bundle_version, read_manifest
from budgetrouter.errors import BundleError

if TYPE_CHECKING:
    from budgetrouter.embedders import Embedder
    from budgetrouter.level_model import LevelModel
    from budgetrouter.model import RouterModels
    from budgetrouter.policy import TierPolicy
    from budgetrouter.projection import Projection


@dataclass(frozen=True)
class BundleContents:
    """What a bundle holds, parsed into a router's parts.

    The embedder is checked against the manifest; ``version`` is a short content digest.
    """

    manifest: dict[str, Any]
    embedder: Embedder
    models: RouterModels
    policy: TierPolicy
    version: str
    levels: LevelModel | None = None


def _check_boosters(path: Path, boosters: Mapping[str, Any], projection_dim: int) -> None:
    """Each booster predicts one value per row from the features the router builds."""
    from budgetrouter.features import feature_names

    features = len(feature_names(projection_dim))
    for name, booster in boosters.items():
        expected = features + 1 if name in ("success", "cost") else features  # + the budget
        if booster.num_model_per_iteration() != 1 or booster.num_feature() != expected:
            raise BundleError(
                f"{path / name}.txt is not this bundle's model: it takes "
                f"{booster.num_feature()} features and gives {booster.num_model_per_iteration()} "
                f"value(s) per row, where {expected} features and one value are expected; "
                "retrain the bundle"
            )


def _read_projection(file: Path) -> Projection:
    """The bundle's embedding projection: a finite mean ``(d,)`` and components ``(k, d)``."""
    import zipfile

    import numpy as np

    from budgetrouter.projection import Projection

    try:
        with np.load(file, allow_pickle=False) as data:
            mean, components = np.asarray(data["mean"]), np.asarray(data["components"])
    except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{file} cannot be read: {type(exc).__name__}: {exc}") from exc
    shapes_fit = (
        mean.ndim == 1 and components.ndim == 2 and components.shape[1] == mean.shape[0] > 0
    )
    if not shapes_fit or components.shape[0] < 1:
        raise BundleError(
            f"{file} holds a mean of shape {mean.shape} and components of shape "
            f"{components.shape}; a mean (d,) and components (k, d) are expected"
        )
    kinds = (mean.dtype.kind, components.dtype.kind)
    if kinds != ("f", "f") or not (np.isfinite(mean).all() and np.isfinite(components).all()):
        raise BundleError(f"{file} holds values that are not finite floating-point numbers")
    return Projection(mean, components)


def default_bundle_path() -> Path:
    """Folder of the pretrained default bundle inside the installed package."""
    return Path(__file__).resolve().parent / "resources" / "default"


def load_bundle(path: str | Path) -> BundleContents:
    """Verify the bundle folder at ``path``, then parse it into a router's parts.

    Raises
    ------
    BundleError
        As :func:`read_manifest`, or if a verified file still cannot be parsed.
    ConfigError
        If the bundle's embedder is unknown here or differs from the one it was trained with.
    """
    import lightgbm
    import numpy as np

    from budgetrouter.boosters import BoosterModel
    from budgetrouter.curves import BudgetCurveModel
    from budgetrouter.embedders import embedder_from_spec
    from budgetrouter.model import RouterModels
    from budgetrouter.policy import TierPolicy

    path = Path(path)
    manifest = read_manifest(path)
    b = {}
    for name in LAYOUT.boosters:
        text = checked_model_text(path / f"{name}.txt")  # LightGBM trusts what it parses
        try:
            b[name] = lightgbm.Booster(model_str=text)
        except lightgbm.basic.LightGBMError as exc:
            raise BundleError(f"{path / name}.txt is not a LightGBM model: {exc}") from exc
    projection = _read_projection(path / "projection.npz")
    _check_boosters(path, b, projection.dim)
    try:
        policy = TierPolicy.from_dict(manifest["policy"])
        levels = None
        if manifest.get("levels"):
            from budgetrouter.level_model import LevelModel

            levels = LevelModel.from_dict(manifest["levels"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleError(
            f"{path / 'manifest.json'}: its policy or model levels cannot be read "
            f"({type(exc).__name__}: {exc}); retrain the bundle"
        ) from exc
    models = RouterModels(
        curves=BudgetCurveModel.from_boosters(np.array(policy.grid), b["success"], b["cost"]),
        median=BoosterModel(b["median"], "tokens"),
        upper=BoosterModel(b["upper"], "tokens"),
        no_thinking=BoosterModel(b["no_thinking"], "share"),
        projection=projection,
    )
    version = bundle_version(manifest["files"], manifest["manifest_sha256"])
    try:
        embedder = embedder_from_spec(manifest["embedder"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise BundleError(
            f"{path / 'manifest.json'}: its embedder cannot be read ({type(exc).__name__}: "
            f"{exc}); retrain the bundle"
        ) from exc
    return BundleContents(
        manifest=manifest,
        embedder=embedder,
        models=models,
        policy=policy,
        version=version,
        levels=levels,
    )

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

from budgetrouter.bundle import LAYOUT, bundle_version, read_manifest
from budgetrouter.errors import BundleError

if TYPE_CHECKING:
    from budgetrouter.embedders import Embedder
    from budgetrouter.level_model import LevelModel
    from budgetrouter.model import RouterModels
    from budgetrouter.policy import TierPolicy


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
    from budgetrouter.projection import Projection

    path = Path(path)
    manifest = read_manifest(path)
    b = {}
    for name in LAYOUT.boosters:
        try:
            b[name] = lightgbm.Booster(model_file=str(path / f"{name}.txt"))
        except lightgbm.basic.LightGBMError as exc:
            raise BundleError(f"{path / name}.txt is not a LightGBM model: {exc}") from exc
    try:
        with np.load(path / "projection.npz", allow_pickle=False) as data:
            projection = Projection(data["mean"], data["components"])
    except (ValueError, OSError, KeyError) as exc:
        raise BundleError(f"{path / 'projection.npz'} cannot be read: {exc}") from exc
    _check_boosters(path, b, projection.dim)
    policy = TierPolicy.from_dict(manifest["policy"])
    models = RouterModels(
        curves=BudgetCurveModel.from_boosters(np.array(policy.grid), b["success"], b["cost"]),
        median=BoosterModel(b["median"], "tokens"),
        upper=BoosterModel(b["upper"], "tokens"),
        no_thinking=BoosterModel(b["no_thinking"], "share"),
        projection=projection,
    )
    levels = None
    if manifest.get("levels"):
        from budgetrouter.level_model import LevelModel

        levels = LevelModel.from_dict(manifest["levels"])
    version = bundle_version(manifest["files"], manifest["manifest_sha256"])
    return BundleContents(
        manifest=manifest,
        embedder=embedder_from_spec(manifest["embedder"]),
        models=models,
        policy=policy,
        version=version,
        levels=levels,
    )

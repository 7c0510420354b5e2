"""Routing's booster calls: LightGBM's C prediction, called directly, equals booster.predict."""

from __future__ import annotations

import json
import shutil

import lightgbm
import numpy as np
import pytest

from budgetrouter.boosters import BoosterModel, booster_predict
from budgetrouter.bundle_load import default_bundle_path, load_bundle
from budgetrouter.errors import BundleError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)


def test_the_c_call_equals_predict_on_any_layout(data):
    X, y = data
    booster = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, y.astype(float)), 10)
    rows = np.random.default_rng(1).normal(size=(50, 4))
    for given in (
        rows,
        rows.astype("float32"),
        np.asfortranarray(rows),
        rows[::2],
        rows[:0],
        np.where(rows > 1, np.nan, rows),
    ):
        np.testing.assert_array_equal(booster_predict(booster, given), booster.predict(given))


def test_a_multiclass_booster_is_predicted_by_lightgbm_itself(data):
    X, y = data
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1}
    booster = lightgbm.train(params, lightgbm.Dataset(X, y), 5)
    rows = np.random.default_rng(2).normal(size=(1000, 4))
    np.testing.assert_array_equal(booster_predict(booster, rows), booster.predict(rows))


def test_a_booster_model_takes_a_known_link(data):
    X, y = data
    booster = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, y.astype(float)), 2)
    with pytest.raises(ValueError, match="link must be 'tokens' or 'share'"):
        BoosterModel(booster, "weird")  # type: ignore[arg-type]


def test_a_bundle_with_a_foreign_booster_is_refused(tmp_path, data):
    from budgetrouter._files import sha256_of
    from budgetrouter.bundle import MANIFEST

    X, y = data
    bundle = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), bundle)
    foreign = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, y.astype(float)), 2)
    foreign.save_model(str(bundle / "median.txt"))
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"]["median.txt"] = sha256_of(bundle / "median.txt")  # re-signed
    manifest.pop("manifest_sha256")
    from budgetrouter.bundle import _manifest_digest  # the bundle's own signing

    manifest["manifest_sha256"] = _manifest_digest(manifest)
    (bundle / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="median.txt is not this bundle's model: it takes 4"):
        load_bundle(bundle)

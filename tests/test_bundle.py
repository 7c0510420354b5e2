import json
import shutil

import pytest

from budgetrouter import Router
from budgetrouter.bundle import FORMAT_VERSION, MANIFEST, _manifest_digest
from budgetrouter.errors import BundleError
from tests.test_router import PROMPTS


def test_round_trip_gives_identical_decisions(tiny_result, tmp_path):
    router = tiny_result.router
    router.save(tmp_path / "a")
    again = Router.load(tmp_path / "a")
    assert again.version == router.version
    assert again.route_batch(PROMPTS) == router.route_batch(PROMPTS)
    again.save(tmp_path / "b")  # saving a loaded router reproduces the same bundle
    assert Router.load(tmp_path / "b").version == again.version


def test_save_replaces_an_existing_bundle(tiny_result, tmp_path):
    tiny_result.router.save(tmp_path / "b")
    (tmp_path / "b" / "stray.txt").write_text("x")
    tiny_result.router.save(tmp_path / "b")
    assert not (tmp_path / "b" / "stray.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.fixture
def copy(tiny_bundle, tmp_path):
    target = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, target)
    return target


def test_missing_bundle(tmp_path):
    with pytest.raises(BundleError, match="not a folder. Train one"):
        Router.load(tmp_path / "nope")


def test_missing_manifest(copy):
    (copy / MANIFEST).unlink()
    with pytest.raises(BundleError, match="manifest.json is missing"):
        Router.load(copy)


def test_missing_file(copy):
    (copy / "cost.txt").unlink()
    with pytest.raises(BundleError, match=r"incomplete: missing \['cost.txt'\]"):
        Router.load(copy)


def test_truncated_model(copy):
    data = (copy / "success.txt").read_bytes()
    (copy / "success.txt").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="success.txt does not match the sha256"):
        Router.load(copy)


def test_tampered_model(copy):
    text = (copy / "median.txt").read_text()
    (copy / "median.txt").write_text(text.replace("leaf_value=", "leaf_value=9", 1))
    with pytest.raises(BundleError, match="median.txt does not match the sha256"):
        Router.load(copy)


def test_tampered_array(copy):
    (copy / "projection.npz").write_bytes(b"\x00" * 10)
    with pytest.raises(BundleError, match="projection.npz does not match"):
        Router.load(copy)


def test_edited_manifest(copy):
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["policy"]["price"] = 0.5
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="does not match its recorded digest"):
        Router.load(copy)


def test_manifest_not_json(copy):
    (copy / MANIFEST).write_text("{oops")
    with pytest.raises(BundleError, match="not valid JSON"):
        Router.load(copy)


def test_too_new_format(copy):
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=f"format {FORMAT_VERSION + 1}.*Upgrade budgetrouter"):
        Router.load(copy)


def test_loading_never_unpickles(copy, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a bundle must load without pickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    Router.load(copy).route(PROMPTS[0])


def test_older_format_asks_for_a_retrain(copy):
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION - 1
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    (copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=f"format {FORMAT_VERSION - 1}, from an older.*Retrain"):
        Router.load(copy)


def test_saving_over_something_else_is_refused_and_keeps_it(tiny_result, tmp_path):
    notes = tmp_path / "precious"
    notes.mkdir()
    (notes / "notes.txt").write_text("important")
    with pytest.raises(BundleError, match="exists and is not a bundle folder"):
        tiny_result.router.save(notes)
    assert (notes / "notes.txt").read_text() == "important"
    a_file = tmp_path / "model.py"
    a_file.write_text("x = 1")
    with pytest.raises(BundleError, match="would delete it"):
        tiny_result.router.save(a_file)
    assert a_file.read_text() == "x = 1"
    empty = tmp_path / "empty"
    empty.mkdir()
    tiny_result.router.save(empty)  # an empty folder is fine
    assert Router.load(empty).version == tiny_result.router.version


def test_saved_bundle_follows_the_umask(tiny_result, tmp_path):
    import os

    tiny_result.router.save(tmp_path / "shared")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o777 & ~umask

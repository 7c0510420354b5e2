import json
import shutil
import subprocess
import sys
import threading

import pytest

from budgetrouter import Decision, Router, RouterConfig
from budgetrouter.bundle import FORMAT_VERSION, MANIFEST
from budgetrouter.errors import BundleError, PromptError

PROMPTS = [
    "Task add #0: solve for these 2 numbers: 4 7",
    "Task sort #1: solve for these 35 numbers: " + " ".join(str(i) for i in range(35)),
    "What is the capital of France?",
]


@pytest.fixture
def router(tiny_bundle):
    return Router.load(tiny_bundle)


def test_route_returns_a_decision(router):
    d = router.route(PROMPTS[0])
    assert isinstance(d, Decision)
    assert d.tier in ("none", "short", "long")
    assert d.budget_tokens is None or d.budget_tokens >= 0
    assert d.predicted_tokens_high >= d.predicted_tokens >= 0
    assert 0 <= d.p_no_thinking <= 1
    assert d.fallback is False
    assert d.bundle_version == router.version
    assert set(d.to_dict()) >= {"tier", "budget_tokens", "predicted_tokens", "fallback"}


def test_more_work_predicts_more_tokens(router):
    small, large = router.route_batch(PROMPTS[:2])
    assert large.predicted_tokens > small.predicted_tokens


def test_batch_matches_single(router):
    assert router.route_batch(PROMPTS) == [router.route(p) for p in PROMPTS]


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        (None, "must be a string, got NoneType"),
        (3, "must be a string, got int"),
    ],
)
def test_bad_prompts_raise(router, prompt, message):
    with pytest.raises(PromptError, match=message):
        router.route(prompt)


def test_route_batch_rejects_a_bare_string(router):
    with pytest.raises(PromptError, match="use route"):
        router.route_batch("one prompt")


def test_fallback_tier_instead_of_raising(tiny_bundle, caplog):
    router = Router.load(tiny_bundle, RouterConfig(fallback_tier="long"))
    decisions = router.route_batch([PROMPTS[0], "", PROMPTS[2]])
    assert [d.fallback for d in decisions] == [False, True, False]
    assert decisions[1].tier == "long" and decisions[1].predicted_tokens is None
    assert "prompt 1 is empty" in caplog.text
    assert decisions[0] == router.route(PROMPTS[0])


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


def test_thread_safety(router):
    prompts = [f"{p} (variant {i})" for i in range(8) for p in PROMPTS]
    expected = [router.route(p) for p in prompts]
    results: dict[int, list[Decision]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = [router.route(p) for p in prompts]
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(results[k] == expected for k in range(6))


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
    from budgetrouter.bundle import _manifest_digest

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


def test_import_is_light():
    code = (
        "import sys, budgetrouter; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'mlflow', 'lightgbm', 'sklearn') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_repeated_prompts_come_from_the_cache(tiny_bundle, monkeypatch):
    router = Router.load(tiny_bundle, RouterConfig(cache_size=2))
    calls = []
    original = router._predict
    monkeypatch.setattr(router, "_predict", lambda ps: calls.append(list(ps)) or original(ps))
    first = router.route(PROMPTS[0])
    assert router.route(PROMPTS[0]) is first
    assert router.route_batch([PROMPTS[0], PROMPTS[1]])[0] is first
    assert calls == [[PROMPTS[0]], [PROMPTS[1]]]
    router.route(PROMPTS[2])  # evicts the least recently used (PROMPTS[0])
    router.route(PROMPTS[0])
    assert calls[-1] == [PROMPTS[0]]


def test_cache_can_be_switched_off(tiny_bundle, monkeypatch):
    router = Router.load(tiny_bundle, RouterConfig(cache_size=0))
    calls = []
    original = router._predict
    monkeypatch.setattr(router, "_predict", lambda ps: calls.append(1) or original(ps))
    router.route(PROMPTS[0])
    router.route(PROMPTS[0])
    assert len(calls) == 2

"""Every damaged file of a bundle whose hashes were recomputed over the damage is a BundleError.

The damage is re-signed (file hashes and manifest digest recomputed), so only the parsing stands
between it and LightGBM or numpy. The loads run in a child process: a LightGBM abort, a crash or
a hang there fails the test instead of taking the suite down.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from budgetrouter._files import sha256_of
from budgetrouter.bundle import MANIFEST, _manifest_digest

ACCEPTED = ("BundleError", "ConfigError")


def resign(bundle):
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"] = {name: sha256_of(bundle / name) for name in manifest["files"]}
    manifest.pop("manifest_sha256")
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    (bundle / MANIFEST).write_text(json.dumps(manifest))


def _sub(pattern, repl, count=1):
    return lambda text: re.sub(pattern, repl, text, count=count, flags=re.M)


TEXT_DAMAGE = {
    "split on a feature it lacks": _sub(r"^split_feature=\d+", "split_feature=999"),
    "child past the tree": _sub(r"^left_child=-?\d+", "left_child=57"),
    "child back to the root": _sub(r"^left_child=-?\d+", "left_child=0"),
    "leaf twice": _sub(r"^right_child=(-?\d+) (-?\d+)", r"right_child=\1 \1"),
    "more leaves than values": _sub(r"^num_leaves=\d+", "num_leaves=40"),
    "one leaf value": _sub(r"^(leaf_value=\S+) .*", r"\1"),
    "wrong tree sizes": _sub(r"^tree_sizes=\d+", "tree_sizes=99999"),
    "categorical split": _sub(r"^decision_type=\d+", "decision_type=1"),
    "categorical count": _sub(r"^num_cat=0", "num_cat=3"),
    "fewer features": _sub(r"^max_feature_idx=\d+", "max_feature_idx=3"),
    "two outputs": _sub(r"^num_class=1", "num_class=2"),
    "two trees per iteration": _sub(r"^num_tree_per_iteration=1", "num_tree_per_iteration=2"),
    "NaN leaf": _sub(r"^leaf_value=\S+", "leaf_value=nan"),
    "word in a number": _sub(r"^threshold=\S+", "threshold=abc"),
    "half the file": lambda text: text[: len(text) // 2],
    "no end": lambda text: text.replace("end of trees", ""),
    "empty": lambda text: "",
    "no header": lambda text: text[text.index("Tree=0") :],
    "linear tree": _sub(r"^is_linear=0", "is_linear=1"),
    "end marker inside a tree, a bad tree after it": lambda text: (
        _sub(r"^split_feature=\d+", "split_feature=100000000")(
            text.replace(
                "shrinkage=1\n\n\nTree=1\n", "shrinkage=1\nnote=end of trees\n\n\nTree=1\n", 1
            )
        )
        if "shrinkage=1\n\n\nTree=1\n" in text
        else text.replace("Tree=0", "Tree=0\nnote=end of trees", 1)
    ),
    "a second split_feature after a blank line": _sub(
        r"^(split_feature=.*)$", "split_feature=999999\n\n\\1"
    ),
    "a file separator in a line": lambda text: text.replace("leaf_value=", "leaf_value=\x1c", 1),
    "NaN threshold": _sub(r"^threshold=\S+", "threshold=nan"),
    "categorical line not JSON": lambda text: text.rstrip("\n") + "\npandas_categorical:{oops\n",
}


def _npz(arrays):
    def write(path):
        import numpy as np

        np.savez(path, **arrays)

    return write


def damaged_bundles(root, tiny_bundle):
    """(name, folder) of each damaged, re-signed copy of the bundle."""
    import numpy as np

    out = []

    def copy(name):
        target = root / re.sub(r"\W+", "-", name)
        shutil.copytree(tiny_bundle, target)
        out.append((name, target))
        return target

    for booster in ("success", "median"):
        for name, damage in TEXT_DAMAGE.items():
            bundle = copy(f"{booster}: {name}")
            file = bundle / f"{booster}.txt"
            file.write_text(damage(file.read_text()))
            resign(bundle)
    bundle = copy("model not UTF-8")
    (bundle / "cost.txt").write_bytes(b"tree\n\xff\xfe" + (bundle / "cost.txt").read_bytes())
    resign(bundle)
    with np.load(tiny_bundle / "projection.npz") as data:
        mean, components = data["mean"], data["components"]
    npz = {
        "projection: not a zip": lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 64),
        "projection: zip cut short": lambda p: p.write_bytes(p.read_bytes()[:-40]),
        "projection: empty": lambda p: p.write_bytes(b""),
        "projection: no components": _npz({"mean": mean}),
        "projection: wrong width": _npz({"mean": mean[:3], "components": components}),
        "projection: NaN": _npz({"mean": mean * np.nan, "components": components}),
        "projection: text": _npz({"mean": np.array(["a"] * len(mean)), "components": components}),
        "projection: fewer components": _npz({"mean": mean, "components": components[:2]}),
    }
    for name, write in npz.items():
        bundle = copy(name)
        write(bundle / "projection.npz")
        resign(bundle)
    bundle = copy("projection: a zip of other files")
    with zipfile.ZipFile(bundle / "projection.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    resign(bundle)
    manifest = {
        "manifest: policy grid a string": lambda m: m["policy"].update(grid="0,1"),
        "manifest: policy missing": lambda m: m.pop("policy"),
        "manifest: levels a list": lambda m: m.update(levels=[1, 2]),
        "manifest: embedder missing": lambda m: m.pop("embedder"),
        "manifest: embedder a number": lambda m: m.update(embedder=3),
        "manifest: files a list": lambda m: m.update(files=list(m["files"])),
    }
    for name, edit in manifest.items():
        bundle = copy(name)
        data = json.loads((bundle / MANIFEST).read_text())
        edit(data)
        (bundle / MANIFEST).write_text(json.dumps(data))
        if name != "manifest: files a list":
            resign(bundle)
        else:
            data.pop("manifest_sha256")
            data["manifest_sha256"] = _manifest_digest(data)
            (bundle / MANIFEST).write_text(json.dumps(data))
    return out


LOADER = """
import sys
from budgetrouter import Router
for folder in sys.argv[1:]:
    print("loading", folder, flush=True)
    try:
        router = Router.load(folder)
        router.route_batch(["What is 2 + 3?", "Prove that there are infinitely many primes."])
        print("loaded", flush=True)
    except Exception as exc:
        print("error", type(exc).__name__, str(exc).replace("\\n", " ")[:300], flush=True)
"""


def test_every_damaged_file_is_a_bundle_error(tiny_bundle, tmp_path):
    cases = damaged_bundles(tmp_path, tiny_bundle)
    names = {str(folder): name for name, folder in cases}
    done = subprocess.run(
        [sys.executable, "-c", LOADER, *names], capture_output=True, text=True, timeout=600
    )
    outcome: dict[str, str] = {}
    folder = None
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "loading":
            folder = rest
        else:
            outcome[names[folder]] = line
    assert done.returncode == 0, f"the loader died at {names.get(folder)}: {done.stderr[-500:]}"
    assert len(outcome) == len(cases)
    wrong = {
        name: line
        for name, line in outcome.items()
        if not line.startswith(tuple(f"error {kind}" for kind in ACCEPTED))
    }
    # a wrong tree size is harmless once the line is dropped; everything else is refused
    assert wrong == {n: "loaded" for n in wrong if n.endswith("wrong tree sizes")}


@pytest.mark.parametrize("name", ["child back to the root", "split on a feature it lacks"])
def test_the_error_names_the_file_and_the_tree(tiny_bundle, tmp_path, name):
    from budgetrouter import Router
    from budgetrouter.errors import BundleError

    bundle = tmp_path / "b"
    shutil.copytree(tiny_bundle, bundle)
    file = bundle / "median.txt"
    file.write_text(TEXT_DAMAGE[name](file.read_text()))
    resign(bundle)
    with pytest.raises(BundleError, match=r"median\.txt, tree 0: "):
        Router.load(bundle)

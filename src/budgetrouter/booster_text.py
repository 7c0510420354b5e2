"""A structural check of a LightGBM model file before LightGBM parses it.

LightGBM trusts its model text: a damaged file whose hashes were recomputed can abort the
process while it loads (a C++ exception thrown inside its parallel tree parser), read memory
out of bounds (a split on a feature it does not have, a child index past the tree) or loop
forever (a child that points back up the tree). :func:`checked_model_text` reads the file and
refuses, as a :class:`~budgetrouter.errors.BundleError`, anything a bundle's boosters never hold:
only numeric splits, one output per row, and every tree a proper binary tree over the declared
features. The text it returns has no ``tree_sizes`` line, so LightGBM parses the trees one by
one, where an error is raised rather than fatal.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from budgetrouter.errors import BundleError

#: A character no LightGBM model file holds (they are printable ASCII lines).
_FOREIGN = re.compile(r"[^\x20-\x7e\t\r\n]")
#: The per-tree arrays and their length, by the tree's leaf count ``L``.
_NODE_ARRAYS = ("split_feature", "threshold", "decision_type", "left_child", "right_child")
_LEAF_ARRAYS = ("leaf_value",)


def _numbers(text: str, key: str, kind: type, where: str) -> list:
    try:
        return [kind(v) for v in text.split()]
    except ValueError:
        raise BundleError(f"{where}: {key} holds a value that is not a number") from None


def _check_tree(block: dict[str, str], n_features: int, where: str) -> None:
    """One ``Tree=`` block: sizes, feature indices, split kinds, and a proper binary tree."""
    try:
        leaves = int(block["num_leaves"])
        cats = int(block.get("num_cat", "0"))
    except (KeyError, ValueError):
        raise BundleError(f"{where}: num_leaves or num_cat is missing or not a number") from None
    if leaves < 1:
        raise BundleError(f"{where}: {leaves} leaves")
    if cats != 0 or block.get("is_linear", "0") != "0":
        raise BundleError(f"{where}: categorical splits or linear leaves (never in a bundle)")
    arrays: dict[str, list] = {}
    wanted = {**dict.fromkeys(_NODE_ARRAYS, leaves - 1), **dict.fromkeys(_LEAF_ARRAYS, leaves)}
    for key, size in wanted.items():
        if size == 0:
            continue
        if key not in block:
            raise BundleError(f"{where}: the {key} field is missing")
        kind = float if key in ("threshold", "leaf_value") else int
        arrays[key] = _numbers(block[key], key, kind, where)
        if len(arrays[key]) != size:
            raise BundleError(f"{where}: {key} has {len(arrays[key])} values, {size} expected")
    if not all(math.isfinite(v) for v in arrays.get("leaf_value", [])):
        raise BundleError(f"{where}: a leaf value is not finite")
    if any(math.isnan(v) for v in arrays.get("threshold", [])):
        raise BundleError(f"{where}: a split threshold is not a number")
    if any(not 0 <= f < n_features for f in arrays.get("split_feature", [])):
        raise BundleError(f"{where}: a split on a feature outside 0..{n_features - 1}")
    # bit 0: categorical split; bits 2-3: missing-value type (0 none, 1 zero, 2 NaN)
    if any(d & 1 or (d >> 2) & 3 > 2 or d >> 4 for d in arrays.get("decision_type", [])):
        raise BundleError(f"{where}: a split of a kind a bundle never holds")
    seen_nodes, seen_leaves = {0} if leaves > 1 else set(), set()
    children = arrays.get("left_child", []) + arrays.get("right_child", [])
    for child in children:
        if child >= 0:  # an inner node: never the root, each reached once
            if not 0 < child < leaves - 1 or child in seen_nodes:
                raise BundleError(f"{where}: the tree's node links do not form a tree")
            seen_nodes.add(child)
        else:
            leaf = ~child
            if not 0 <= leaf < leaves or leaf in seen_leaves:
                raise BundleError(f"{where}: the tree's leaf links do not form a tree")
            seen_leaves.add(leaf)
    if leaves > 1 and (len(seen_nodes) != leaves - 1 or len(seen_leaves) != leaves):
        raise BundleError(f"{where}: the tree's links leave nodes or leaves unreachable")


def _blocks(text: str, path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    r"""The header and the tree blocks of a model text, read strictly, line by line.

    Lines end at ``\n`` (a ``\r`` before it is dropped), as LightGBM reads them; a line of
    the header or of a tree is ``key=value`` with a key seen once; a tree's lines are
    consecutive (a blank line ends it) and the trees end at the one line ``end of trees``.
    """
    if _FOREIGN.search(text):
        raise BundleError(f"{path} holds characters a LightGBM model file never holds")
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if not lines or lines[0] != "tree":
        raise BundleError(f"{path} is not a LightGBM tree model")
    if lines.count("end of trees") != 1:
        raise BundleError(f"{path} is not a LightGBM tree model (or is cut short)")
    end = lines.index("end of trees")
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    closed = False
    for number, line in enumerate(lines[1:end], start=2):
        if line.startswith("Tree="):
            current, closed = {}, False
            trees.append(current)
            continue
        if not line.strip():
            closed = current is not None
            continue
        key, eq, value = line.partition("=")
        target = header if current is None else current
        if not eq or key in target or (current is not None and closed):
            raise BundleError(f"{path}, line {number}: not a line of a LightGBM model here")
        target[key] = value
    return header, trees


def checked_model_text(path: Path) -> str:
    """The LightGBM model text of ``path``, checked, without its ``tree_sizes`` line.

    Parameters
    ----------
    path
        A ``.txt`` model a bundle holds (``lightgbm.Booster.save_model``).

    Returns
    -------
    str
        The text to pass to ``lightgbm.Booster(model_str=...)``.

    Raises
    ------
    BundleError
        If the file is not ASCII text or not a LightGBM tree model with one output per row,
        numeric splits on its declared features, and well-formed trees.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path} cannot be read as a LightGBM model: {exc}") from exc
    header, trees = _blocks(text, path)
    try:
        n_features = int(header["max_feature_idx"]) + 1
        outputs = int(header.get("num_class", "1")), int(header.get("num_tree_per_iteration", "1"))
        declared = int(header.get("num_tree_per_iteration", "1"))
    except (KeyError, ValueError):
        raise BundleError(f"{path}: max_feature_idx or num_class is missing or bad") from None
    if outputs != (1, 1) or declared != 1 or not 1 <= n_features <= 100_000 or not trees:
        raise BundleError(f"{path}: {outputs[0]} outputs per row, {n_features} features")
    for number, block in enumerate(trees):
        _check_tree(block, n_features, f"{path}, tree {number}")
    tail = text.split("\nend of trees", 1)[1]
    categorical = [ln for ln in tail.split("\n") if ln.startswith("pandas_categorical:")]
    for line in categorical:
        try:
            json.loads(line.split(":", 1)[1])
        except ValueError:
            raise BundleError(f"{path}: its pandas_categorical line is not JSON") from None
    return "\n".join(line for line in text.split("\n") if not line.startswith("tree_sizes="))

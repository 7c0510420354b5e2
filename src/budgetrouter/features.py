"""Prompt features: cheap text statistics next to the prompt's embedding.

Pure functions, no I/O. The column order is fixed by :data:`TEXT_FEATURE_NAMES` followed by
``emb_0 … emb_{d-1}`` (see :func:`feature_names`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from budgetrouter.projection import Projection

TEXT_FEATURE_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "log_lines",
    "digit_share",
    "upper_share",
    "math_symbol_share",
    "punct_share",
    "log_numbers",
    "longest_number",
    "has_code",
    "n_questions",
    "asks_count",
    "asks_proof",
    "has_example",
    "has_grid",
)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_MATH = frozenset("=+-*/^<>%()")
_PUNCT = frozenset(".,;:!?'\"")
_CODE = re.compile(r"```|\bdef |\breturn\b|\bfunction\b|[{};]\s*$", re.MULTILINE)
_COUNT = re.compile(r"\bhow many\b|\bcount\b|\bnumber of\b", re.IGNORECASE)
_PROOF = re.compile(r"\bprove\b|\bshow that\b|\bjustify\b", re.IGNORECASE)
_EXAMPLE = re.compile(r"\bexample\b|\be\.g\.", re.IGNORECASE)
#: Substrings without one of which a pattern cannot match (ASCII text; lower-cased for the
#: case-insensitive ones): a prompt with none of them skips the regular expression.
_CODE_HINTS = ("```", "def ", "return", "function", "{", "}", ";")
_COUNT_HINTS = ("how many", "count", "number of")
_PROOF_HINTS = ("prove", "show that", "justify")
_EXAMPLE_HINTS = ("example", "e.g.")
_ASCII = bytes(range(128))
_NOT_DIGIT = bytes(c for c in _ASCII if not chr(c).isdigit())
_NOT_UPPER = bytes(c for c in _ASCII if not chr(c).isupper())
_NOT_MATH = bytes(c for c in _ASCII if chr(c) not in _MATH)
_NOT_PUNCT = bytes(c for c in _ASCII if chr(c) not in _PUNCT)


def _char_counts(prompt: str) -> tuple[int, int, int, int]:
    """Digits, upper-case letters, math symbols and punctuation marks in ``prompt``.

    ASCII text (most prompts) is counted in C with ``bytes.translate``; other text char by char
    (``str.isdigit`` and ``str.isupper`` also count non-ASCII digits and capitals).
    """
    if prompt.isascii():
        raw = prompt.encode("ascii")
        return (
            len(raw.translate(None, _NOT_DIGIT)),
            len(raw.translate(None, _NOT_UPPER)),
            len(raw.translate(None, _NOT_MATH)),
            len(raw.translate(None, _NOT_PUNCT)),
        )
    return (
        sum(map(str.isdigit, prompt)),
        sum(map(str.isupper, prompt)),
        sum(prompt.count(ch) for ch in _MATH),
        sum(prompt.count(ch) for ch in _PUNCT),
    )


#: Name of the last feature: 1 for hidden reasoning, 0 for visible step-by-step text.
HIDDEN_FEATURE = "hidden_reasoning"


def feature_names(embedding_dim: int) -> list[str]:
    """Names of the feature columns for an embedder of dimension ``embedding_dim``."""
    return [*TEXT_FEATURE_NAMES, *(f"emb_{i}" for i in range(embedding_dim)), HIDDEN_FEATURE]


def text_features(prompt: str) -> list[float]:
    """Cheap statistics of one prompt, in the order of :data:`TEXT_FEATURE_NAMES`."""
    n = max(1, len(prompt))
    numbers = _NUMBER.findall(prompt)
    digits, upper, math_symbols, punct = _char_counts(prompt)
    folded = prompt.lower() if prompt.isascii() else ""
    return [
        math.log1p(len(prompt)),
        math.log1p(len(prompt.split())),
        math.log1p(prompt.count("\n")),
        digits / n,
        upper / n,
        math_symbols / n,
        punct / n,
        math.log1p(len(numbers)),
        float(max((len(x) for x in numbers), default=0)),
        float(_matches(_CODE, prompt, prompt, _CODE_HINTS)),
        float(prompt.count("?")),
        float(_matches(_COUNT, prompt, folded, _COUNT_HINTS)),
        float(_matches(_PROOF, prompt, folded, _PROOF_HINTS)),
        float(_matches(_EXAMPLE, prompt, folded, _EXAMPLE_HINTS)),
        float(_has_grid(prompt)),
    ]


def _matches(pattern: re.Pattern[str], prompt: str, text: str, hints: tuple[str, ...]) -> bool:
    """``pattern.search(prompt)``, skipped when ASCII ``text`` holds none of its ``hints``.

    ``text`` is ``""`` for non-ASCII prompts: the pattern is then always searched.
    """
    if text and not any(h in text for h in hints):
        return False
    return pattern.search(prompt) is not None


def _has_grid(prompt: str) -> bool:
    """Three or more lines of four or more short cells (a board, matrix or maze)."""
    rows = 0
    for line in prompt.splitlines():
        cells = line.split()
        rows = rows + 1 if len(cells) >= 4 and all(len(c) <= 3 for c in cells) else 0
        if rows >= 3:
            return True
    return False


def build_features(prompts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
    """Stack text features and embeddings into the model's feature matrix.

    Parameters
    ----------
    prompts
        The prompts, ``n`` of them.
    embeddings
        Their embeddings, shape ``(n, d)``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(n, len(TEXT_FEATURE_NAMES) + d)``.
    """
    import numpy as np

    if len(prompts) != len(embeddings):
        raise ValueError(
            f"got {len(prompts)} prompts but {len(embeddings)} embeddings; they must match"
        )
    text = np.array([text_features(p) for p in prompts], dtype="float64").reshape(
        len(prompts), len(TEXT_FEATURE_NAMES)
    )
    return np.hstack([text, np.asarray(embeddings, dtype="float64")])


def prompt_features(
    prompts: Sequence[str],
    embeddings: np.ndarray,
    projection: Projection,
    hidden: float | np.ndarray = 1.0,
) -> np.ndarray:
    """The models' feature matrix: text features, the projected embeddings and the count kind.

    Parameters
    ----------
    prompts
        The prompts, ``n`` of them.
    embeddings
        Their raw embeddings, shape ``(n, d)``.
    projection
        The router's embedding projection (``d`` to ``k`` dimensions).
    hidden
        The last column, :data:`HIDDEN_FEATURE`: 1 where the reasoning to predict is a
        reasoning model's hidden thinking, 0 where it is visible step-by-step text (training
        rows carry their runs' kind; routing asks for hidden thinking). A scalar or shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(n, len(TEXT_FEATURE_NAMES) + k + 1)``.
    """
    import numpy as np

    X = build_features(prompts, projection.transform(embeddings))
    flag = np.broadcast_to(np.asarray(hidden, dtype="float64"), (len(X),))
    return np.hstack([X, flag[:, None]])

"""Whether two answers agree: the comparators of shadow labels, and an answer's text.

A shadow comparison (:func:`budgetrouter.wrap` with ``shadow=``) sends a sampled call again at
the model's top level and labels the routed run by whether its answer agrees with the top
level's. What counts as agreeing depends on the task, so the comparator is the caller's choice:

* ``"exact"``: the same text;
* ``"normalized"``: the same words, ignoring case, punctuation and spacing;
* ``"last_number"``: the same last number (``"... so 42."`` and ``"42"``; ``1,000`` = ``1000``);
* ``"choice"``: the same multiple-choice letter (``"Answer: (C)"`` and ``"C"``);
* ``"json"``: equal JSON values (the first JSON object or array in each text);
* or any function ``(routed_answer, top_answer) -> bool`` (an LLM judge, a unit test, ...).

An answer that cannot be read (no number, no letter, no JSON) agrees with nothing.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from budgetrouter.errors import ConfigError

Comparator = Callable[[str, str], bool]

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
_CHOICE = re.compile(
    r"(?:answer|option|choice)\s*(?:is|:)?\s*\(?([A-J])\)?(?![A-Za-z])|^\s*\(?([A-J])[).:]?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_LONE_LETTER = re.compile(r"(?<![A-Za-z])\(?([A-J])\)(?![A-Za-z])|\b([A-J])\b(?=\s*$)")


def normalized(text: str) -> str:
    """``text`` in lower case, accents, punctuation and repeated spaces removed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def last_number(text: str) -> float | None:
    """The last number written in ``text``, or ``None``."""
    found = _NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


def choice_letter(text: str) -> str | None:
    """The multiple-choice letter an answer gives (A to J), or ``None``."""
    hits = [a or b for a, b in _CHOICE.findall(text)]
    if not hits:
        hits = [a or b for a, b in _LONE_LETTER.findall(text)]
    return hits[-1].upper() if hits else None


def json_value(text: str) -> Any:
    """The first JSON object or array in ``text`` (the whole text first); ``ValueError`` if none."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char in "{[":
            try:
                return decoder.raw_decode(text[start:])[0]
            except ValueError:
                continue
    raise ValueError("no JSON value")


def _numbers_agree(a: str, b: str) -> bool:
    x, y = last_number(a), last_number(b)
    return x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def _choices_agree(a: str, b: str) -> bool:
    x = choice_letter(a)
    return x is not None and x == choice_letter(b)


def _json_agree(a: str, b: str) -> bool:
    try:
        return bool(json_value(a) == json_value(b))
    except ValueError:
        return False


#: The built-in comparators, by name.
COMPARATORS: dict[str, Comparator] = {
    "exact": lambda a, b: a == b,
    "normalized": lambda a, b: bool(normalized(a)) and normalized(a) == normalized(b),
    "last_number": _numbers_agree,
    "choice": _choices_agree,
    "json": _json_agree,
}


def comparator(spec: str | Comparator) -> Comparator:
    """The comparator ``spec`` names (:data:`COMPARATORS`), or ``spec`` itself if callable.

    Raises
    ------
    ConfigError
        For an unknown name or something that is neither a name nor a function.
    """
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in COMPARATORS:
        return COMPARATORS[spec]
    raise ConfigError(
        f"Unknown comparator {spec!r}. Available: {sorted(COMPARATORS)}, or a function "
        "(routed_answer, top_answer) -> bool"
    )


def answer_text(response: Any) -> str:
    """The visible answer of a provider response (thinking left out), ``""`` when it has none.

    Reads Chat Completions (``choices[0].message.content``), Responses (``output_text`` parts),
    Anthropic Messages (``text`` blocks) and Gemini (non-thought ``parts``), SDK objects or dicts.
    """
    from budgetrouter.providers.usage import plain

    r = plain(response)
    choices = r.get("choices")
    if isinstance(choices, list) and choices:
        content = (choices[0] or {}).get("message", {}).get("content")
        if isinstance(content, list):
            return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
        return content if isinstance(content, str) else ""
    if r.get("object") == "response":
        return "".join(
            part.get("text") or ""
            for item in r.get("output") or []
            if isinstance(item, dict) and item.get("type") == "message"
            for part in item.get("content") or []
            if isinstance(part, dict) and part.get("type") == "output_text"
        )
    if r.get("type") == "message":
        return "".join(
            b.get("text") or ""
            for b in r.get("content") or []
            if isinstance(b, dict) and b.get("type") == "text"
        )
    texts = []
    for candidate in (r.get("candidates") or [])[:1]:
        for part in ((candidate or {}).get("content") or {}).get("parts") or []:
            if isinstance(part, dict) and part.get("text") and not part.get("thought"):
                texts.append(part["text"])
    return "".join(texts)

"""Whether two answers agree: the comparators of shadow labels, and an answer's text.

A shadow comparison (:func:`budgetrouter.wrap` with ``shadow=``) sends a sampled call again at
the model's top level and labels the routed run by whether its answer agrees with the top
level's. What counts as agreeing depends on the task, so the comparator is the caller's choice:

* ``"exact"``: the same text (not empty);
* ``"normalized"``: the same words, ignoring case, punctuation and spacing;
* ``"last_number"``: the same last number (``"... so 42."`` and ``"42"``; ``1,000`` = ``1000``);
* ``"choice"``: the same multiple-choice letter (``"Answer: (C)"`` and ``"C"``);
* ``"json"``: equal JSON values (the first JSON object or array in each text);
* or any function ``(routed_answer, top_answer) -> bool`` (an LLM judge, a unit test, ...).

An answer that cannot be read (no number, no letter, no JSON) agrees with nothing.
"""

from __future__ import annotations

import contextlib
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
    "exact": lambda a, b: bool(a) and a == b,
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


def _call(name: Any, arguments: Any) -> str:
    """A tool call as text: its name and its arguments as sorted JSON."""
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):  # arguments that are not JSON stay text
            arguments = json.loads(arguments)
    return f"{name}({json.dumps(arguments, sort_keys=True, default=str)})"


def answer_text(response: Any) -> str:
    """The visible answer of a provider response (thinking left out), ``""`` when it has none.

    Reads Chat Completions (``choices[0].message``), Responses (``output_text`` parts and
    function calls), Anthropic Messages (``text`` and ``tool_use`` blocks) and Gemini
    (non-thought ``parts``), SDK objects or dicts. Tool calls are part of the answer, written as
    ``name({...arguments as sorted JSON})`` lines after the text.
    """
    from budgetrouter.providers.usage import plain

    r = plain(response)
    texts: list[str] = []
    calls: list[str] = []
    choices = r.get("choices")
    if isinstance(choices, list) and choices:
        message = (choices[0] or {}).get("message") or {}
        content = message.get("content")
        if isinstance(content, list):
            texts += [p.get("text") or "" for p in content if isinstance(p, dict)]
        elif isinstance(content, str):
            texts.append(content)
        for call in message.get("tool_calls") or []:
            function = (call or {}).get("function") or {}
            calls.append(_call(function.get("name"), function.get("arguments")))
    elif r.get("object") == "response":
        for item in r.get("output") or []:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "message":
                texts += [
                    part.get("text") or ""
                    for part in item.get("content") or []
                    if isinstance(part, dict) and part.get("type") == "output_text"
                ]
            elif item.get("type") == "function_call":
                calls.append(_call(item.get("name"), item.get("arguments")))
    elif r.get("type") == "message":
        for b in r.get("content") or []:
            if isinstance(b, dict) and b.get("type") == "text":
                texts.append(b.get("text") or "")
            elif isinstance(b, dict) and b.get("type") == "tool_use":
                calls.append(_call(b.get("name"), b.get("input")))
    else:
        for candidate in (r.get("candidates") or [])[:1]:
            for part in ((candidate or {}).get("content") or {}).get("parts") or []:
                if not isinstance(part, dict) or part.get("thought"):
                    continue
                if part.get("text"):
                    texts.append(part["text"])
                call = part.get("function_call") or part.get("functionCall")
                if isinstance(call, dict):
                    calls.append(_call(call.get("name"), call.get("args")))
    return "\n".join(filter(None, ["".join(texts), *calls]))

"""Reading a response: reasoning tokens, how the run ended, and the helpers readers share.

Each provider module's usage reader returns a :class:`Usage`; :func:`plain` turns an SDK response
object into a dict, :func:`get_path` walks it, :func:`count_text` counts thinking text with a
token counter (:func:`default_token_counter` by default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from budgetrouter.errors import ConfigError

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Usage:
    """Reasoning spent by one response.

    Attributes
    ----------
    reasoning_tokens
        Tokens spent thinking, as the response reports them (a reader passes on a count that
        is not a whole number), or ``None`` when the response does not say (no usage, thinking
        redacted with no count); :meth:`budgetrouter.outcomes.OutcomeLog.record` refuses both
        rather than log a wrong number.
    truncated
        The run hit its output or thinking limit before it finished.
    provider
        The provider whose reader read the response.
    status
        How the run ended, one of :data:`STATUSES`: ``finished`` (an answer), ``truncated``
        (cut off by a token or context limit), ``refused`` (a refusal or a content filter),
        ``failed`` (an error, a cancelled or failed response).
    """

    reasoning_tokens: int | None
    truncated: bool
    provider: str
    status: str = "finished"


#: How a run can end (:attr:`Usage.status`).
STATUSES: tuple[str, ...] = ("finished", "truncated", "refused", "failed")


def ended(tokens: Any, status: str, provider: str) -> Usage:
    """The :class:`Usage` of a run that ended with ``status`` (``truncated`` follows it).

    A count that is a whole float (``512.0``) becomes an int; any other value is passed on.
    """
    if isinstance(tokens, float) and tokens.is_integer():
        tokens = int(tokens)
    return Usage(tokens, status == "truncated", provider, status)


@functools.lru_cache(maxsize=1)
def default_token_counter() -> TokenCounter:
    """A token counter: the packaged MiniLM word-piece tokenizer (offline).

    No truncation and no padding (the packaged ``tokenizer.json`` pads every text to 128
    tokens, which would count ``"391"`` as 128). Built once per process: the tokenizer file is
    read on first use only.
    """
    from tokenizers import Tokenizer

    from budgetrouter.embedders.base import packaged_minilm_path

    tok = Tokenizer.from_file(str(packaged_minilm_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    # word pieces for words of any length (the file maps a word over 100 characters to one
    # [UNK], which would count a 300-character token run as 1)
    tok.model.max_input_chars_per_word = 10**9
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def count_text(text: str, count_tokens: TokenCounter | None) -> int:
    """Tokens in a response's reasoning ``text``; 0 when it is empty.

    ``count_tokens`` counts them; ``None`` uses :func:`default_token_counter`, built only when
    there is text to count.
    """
    if not text:
        return 0
    return (count_tokens or default_token_counter())(text)


def plain(response: Any) -> dict[str, Any]:
    """An SDK response object (``model_dump``, ``to_dict`` or ``dict``) or a mapping, as a dict.

    Raises
    ------
    ConfigError
        If the response is neither.
    """
    if isinstance(response, Mapping):
        return dict(response)
    for method in ("model_dump", "to_dict", "dict"):
        if hasattr(response, method):
            out = getattr(response, method)()
            if isinstance(out, Mapping):
                return dict(out)
    raise ConfigError(
        f"Cannot read a response of type {type(response).__name__}; pass the SDK's response "
        "object or its JSON as a dict"
    )


def get_path(data: Any, *path: str) -> Any:
    """The value at ``path`` (keys, outermost first) in nested mappings.

    ``None`` where a key is missing or its value is null, or a level is not a mapping.
    """
    for key in path:
        if not isinstance(data, Mapping) or data.get(key) is None:
            return None
        data = data[key]
    return data

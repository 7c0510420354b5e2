"""Capability rows: what one model family accepts, and exactly which model names it covers."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What may follow a listed model name and still be that model: a dated snapshot
#: (``-2025-04-16``, ``-20250514``, ``@20250514``), a stable version (``-001``), ``-latest``, a
#: ``-preview`` or ``-exp`` release (``-preview-05-20``), then an OpenRouter variant
#: (``:thinking``, ``:free``).
SNAPSHOT = (
    r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{3}|-latest|-(?:preview|exp)(?:-\d{2}-\d{2,4})?)?"
    r"(?::[a-z0-9._-]+)?"
)


@dataclass(frozen=True)
class Capability:
    """What one model family accepts, and exactly which model names it covers.

    Attributes
    ----------
    provider
        The API the row belongs to (``openai`` rows serve both OpenAI providers).
    family
        The family's name, as messages and the docs show it; ``""`` for a generic row (a
        self-hosted server's rules, which hold for any model it serves).
    style
        ``effort`` (named levels), ``budget`` (a token budget), ``adaptive`` (Anthropic
        adaptive thinking with an effort level), ``fixed`` (a reasoning model with no thinking
        control at all) or ``off`` (a model that does not think, and rejects thinking
        parameters).
    efforts
        Accepted effort values, lowest first (``effort`` and ``adaptive`` styles).
    budget_min, budget_max
        Accepted budget range in tokens (``budget`` style).
    can_disable
        Whether thinking can be switched off entirely.
    source
        The provider's documentation of the rule.
    nonstreaming_max_tokens
        The largest ``max_tokens`` the provider's SDK sends without streaming (``None``: no
        such limit).
    models
        The model names the row covers (default: the family's name alone). Each covers that
        name and its snapshots (:data:`SNAPSHOT`), case ignored, and nothing else: a newer
        model that merely continues a listed name is covered by no row.
    """

    provider: str
    family: str
    style: str
    efforts: tuple[str, ...] = ()
    budget_min: int = 0
    budget_max: int | None = None
    can_disable: bool = True
    source: str = ""
    nonstreaming_max_tokens: int | None = None
    models: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The model names the row lists (``()`` for a generic row)."""
        if not self.family:
            return ()
        return self.models or (self.family,)

    def covers(self, model: str) -> bool:
        """Whether ``model`` is one of this row's models, or a snapshot of one.

        ``o4-mini-2025-04-16`` and ``claude-sonnet-4-20250514`` are snapshots of the names
        they start with; ``gpt-5.10``, ``o3-pro`` and ``claude-sonnet-6`` are no listed
        model's. A generic row covers every model.
        """
        if not self.family:
            return True
        name = model.strip().lower()
        return any(
            re.fullmatch(re.escape(listed.lower()) + SNAPSHOT, name) for listed in self.names
        )


def same_model(a: str, b: str) -> bool:
    """Whether two names are one model: equal, or one a dated snapshot of the other.

    Case and a vendor prefix (``openai/o4-mini``) are ignored: ``o4-mini``,
    ``openai/O4-mini`` and ``o4-mini-2025-04-16`` are one model; ``o4-mini`` and ``o4`` are not.
    """
    x, y = (name.strip().lower().rsplit("/", 1)[-1] for name in (a, b))
    return (
        x == y
        or re.fullmatch(re.escape(x) + SNAPSHOT, y) is not None
        or re.fullmatch(re.escape(y) + SNAPSHOT, x) is not None
    )

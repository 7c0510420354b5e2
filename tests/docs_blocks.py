"""The code blocks of the README and the documentation pages, for the tests that run them."""

from __future__ import annotations

import re

from tests.conftest import ROOT

#: Every page with Python blocks, and how many: a new block fails ``test_docs`` until a test
#: runs it (the tests that do are named beside each page).
PYTHON_BLOCKS = {
    "README.md": 3,  # test_docs (1), clients/test_docs (2), integrations/test_readme (3)
    "docs/routing.md": 3,  # test_docs
    "docs/providers.md": 1,  # clients/test_docs
    "docs/clients.md": 5,  # clients/test_readme (1-3), integrations/test_readme (4-5)
    "docs/retrain.md": 1,  # clients/test_docs
    "docs/learn.md": 1,  # clients/test_docs
    "docs/layout.md": 1,  # test_docs
}


def page_text(page: str) -> str:
    """The text of ``README.md`` or ``docs/<page>.md``."""
    return (ROOT / page).read_text(encoding="utf-8")


def page_blocks(page: str, language: str = "python", section: str | None = None) -> list[str]:
    """The ``language`` code blocks of a page, or of its ``## section`` only."""
    text = page_text(page)
    if section is not None:
        start = text.index(f"\n## {section}\n")
        end = re.compile(r"^## ", re.MULTILINE).search(text, start + len(section) + 5)
        text = text[start : end.start() if end else len(text)]
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)

"""The capability table of docs/providers.md is the code's: each row, its models, its source."""

from budgetrouter.providers import CAPABILITIES
from budgetrouter.providers.table import MARKERS, capability_table
from tests.conftest import ROOT


def test_the_docs_table_is_generated_from_the_rows():
    text = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]) + 1, text.index(MARKERS[1])
    assert text[start:end] == capability_table(), (
        "docs/providers.md's capability table is out of date: paste the output of "
        "`python -c 'from budgetrouter.providers.table import capability_table as t; "
        'print(t(), end="")\'` between its markers'
    )


def test_every_direct_row_is_in_the_table_with_its_models_and_source():
    table = capability_table()
    for row in CAPABILITIES:
        if row.provider == "openrouter" and "/" in row.family:
            continue  # the direct providers' rows under vendor prefixes
        line = next(
            x
            for x in table.splitlines()
            if f"| {row.family or '(generic)'} |" in x and row.source in x
        )
        assert all(f"`{name}`" in line for name in row.names)

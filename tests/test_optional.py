import re

import pytest

from budgetrouter._optional import require


def test_require_returns_the_module():
    assert require("json", "track", "Something").__name__ == "json"


@pytest.mark.parametrize(
    ("extra", "hint"),
    [("dask", re.escape("pip install 'budgetrouter[dask]'")), (None, "pip install budgetrouter$")],
)
def test_require_names_the_extra(extra, hint):
    with pytest.raises(ImportError, match=f"Training on Dask needs no_such_module: {hint}"):
        require("no_such_module.sub", extra, "Training on Dask")

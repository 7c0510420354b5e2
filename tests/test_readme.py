"""The README's Python example runs as written (against a small trained bundle)."""

import re

import pytest

from tests.conftest import ROOT


def test_readme_python_example_runs(tiny_bundle):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "the README has a Python example"
    code = blocks[0].replace("models/default", str(tiny_bundle))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["decision"].tier in ("none", "short", "long")
    assert len(namespace["decisions"]) == 2


def test_readme_forecast_example_runs(tiny_bundle):
    from budgetrouter import Router

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (code,) = [b for b in blocks if "from budgetrouter.forecast import forecast" in b]
    namespace: dict = {"router": Router.load(tiny_bundle)}
    exec(compile(code, "README.md", "exec"), namespace)
    f = namespace["f"]
    assert f.model == "o4-mini" and f.usd_per_million > 0 and f.price_source
    # priced as forecast: tokens x USD per million output tokens
    assert f.cost_usd == pytest.approx(f.tokens * f.usd_per_million / 1e6)
    assert f.cost_usd >= 0 and f.latency_s >= 0
    assert f.tokens_upper >= f.tokens

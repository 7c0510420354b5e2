"""The README's and the documentation's Python examples run as written; the site builds strictly.

What is substituted, and nothing else: the bundle path ``models/default`` becomes the tiny test
bundle, and in "Where things are" the bundled ``data`` becomes a small real subset of it
(training on all of it takes minutes); the example's own logs (``my_logs.jsonl``, ``logs/``)
are synthetic runs of other families.
The examples that call a provider run in ``tests/clients/test_docs.py`` and
``tests/clients/test_readme.py``, the LiteLLM ones in ``tests/integrations/test_readme.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from budgetrouter import Decision, Router
from tests.conftest import ROOT, make_observations
from tests.docs_blocks import PYTHON_BLOCKS, page_blocks, page_text


def test_every_python_block_is_counted():
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    found = {
        page: len(page_blocks(page)) for page in sorted(pages | {"README.md"}) if page_blocks(page)
    }
    assert found == PYTHON_BLOCKS


def test_the_readme_is_a_front_page():
    assert len(page_text("README.md").splitlines()) < 200


def test_the_readme_one_liner_routes():
    (block,) = [b for b in page_blocks("README.md") if "budgetrouter.route(" in b]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert isinstance(namespace["decision"], Decision)
    assert namespace["decision"].model == "o4-mini"


def test_the_routing_examples_run(tiny_bundle):
    one_liner, api, forecast = page_blocks("docs/routing.md")
    namespace: dict = {}
    exec(compile(one_liner, "docs/routing.md", "exec"), namespace)
    assert namespace["decision"].model_aware
    code = api.replace("models/default", str(tiny_bundle))
    exec(compile(code, "docs/routing.md", "exec"), namespace)
    assert namespace["decision"].tier in ("none", "short", "long")
    assert len(namespace["decisions"]) == 2 and len(namespace["mixed"]) == 2
    namespace["router"] = Router.load(tiny_bundle)
    exec(compile(forecast, "docs/routing.md", "exec"), namespace)
    f = namespace["f"]
    assert f.model == "o4-mini" and f.usd_per_million > 0 and f.price_source
    assert f.cost_usd == pytest.approx(f.tokens * f.usd_per_million / 1e6)
    assert f.tokens_upper >= f.tokens


def test_the_library_calls_example_runs(real_subset_path, tmp_path, monkeypatch):
    (block,) = page_blocks("docs/layout.md")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logs").mkdir()
    make_observations().to_json(tmp_path / "logs" / "runs.jsonl", orient="records", lines=True)
    shutil.copy(tmp_path / "logs" / "runs.jsonl", tmp_path / "my_logs.jsonl")
    code = block.replace(
        'read_observations("data")', f"read_observations({str(real_subset_path)!r})"
    )
    namespace: dict = {"__name__": "docs"}
    exec(compile(code, "docs/layout.md", "exec"), namespace)
    assert namespace["router"].manifest["embedder"]["name"] == "minilm-static-64"
    assert (
        namespace["report"]["bundle_version"] == Router.load(tmp_path / "models" / "mine").version
    )
    assert namespace["comparison"].summary()


def test_a_broken_link_fails_the_strict_build(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "evaluate.md"
    page.write_text(page.read_text() + "\nSee [the missing page](missing.md).\n")
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict"]  # as `make docs` runs it
    out = subprocess.run(
        mkdocs, cwd=tmp_path, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1"}
    )
    assert out.returncode == 1
    assert re.search(r"contains a link 'missing\.md', but the target is not found", out.stderr)
    assert "Aborted with 1 warnings in strict mode" in out.stdout + out.stderr

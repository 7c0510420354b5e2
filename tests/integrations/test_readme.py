"""The "LiteLLM (SDK and proxy)" examples of the docs, and the README's hook, run as written.

What is substituted, and nothing else: LiteLLM's own environment variables point it at the
loopback provider (``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL`` and their keys) and keep it
offline, and the examples run in a temporary working directory (their ``logs/outcomes.jsonl``
is written there), routing with the packaged default router. The SDK
example runs as a script in its own interpreter, behind a socket guard; the proxy's module and
``config.yaml`` are loaded by the proxy's own loader of ``litellm_settings: callbacks``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from budgetrouter.integrations.litellm import BudgetRouterCallback
from budgetrouter.integrations.litellm_request import METADATA_KEY
from budgetrouter.outcomes import OutcomeLog
from tests.docs_blocks import page_blocks
from tests.integrations.conftest import bodies, rows

pytestmark = pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning")


#: Run before the example in its interpreter: refuse every socket not to the loopback interface.
GUARD = """
import socket

_connect = socket.socket.connect


def _loopback_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
        raise OSError(f"the example tried to reach {address!r}")
    return _connect(self, address)


socket.socket.connect = _loopback_only
"""


def test_the_sdk_example_runs_as_a_script(server, tmp_path):
    """In its own interpreter, as a script: LiteLLM writes async successes queued at exit."""
    sdk = page_blocks("docs/clients.md", "python", "LiteLLM (SDK and proxy)")[0]
    script = GUARD + f"\nexec(compile({sdk!r}, 'docs/clients.md', 'exec'))\n"
    (tmp_path / "example.py").write_text(script, encoding="utf-8")
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
        "LITELLM_OFFLINE_MODE": "true",
        "OPENAI_BASE_URL": server, "OPENAI_API_KEY": "test",
        "ANTHROPIC_BASE_URL": server, "ANTHROPIC_API_KEY": "test",
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    openai, anthropic = bodies()
    assert "reasoning_effort" in openai and anthropic["thinking"]["type"] == "enabled"
    written = rows(OutcomeLog(tmp_path / "logs" / "outcomes.jsonl"))
    assert sorted(row["model"] for row in written) == ["claude-sonnet-4-5", "o4-mini"]
    assert {row["thinking_set_by"] for row in written} == {"router"}


def test_the_proxy_config_loads_the_callback(tmp_path, run):
    from litellm.proxy.types_utils.utils import get_instance_fn

    module, config = (
        page_blocks("docs/clients.md", "python", "LiteLLM (SDK and proxy)")[1],
        page_blocks("docs/clients.md", "yaml", "LiteLLM (SDK and proxy)")[0],
    )
    (tmp_path / "my_module.py").write_text(module, encoding="utf-8")
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    settings = yaml.safe_load(config)
    callback = get_instance_fn(
        settings["litellm_settings"]["callbacks"], config_file_path=str(tmp_path / "config.yaml")
    )
    assert isinstance(callback, BudgetRouterCallback)
    model = settings["model_list"][0]["model_name"]
    data = {"model": model, "messages": [{"role": "user", "content": "Sort 5, 3, 9."}]}
    out = run(callback.async_pre_call_hook(None, None, data, "acompletion"))
    assert out["thinking"]["type"] == "enabled"
    assert out["metadata"][METADATA_KEY]["thinking_set_by"] == "router"


def test_the_readme_hook_registers_the_default_router(tmp_path, monkeypatch):
    import litellm

    (hook,) = [b for b in page_blocks("README.md") if "litellm.callbacks" in b]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(litellm, "callbacks", [])
    exec(compile(hook, "README.md", "exec"), {"__name__": "readme"})
    (callback,) = litellm.callbacks
    assert isinstance(callback, BudgetRouterCallback)
    assert callback.router.manifest["embedder"]["name"] == "minilm-static-64"

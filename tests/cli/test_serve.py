"""``budgetrouter serve``: its command line and its refusals (the served model is tested in
tests/tracking/test_registry.py)."""

from __future__ import annotations

import sys

from budgetrouter.cli import main
from budgetrouter.cli.serve import serve_command


def test_serve_runs_mlflow_with_this_interpreter():
    command = serve_command("models:/budgetrouter@champion", "127.0.0.1", 5001, 2)
    assert command[:5] == [sys.executable, "-m", "mlflow", "models", "serve"]
    assert command[command.index("--env-manager") + 1] == "local"
    assert command[command.index("-p") + 1] == "5001" and command[-1] == "2"


def test_serve_refuses_a_bad_port_without_starting(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be 1..65535" in capsys.readouterr().err

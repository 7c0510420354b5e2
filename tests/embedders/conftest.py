"""Helpers for the embedder tests."""

from __future__ import annotations


def run_fresh(code: str, home) -> str:
    """Run ``code`` in a new interpreter (``e`` = budgetrouter.embedders); its stdout."""
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", f"import budgetrouter.embedders as e, sys; {code}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BUDGETROUTER_HOME": str(home)},
    )
    return out.stdout.strip()

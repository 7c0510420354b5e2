"""The headroom analysis script runs end to end on real runs and reports every policy."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_headroom_script_on_real_subset(real_subset_path, tmp_path):
    out = tmp_path / "headroom.json"
    cmd = [sys.executable, str(ROOT / "training" / "headroom.py"), "--data", str(real_subset_path)]
    cmd += ["--embedder", "hashing", "--cache-dir", str(tmp_path / "cache"), "--repeats", "2"]
    run = subprocess.run(
        [*cmd, "--folds", "3", "--json", str(out)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "| router (out of family) |" in run.stdout
    figures = json.loads(out.read_text())
    fixed = figures["best fixed budget"]
    assert 0 < fixed["saved_at_0.99"] <= fixed["saved_at_0.95"] < 1
    perfect = figures["knows each prompt's curves"]
    # Knowing every prompt's real curves beats one cap for all prompts.
    assert perfect["delta_at_0.95"] > 0.05
    assert perfect["solvable_auc"] == 1.0
    router = figures["router (out of family)"]
    assert 0 <= router["solvable_auc"] <= 1
    assert set(figures["router spread"]["delta_at_0.98"]) == {"sd", "min", "max"}
    spread = figures["router spread"]["delta_at_0.98"]
    assert spread["min"] <= router["delta_at_0.98"] <= spread["max"]

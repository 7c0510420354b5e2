"""budgetrouter monitor: levels, spend against the top level, agreement, cut-offs, drift."""

from __future__ import annotations

import json

import pytest

from budgetrouter.cli import main


def rows() -> list[dict]:
    out = []
    for i in range(60):
        effort = ["low", "medium", "high"][i % 3]
        out.append({
            "prompt": f"Task add #{i}: solve for these 2 numbers: {i} {i + 1}", "model": "o4-mini",
            "provider": "openai", "effort": effort, "budget": None,
            "reasoning_tokens": {"low": 100, "medium": 400, "high": 1600}[effort],
            "correct": float(i % 4 != 0), "correct_source": "agreement" if i % 2 else "finished",
            "status": "truncated" if i % 10 == 0 else "finished",
            "escalated_from": "short" if i % 20 == 0 else None,
            "shadow_reasoning_tokens": 1600 if i % 2 else None,
        })  # fmt: skip
    return out


def test_monitor_reports_levels_spend_agreement_and_drift(tiny_bundle, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows()))
    reference = tmp_path / "train.jsonl"
    reference.write_text("".join(
        json.dumps({"prompt": f"What is the capital of country {i}?", "reasoning_tokens": 5,
                    "correct": 1}) + "\n" for i in range(80)))  # fmt: skip
    argv = ["monitor", "--logs", str(log), "--bundle", str(tiny_bundle), "--reference",
            str(reference), "--out", str(tmp_path / "m")]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    levels = {r["level"]: r for r in report["levels"]}
    assert set(levels) == {"effort low", "effort medium", "effort high"}
    assert (
        levels["effort low"]["calls"] == 20
        and levels["effort high"]["mean_reasoning_tokens"] == 1600
    )
    assert levels["effort low"]["agreement_rows"] == 10  # the shadow-labelled rows only
    spend = report["spend"]["o4-mini"]
    assert spend["top_level"] == "effort high" and spend["top_level_tokens_per_call"] == 1600
    assert spend["share_of_top"] == pytest.approx((100 + 400 + 1600) / 3 / 1600)
    assert report["truncated_rate"] == pytest.approx(0.1)
    assert report["escalated_rate"] == pytest.approx(0.05)
    assert report["drift"]["auc"] > 0.9  # arithmetic tasks against capital questions
    for name in ("monitor.json", "monitor.md", "monitor.png"):
        assert (tmp_path / "m" / name).stat().st_size > 0


def test_monitor_without_reference_skips_drift(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows()))
    assert main(["monitor", "--logs", str(log)]) == 0
    assert "--reference" in json.loads(capsys.readouterr().out)["drift"]["note"]
    assert main(["monitor", "--logs", str(log), "--reference", str(log)]) == 2
    assert "--reference needs --bundle" in capsys.readouterr().err

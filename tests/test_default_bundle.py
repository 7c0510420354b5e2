"""The default router, trained as `make run` trains it on the five sources (`make test-slow`)."""

import json

import pytest

from budgetrouter import Router
from budgetrouter.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "bundle"
    cache = ROOT / ".cache" / "budgetrouter"  # shared with `make run`
    assert (
        main(
            [
                "train",
                "--data",
                str(ROOT / "data"),
                "--config",
                str(ROOT / "training" / "default.json"),
                "--embedder",
                "minilm-static",
                "--out",
                str(out),
                "--no-track",
                "--cache-dir",
                str(cache),
            ]
        )
        == 0
    )
    return out


def test_held_out_families_keep_the_accuracy_on_every_source(default_bundle):
    metrics = json.loads((default_bundle / "manifest.json").read_text())["metrics"]
    assert metrics["heldout_accuracy_kept"] >= 0.98
    kept = {k: v for k, v in metrics.items() if k.startswith("source_") and k.endswith("_kept")}
    assert len(kept) == 6 and min(kept.values()) >= 0.97
    # Reasoning models with no cap on MiP-Overthinking: kept, and no fixed budget saves more.
    assert metrics["source_mip_overthinking_accuracy_kept"] >= 0.98
    assert (
        metrics["source_mip_overthinking_tokens_saved"]
        >= metrics["source_mip_overthinking_fixed_tokens_saved"]
    )
    # Model-aware decisions on SimpleQA keep the models' top-level accuracy on average.
    assert metrics["levels.tts-simpleqa.model_aware.accuracy_kept"] >= 0.97
    assert metrics["levels.tts-simpleqa.model_aware.tokens_saved"] > 0.2


def test_known_models_get_their_own_control(default_bundle):
    router = Router.load(default_bundle)
    assert {"o4-mini", "gemini-2.5-flash", "claude-sonnet-4", "gpt-5-mini"} <= set(
        router.known_models
    )
    o4 = router.route("What is 2 + 3?", model="o4-mini")
    assert o4.model_aware and o4.effort in {"low", "medium", "high"}
    gemini = router.route("What is 2 + 3?", model="gemini-2.5-flash")
    assert gemini.model_aware and gemini.budget_tokens in {0, 256, 512, 1024, 2048}


def test_easy_prompts_cost_less_than_hard_ones(default_bundle):
    router = Router.load(default_bundle)
    examples = [
        json.loads(x)
        for x in (ROOT / "training" / "example_prompts.jsonl").read_text().splitlines()
    ]
    examples = [e for e in examples if "model" not in e]
    by_id = {
        e["id"]: d
        for e, d in zip(examples, router.route_batch([e["prompt"] for e in examples]), strict=True)
    }
    assert by_id["capital"].budget_tokens <= by_id["zebra"].budget_tokens
    assert by_id["add"].predicted_tokens < by_id["sudoku"].predicted_tokens
    assert by_id["add"].predicted_tokens < by_id["competition"].predicted_tokens
    assert by_id["capital"].predicted_tokens_upper < by_id["zebra"].predicted_tokens_upper

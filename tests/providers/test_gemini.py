"""Gemini: thinking budgets and levels sent, thought tokens read back."""

import warnings

import pytest

from budgetrouter.providers import reasoning_usage, request_params
from tests.providers.loopback import (
    GEMINI,
    LONG,
    NONE,
    SHORT,
    UNCAPPED,
    Handler,
    decision,
    gemini_client,
    send_gemini,
)


@pytest.mark.parametrize(
    ("model", "d", "budget"),
    [
        ("gemini-2.5-pro", NONE, 128),
        ("gemini-2.5-flash", NONE, 0),
        ("gemini-2.5-flash", SHORT, 2000),
        ("gemini-2.5-flash-lite", decision("short", 100), 512),
        ("gemini-2.5-pro", decision("long", 60000), 32768),
        ("gemini-2.5-flash", UNCAPPED, -1),
    ],
)
def test_gemini_thinking_budget(server, model, d, budget):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        params = request_params(d, "gemini", model)
    assert bool(caught) == (d.budget_tokens == 100)  # only the below-minimum budget warns
    body = send_gemini(server, params, model)
    # google-genai writes the ThinkingConfig fields by their proto names, as it does for its
    # own typed ThinkingConfig(thinking_budget=...)
    assert body["generationConfig"]["thinkingConfig"] == {"thinking_budget": budget}


def test_gemini_3_sends_a_level_never_a_budget(server):
    body = send_gemini(
        server, request_params(SHORT, "gemini", "gemini-3-pro-preview"), "gemini-3-pro-preview"
    )
    assert body["generationConfig"]["thinkingConfig"] == {"thinking_level": "LOW"}


@pytest.mark.parametrize(("d", "level"), [(NONE, "MINIMAL"), (SHORT, "LOW"), (LONG, "HIGH")])
def test_gemini_3_flash_levels(server, d, level):
    params = request_params(d, "gemini", "gemini-3-flash-preview")
    body = send_gemini(server, params, "gemini-3-flash-preview")
    assert body["generationConfig"]["thinkingConfig"] == {"thinking_level": level}
    assert bool(params.notes) == (d.tier == "none")


def test_gemini_thoughts(server):
    Handler.replies["gemini"] = {**GEMINI, "usageMetadata": {"thoughtsTokenCount": 321}}
    client = gemini_client(server)
    usage = reasoning_usage(client.models.generate_content(model="gemini-2.5-flash", contents="x"))
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (321, False, "gemini")


def test_gemini_rest_json_cut_off():
    resp = {
        "candidates": [{"finishReason": "MAX_TOKENS"}],
        "usageMetadata": {"thoughtsTokenCount": 12},
    }
    usage = reasoning_usage(resp)
    assert (usage.reasoning_tokens, usage.truncated, usage.provider) == (12, True, "gemini")

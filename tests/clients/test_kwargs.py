"""Reading prompts and the caller's thinking from the SDKs' argument shapes (no server)."""

import pytest

from budgetrouter.clients.genai import GENERATE_CONTENT
from budgetrouter.clients.kwargs import caller_level, given, merge, merger, user_text


def test_the_last_user_message_with_text_is_the_prompt():
    messages = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url"},
                                     {"type": "text", "text": "b"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "1"}]},
    ]  # fmt: skip
    assert user_text(messages) == "a\nb"  # the tool results after it have no text
    assert user_text([{"role": "assistant", "content": "x"}]) == ""
    assert user_text("not a list") == ""


def test_genai_contents_of_every_shape():
    from google.genai import types

    prompt = GENERATE_CONTENT.prompt
    assert prompt({"contents": "hi"}) == "hi"
    assert prompt({"contents": ["look at", types.Part(text="this")]}) == "look at\nthis"
    assert prompt({"contents": types.Content(role="user", parts=[types.Part(text="x")])}) == "x"
    turns = [
        {"role": "user", "parts": [{"text": "q"}]},
        {"role": "model", "parts": [{"text": "a"}]},
    ]
    assert prompt({"contents": turns}) == "q"
    assert prompt({"contents": [types.Part(text="idea", thought=True)]}) == ""
    assert GENERATE_CONTENT.model({"model": "models/gemini-2.5-flash"}) == "gemini-2.5-flash"


@pytest.mark.parametrize(
    ("values", "level"),
    [
        (["high"], {"budget": None, "effort": "high"}),
        ([{"type": "enabled", "budget_tokens": 2048}], {"budget": 2048, "effort": None}),
        ([{"type": "disabled"}], {"budget": 0, "effort": None}),
        ([{"type": "adaptive"}, "medium"], {"budget": None, "effort": "medium"}),
        ([{"enabled": False}], {"budget": 0, "effort": None}),
        ([{"max_tokens": 900}], {"budget": 900, "effort": None}),
        ([{"thinking_budget": -1}], {"budget": None, "effort": None}),
        ([{"thinking_level": "LOW"}], {"budget": None, "effort": "low"}),
        ([False], {"budget": 0, "effort": None}),
        ([True, 3000], {"budget": 3000, "effort": None}),
        (["max"], {"budget": None, "effort": None}),  # not an effort the trainer knows
    ],
)
def test_the_level_of_the_callers_own_thinking(values, level):
    assert caller_level(values) == {**level, "tier": None}


def test_caller_level_reads_genai_thinking_config_objects():
    from google.genai import types

    assert caller_level([types.ThinkingConfig(thinking_budget=0)])["budget"] == 0


def test_merging_keeps_the_callers_fields_and_one_limit():
    caller = {"extra_body": {"provider": {"sort": "price"}}, "max_tokens": 10}
    params = {"extra_body": {"reasoning": {"max_tokens": 5}}, "max_completion_tokens": 99}
    out = merger(("max_completion_tokens", "max_tokens"))(caller, params)
    assert out == {
        "extra_body": {"provider": {"sort": "price"}, "reasoning": {"max_tokens": 5}},
        "max_tokens": 99,
    }
    assert caller == {"extra_body": {"provider": {"sort": "price"}}, "max_tokens": 10}
    assert merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}


def test_sdk_sentinels_are_not_given():
    from openai import NOT_GIVEN, omit

    assert not given(omit) and not given(NOT_GIVEN) and not given(None) and given(0)


def test_merge_takes_an_sdk_object_as_the_fields_it_was_given():
    from openai.types.shared import Reasoning as ReasoningModel
    from openai.types.shared_params import Reasoning  # a TypedDict: a dict already

    from budgetrouter.clients.kwargs import merge

    assert merge({"reasoning": Reasoning(summary="auto")}, {"reasoning": {"effort": "high"}}) == {
        "reasoning": {"summary": "auto", "effort": "high"}
    }
    model = ReasoningModel(summary="auto")
    assert merge({"reasoning": model}, {"reasoning": {"effort": "low"}}) == {
        "reasoning": {"summary": "auto", "effort": "low"}
    }

"""The comparators of shadow labels, and reading an answer's text."""

from __future__ import annotations

import pytest

from budgetrouter.agreement import COMPARATORS, answer_text, choice_letter, comparator, last_number
from budgetrouter.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "a", "b", "agree"),
    [
        ("exact", "Paris", "Paris", True),
        ("exact", "Paris", "paris", False),
        ("normalized", "Paris.", "  paris ", True),
        ("normalized", "São Paulo!", "sao paulo", True),
        ("normalized", "", "", False),  # nothing to compare
        ("last_number", "So the total is 1,000.", "1000", True),
        ("last_number", "x = 3, then 42", "42.0", True),
        ("last_number", "41", "42", False),
        ("last_number", "no number", "no number", False),
        ("choice", "The answer is (C).", "C", True),
        ("choice", "Answer: b", "B", True),
        ("choice", "I pick (D)", "Answer: C", False),
        ("choice", "unsure", "unsure", False),
        ("json", '{"a": 1, "b": [2]}', 'Here: {"b": [2], "a": 1}', True),
        ("json", "[1, 2]", "[2, 1]", False),
        ("json", "none", "none", False),
    ],
)
def test_builtin_comparators(name, a, b, agree):
    assert COMPARATORS[name](a, b) is agree


def test_readers():
    assert last_number("-3.5e2 apples") == -350.0 and last_number("none") is None
    assert choice_letter("Option (J)") == "J" and choice_letter("maybe") is None


def test_comparator_takes_a_name_or_a_function():
    assert comparator("exact") is COMPARATORS["exact"]
    judge = lambda a, b: len(a) == len(b)  # noqa: E731
    assert comparator(judge) is judge
    with pytest.raises(ConfigError, match=r"Unknown comparator 'fuzzy'. Available: \['choice'"):
        comparator("fuzzy")
    with pytest.raises(ConfigError, match="Unknown comparator 3"):
        comparator(3)


def test_answer_text_of_every_shape():
    chat = {"choices": [{"message": {"content": "42", "reasoning_content": "think"}}]}
    responses = {"object": "response", "output": [
        {"type": "reasoning", "summary": []},
        {"type": "message", "content": [{"type": "output_text", "text": "42"}]}]}  # fmt: skip
    anthropic = {"type": "message", "content": [
        {"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "42"}]}  # fmt: skip
    gemini = {"candidates": [{"content": {"parts": [
        {"text": "hm", "thought": True}, {"text": "42"}]}}]}  # fmt: skip
    assert {answer_text(r) for r in (chat, responses, anthropic, gemini)} == {"42"}
    assert answer_text({"choices": [{"message": {"content": None}}]}) == ""


def test_tool_calls_are_part_of_the_answer():
    def chat(name, args):
        call = {"id": "c", "type": "function", "function": {"name": name, "arguments": args}}
        return {"choices": [{"message": {"content": None, "tool_calls": [call]}}]}

    same = answer_text(chat("weather", '{"city": "Paris", "days": 2}'))
    assert same == 'weather({"city": "Paris", "days": 2})'
    assert COMPARATORS["normalized"](
        same, answer_text(chat("weather", '{"days":2,"city":"Paris"}'))
    )
    other = answer_text(chat("weather", '{"city": "Rome", "days": 2}'))
    assert not COMPARATORS["exact"](same, other) and not COMPARATORS["normalized"](same, other)
    use = {"type": "tool_use", "id": "t", "name": "weather", "input": {"city": "Paris"}}
    anthropic = {"type": "message", "content": [{"type": "text", "text": "Checking."}, use]}
    assert answer_text(anthropic) == 'Checking.\nweather({"city": "Paris"})'
    assert not COMPARATORS["exact"]("", "")  # two empty answers do not agree

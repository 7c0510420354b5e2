"""The LiteLLM callback, driven through LiteLLM's real SDK against a loopback provider."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time

import litellm
import pytest

from budgetrouter.decision import Decision
from budgetrouter.errors import ConfigError, PromptError
from budgetrouter.integrations import litellm as integration
from budgetrouter.integrations.litellm import BudgetRouterCallback, completion
from budgetrouter.integrations.litellm_request import METADATA_KEY, litellm_params, provider_of
from budgetrouter.providers import request_params
from tests.integrations.conftest import CHAT, bodies, rows

pytestmark = pytest.mark.filterwarnings("ignore:budget .* is below the minimum:UserWarning")

PROMPT = "Task sort #3: solve for these 5 numbers: 4 8 15 16 23"
MESSAGES = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": PROMPT},
]
KEYS = {"api_key": "test-key", "num_retries": 0}


def wait_rows(log, n, timeout=10.0):
    """The log's rows once it has ``n`` (LiteLLM runs sync success hooks on a thread)."""
    deadline = time.monotonic() + timeout
    while len(rows(log)) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return rows(log)


async def await_rows(log, n, timeout=10.0):
    """The log's rows once it has ``n`` (LiteLLM runs async success hooks as tasks)."""
    deadline = time.monotonic() + timeout
    while len(rows(log)) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return rows(log)


def acall(log, n=1, **kwargs):
    """``litellm.acompletion`` with the test's messages, then the log's rows once it has ``n``."""

    async def call():
        response = await litellm.acompletion(messages=MESSAGES, **KEYS, **kwargs)
        return response, (None if log is None else await await_rows(log, n))

    return call


def test_acompletion_sets_openai_effort_and_logs_one_row(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))
    response, written = run(acall(log, model="o4-mini", api_base=server)())
    decision = router.route(PROMPT, model="o4-mini")
    params = request_params(decision, "openai", "o4-mini")
    assert bodies()[-1]["reasoning_effort"] == params["reasoning_effort"]
    assert response.choices[0].message.content == "4"
    run(asyncio.sleep(0.2))  # a second success event would write a second row
    assert len(rows(log)) == 1
    row = written[0]
    assert row["prompt"] == PROMPT and row["model"] == "o4-mini"
    assert row["reasoning_tokens"] == 321 and row["status"] == "finished"
    assert row["thinking_set_by"] == "router" and row["provider"] == "openai"
    # the row says what was sent (o4-mini's effort), not the tier's nominal budget
    assert (row["tier"], row["budget"], row["effort"]) == (
        decision.tier, None, params["reasoning_effort"])  # fmt: skip
    assert row["bundle_version"] == decision.bundle_version


def test_a_logged_stream_reports_its_usage(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))

    async def call():
        stream = await litellm.acompletion(
            model="o4-mini", messages=MESSAGES, stream=True, api_base=server, **KEYS
        )
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
        return text, await await_rows(log, 1)

    text, written = run(call())
    assert text == "4"
    assert bodies()[-1]["stream_options"] == {"include_usage": True}
    assert "reasoning_effort" in bodies()[-1]
    assert len(written) == 1 and written[0]["reasoning_tokens"] == 321


def test_caller_effort_is_never_overwritten(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))
    _, written = run(acall(log, model="openai/o4-mini", api_base=server, reasoning_effort="high")())
    assert bodies()[-1]["reasoning_effort"] == "high"
    assert len(written) == 1
    row = written[0]
    assert row["thinking_set_by"] == "caller"
    assert (row["effort"], row["budget"], row["tier"]) == ("high", None, None)
    assert row["reasoning_tokens"] == 321


def test_sync_completion_wrapper_sets_anthropic_thinking(server, router, log, register):
    register(BudgetRouterCallback(router, log))
    completion(
        model="anthropic/claude-sonnet-4-5", messages=MESSAGES, max_tokens=6000,
        api_base=server, **KEYS,
    )  # fmt: skip
    decision = router.route(PROMPT, model="claude-sonnet-4-5")
    params = request_params(decision, "anthropic", "claude-sonnet-4-5", max_tokens=6000)
    body = bodies()[-1]
    assert body["thinking"] == params["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["max_tokens"] == params["max_tokens"] == 6000
    written = wait_rows(log, 1)
    time.sleep(0.2)
    assert len(rows(log)) == 1
    row = written[0]
    assert row["model"] == "claude-sonnet-4-5" and row["provider"] == "anthropic"
    assert row["reasoning_tokens"] == 300 and row["thinking_set_by"] == "router"


def test_plain_sync_completion_is_not_routed_and_says_so(server, router, log, register, caplog):
    register(BudgetRouterCallback(router, log))
    litellm.completion(model="o4-mini", messages=MESSAGES, api_base=server, **KEYS)
    assert "reasoning_effort" not in bodies()[-1]
    deadline = time.monotonic() + 10
    while "was not routed" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "integrations.litellm.completion" in caplog.text
    assert rows(log) == []


def test_completion_wrapper_needs_one_registered_callback(router, register):
    register()
    with pytest.raises(ConfigError, match="holds 0 BudgetRouterCallback"):
        completion(model="o4-mini", messages=MESSAGES)


def test_gemini_budget_through_litellm(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))
    run(acall(log, model="gemini/gemini-2.5-flash", api_base=server, max_tokens=8000)())
    decision = router.route(PROMPT, model="gemini-2.5-flash")
    config = request_params(decision, "gemini", "gemini-2.5-flash", max_tokens=8000)["config"]
    sent = bodies()[-1]["generationConfig"]
    assert sent["thinkingConfig"]["thinkingBudget"] == config["thinking_config"]["thinking_budget"]
    assert sent["max_output_tokens"] == config["max_output_tokens"] == 8000
    row = rows(log)[0]
    assert (row["reasoning_tokens"], row["provider"]) == (210, "gemini")


@pytest.mark.parametrize(
    ("model", "decision", "max_tokens"),
    [
        ("gemini-2.5-flash", Decision("none", 0, 0, 0, 0.9, False, "v"), None),
        ("gemini-2.5-flash", Decision("long", None, 9000, 20000, 0.0, False, "v"), None),
        ("gemini-2.5-pro", Decision("short", 700, 500, 900, 0.1, False, "v"), 4000),
        ("gemini-3-flash", Decision("short", 700, 500, 900, 0.1, False, "v"), None),
        ("gemini-3-pro", Decision("long", None, 9000, 20000, 0.0, False, "v"), None),
    ],
)
def test_gemini_parameters_reach_the_body_as_google_genai_sends_them(
    server, model, decision, max_tokens
):
    genai = request_params(decision, "gemini", model, max_tokens=max_tokens)["config"]
    litellm.completion(
        model=f"gemini/{model}", messages=MESSAGES, api_base=server, **KEYS,
        **litellm_params(request_params(decision, "gemini", model, max_tokens), "gemini"),
    )  # fmt: skip
    sent = bodies()[-1]["generationConfig"]
    thinking = {"thinking_budget": "thinkingBudget", "thinking_level": "thinkingLevel"}
    want = {thinking[k]: v for k, v in genai["thinking_config"].items()}
    assert {k: sent["thinkingConfig"][k] for k in want} == want
    assert sent.get("max_output_tokens") == genai.get("max_output_tokens")


def test_openrouter_reasoning_object(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))
    model = "anthropic/claude-sonnet-4-5"
    run(acall(log, model=f"openrouter/{model}", api_base=server)())
    decision = router.route(PROMPT, model=model)
    params = request_params(decision, "openrouter", model)
    assert bodies()[-1]["reasoning"] == params["extra_body"]["reasoning"]
    row = rows(log)[0]
    assert (row["model"], row["provider"], row["reasoning_tokens"]) == (model, "openrouter", 321)


@pytest.mark.parametrize("model", ["openai/gpt-unknown-9", "mistral/mistral-large-latest"])
def test_unknown_model_fails_open_with_a_warning(server, router, log, register, run, caplog, model):
    register(BudgetRouterCallback(router, log))
    with caplog.at_level(logging.WARNING, logger="budgetrouter.integrations.litellm"):
        run(acall(log, n=0, model=model, api_base=server)())
    assert "sent with the caller's own parameters" in caplog.text
    assert "reasoning_effort" not in bodies()[-1]
    run(asyncio.sleep(0.1))
    assert rows(log) == []


def test_strict_raises_for_an_unknown_model(server, router, register, run):
    register(BudgetRouterCallback(router, strict=True))
    with pytest.raises(ConfigError, match="No capability row for openai model 'gpt-unknown-9'"):
        run(acall(None, n=0, model="openai/gpt-unknown-9", api_base=server)())
    assert bodies() == []


def test_proxy_pre_call_hook_sets_thinking_in_the_body(router, run):
    callback = BudgetRouterCallback(router)
    data = {"model": "claude-sonnet-4-5", "messages": MESSAGES, "max_tokens": 6000,
            "metadata": {"user_api_key_alias": "team-a"}}  # fmt: skip
    out = run(callback.async_pre_call_hook(None, None, dict(data), "acompletion"))
    decision = router.route(PROMPT, model="claude-sonnet-4-5")
    params = request_params(decision, "anthropic", "claude-sonnet-4-5", max_tokens=6000)
    assert out["thinking"] == params["thinking"] and out["max_tokens"] == 6000
    assert out["metadata"]["user_api_key_alias"] == "team-a"
    plan = out["metadata"][METADATA_KEY]
    assert plan["decision"] == decision.to_dict() and plan["thinking_set_by"] == "router"
    assert "thinking" not in data  # the caller's dict is not changed
    # at the deployment (the proxy's router calls litellm.acompletion): left as routed
    deployed = {**out, "model": "anthropic/claude-sonnet-4-5"}
    assert run(callback.async_pre_call_deployment_hook(deployed, "acompletion")) == deployed
    assert run(callback.async_pre_call_hook(None, None, data, "embeddings")) is None


def test_proxy_alias_is_routed_at_the_deployment(router, run, caplog):
    callback = BudgetRouterCallback(router, strict=True)
    data = {"model": "team-claude", "messages": MESSAGES}
    with caplog.at_level(logging.WARNING, logger="budgetrouter.integrations.litellm"):
        out = run(callback.async_pre_call_hook(None, None, data, "acompletion"))
    assert "thinking" not in out and caplog.text == ""  # left to the deployment hook
    acompletion = litellm.types.utils.CallTypes.acompletion
    at_deployment = {**out, "model": "anthropic/claude-sonnet-4-5"}
    deployed = run(callback.async_pre_call_deployment_hook(at_deployment, acompletion))
    assert deployed["thinking"]["type"] == "enabled"
    assert deployed["metadata"][METADATA_KEY]["model"] == "claude-sonnet-4-5"
    unknown = {**out, "model": "mistral/mistral-large-latest"}
    with pytest.raises(ConfigError, match="Unknown LiteLLM provider 'mistral'"):
        run(callback.async_pre_call_deployment_hook(unknown, acompletion))


def test_litellm_router_alias_is_routed_for_its_deployment(server, router, log, register, run):
    register(BudgetRouterCallback(router, log))
    deployment = "anthropic/claude-sonnet-4-5-20250929"
    models = [{"model_name": "team-claude",
               "litellm_params": {"model": deployment, "api_base": server, **KEYS}}]  # fmt: skip
    proxy_like = litellm.Router(model_list=models)
    run(proxy_like.acompletion(model="team-claude", messages=MESSAGES))
    assert bodies()[-1]["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    written = run(await_rows(log, 1))
    assert [r["model"] for r in written] == ["claude-sonnet-4-5-20250929"]


def test_only_answers_of_the_routed_model_are_logged(router, log, caplog):
    callback = BudgetRouterCallback(router, log)
    sent = callback.apply({"model": "o4-mini", "messages": MESSAGES})
    response = litellm.ModelResponse(**CHAT)

    def success(model, call):
        event = {
            "model": model, "custom_llm_provider": "openai", "messages": MESSAGES,
            "litellm_params": {"metadata": sent["metadata"]}, "litellm_call_id": call,
        }  # fmt: skip
        callback.log_success_event(event, response, None, None)

    callback.log_success_event(
        {"model": "o4-mini", "messages": [{"role": "user", "content": "[redacted]"}],
         "litellm_params": {"metadata": sent["metadata"]}, "litellm_call_id": "x0"},
        response, None, None,
    )  # fmt: skip
    assert rows(log) == [] and "not the routed ones" in caplog.text
    success("gpt-5", "x1")  # a fallback to another family
    assert rows(log) == [] and "answered by 'gpt-5', routed for 'o4-mini'" in caplog.text
    success("o4-mini-2025-04-16", "x2")  # a snapshot of the routed model
    success("o4-mini-2025-04-16", "x2")  # a call is logged once, whichever hooks fire
    written = rows(log)
    assert len(written) == 1 and written[0]["model"] == "o4-mini"


def test_provider_names():
    assert provider_of("claude-sonnet-4-5") == ("anthropic", "claude-sonnet-4-5")
    assert provider_of("o4-mini") == ("openai", "o4-mini")
    assert provider_of("gemini/gemini-2.5-flash") == ("gemini", "gemini-2.5-flash")
    assert provider_of("openrouter/openai/o4-mini") == ("openrouter", "openai/o4-mini")
    with pytest.raises(ConfigError, match="Unknown LiteLLM provider 'mistral'"):
        provider_of("mistral/mistral-large-latest")
    with pytest.raises(ConfigError, match="the call names no model"):
        provider_of(None)
    with pytest.raises(ConfigError, match="LiteLLM cannot tell the provider of model 'team-x'"):
        provider_of("team-x")


def test_a_call_without_user_text_is_not_routed(router):
    system_only = {"model": "o4-mini", "messages": [{"role": "system", "content": "Be brief."}]}
    with pytest.raises(PromptError, match="no user message with text"):
        BudgetRouterCallback(router, strict=True).apply(system_only)
    sent = BudgetRouterCallback(router).apply(system_only)
    assert "reasoning_effort" not in sent and sent["metadata"][METADATA_KEY]["decision"] is None


def test_bad_arguments(router, tmp_path):
    with pytest.raises(ConfigError, match="router must be a budgetrouter Router"):
        BudgetRouterCallback("models/default")
    with pytest.raises(ConfigError, match="log must be an OutcomeLog"):
        BudgetRouterCallback(router, tmp_path / "log.jsonl")


def test_importing_budgetrouter_does_not_import_litellm():
    code = "import sys, budgetrouter; assert 'litellm' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert integration.__name__ == "budgetrouter.integrations.litellm"


TOOL = {"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}
CALLED = {
    "role": "assistant", "content": None,
    "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "calc", "arguments": "{}"}}],
}  # fmt: skip
ANSWERED = {"role": "tool", "tool_call_id": "call_1", "content": "9"}


@pytest.mark.parametrize(
    "extra",
    [
        {"temperature": 0.2},
        {"top_k": 5},
        {"top_p": 0.5},
        {"extra_body": {"temperature": 0}},
        {"tools": [TOOL], "tool_choice": "required"},
        {"tools": [TOOL], "messages": [*MESSAGES, CALLED, ANSWERED]},
        {"tools": [TOOL], "messages": [*MESSAGES, CALLED, ANSWERED, MESSAGES[-1]]},
    ],
    ids=[
        "temperature",
        "top_k",
        "top_p",
        "extra_body",
        "forced tool",
        "tool loop",
        "tool loop, then user text",
    ],
)
def test_anthropic_calls_that_rule_thinking_out_go_as_written(
    server, router, log, register, caplog, extra
):
    register(BudgetRouterCallback(router, log))
    kwargs = {"messages": MESSAGES, **extra}
    with caplog.at_level(logging.WARNING, logger="budgetrouter"):
        out = completion(
            model="anthropic/claude-sonnet-4-5", max_tokens=6000, api_base=server, **KEYS,
            **kwargs,
        )  # fmt: skip
    assert out.choices[0].message.content == "4"  # a 400 would have raised
    assert "thinking" not in bodies()[-1] and "Anthropic refuses thinking" in caplog.text
    strict = BudgetRouterCallback(router, strict=True)
    with pytest.raises(ConfigError, match="Anthropic refuses thinking"):
        strict.apply({"model": "anthropic/claude-sonnet-4-5", "max_tokens": 6000, **kwargs})


def test_an_anthropic_tool_loop_begun_with_thinking_is_routed(server, router, log, register):
    register(BudgetRouterCallback(router, log))
    thought = {"type": "thinking", "thinking": "calc it", "signature": "s"}
    called = {**CALLED, "thinking_blocks": [thought]}
    completion(
        model="anthropic/claude-sonnet-4-5", messages=[*MESSAGES, called, ANSWERED],
        tools=[TOOL], max_tokens=6000, api_base=server, **KEYS,
    )  # fmt: skip
    assert bodies()[-1]["thinking"]["type"] == "enabled"


def test_gpt5_minimal_effort_is_raised_beside_web_search(server, tiny_bundle, register):
    from dataclasses import replace

    from budgetrouter import Router

    none = Router.load(tiny_bundle)
    none.set_policy(replace(none.policy, price=1e9, margin_steps=0))
    register(BudgetRouterCallback(none))
    with pytest.warns(UserWarning, match="refuses reasoning effort 'minimal'"):
        completion(
            model="gpt-5", messages=MESSAGES, web_search_options={}, api_base=server,
            allowed_openai_params=["web_search_options"], **KEYS,
        )  # fmt: skip
    assert bodies()[-1]["reasoning_effort"] == "low"
    completion(model="gpt-5", messages=MESSAGES, api_base=server, **KEYS)
    assert bodies()[-1]["reasoning_effort"] == "minimal"


def test_gpt51_with_a_temperature_goes_as_written(server, router, register, caplog):
    register(BudgetRouterCallback(router))
    with caplog.at_level(logging.WARNING, logger="budgetrouter"):
        completion(model="gpt-5.1", messages=MESSAGES, temperature=0.2, api_base=server, **KEYS)
    assert "reasoning_effort" not in bodies()[-1] and bodies()[-1]["temperature"] == 0.2
    assert "only with reasoning effort 'none'" in caplog.text


def test_exploration_through_the_callback_logs_propensities(server, router, log, register):
    register(BudgetRouterCallback(router, log, explore=1, explore_seed=0))
    for _ in range(12):
        completion(model="o4-mini", messages=MESSAGES, api_base=server, **KEYS)
    written = wait_rows(log, 12)
    sent = [b["reasoning_effort"] for b in bodies()]
    assert len(set(sent)) >= 2 and sorted(r["effort"] for r in written) == sorted(sent)
    assert {r["propensity"] for r in written} == {round(1 / 3, 6)}
    assert {r["routed_effort"] for r in written} == {"medium"}
    with pytest.raises(ConfigError, match="explore must be a share"):
        BudgetRouterCallback(router, log, explore=2)

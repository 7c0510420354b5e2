"""``budgetrouter route``: route one prompt or a JSONL file of prompts with a bundle."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple, TextIO

from budgetrouter.cli.common import UsageError, write_output
from budgetrouter.decision import TIER_NAMES, Decision
from budgetrouter.errors import ConfigError
from budgetrouter.inputs import check_model

HELP = "route prompts with a bundle"
#: Prompts routed per batch when reading a file.
CHUNK = 256
OUTPUT_FIELDS = tuple(f.name for f in dataclasses.fields(Decision))
FORECAST_FIELDS = ("forecast", "forecast_error")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``route``."""
    p.add_argument("prompt", nargs="?", help="one prompt to route (or use --input)")
    p.add_argument(
        "--input",
        metavar="FILE.jsonl",
        help='lines of {"id": ..., "prompt": ..., "model": ...} ("model" overrides --model)',
    )
    p.add_argument(
        "--model",
        metavar="NAME",
        default=None,
        help="the model that will be called (e.g. o4-mini): a decision in its own control",
    )
    p.add_argument(
        "--strict-model",
        action="store_true",
        help="refuse a model the bundle does not know instead of a model-agnostic decision",
    )
    p.add_argument("--output", metavar="FILE.jsonl", help="write decisions here (default stdout)")
    p.add_argument(
        "--bundle",
        metavar="DIR",
        help="bundle folder (default: the pretrained router shipped in the package)",
    )
    p.add_argument(
        "--format",
        choices=("jsonl", "table"),
        default="jsonl",
        help="output format (table: for people)",
    )
    p.add_argument(
        "--forecast",
        action="store_true",
        help="add each call's forecast: reasoning tokens (typical and upper), USD and seconds "
        "under the decision and at the model's top level (needs --model or per-line models)",
    )
    p.add_argument(
        "--fallback-tier",
        choices=TIER_NAMES,
        default=None,
        help="return this tier (flagged) for prompts that cannot be routed",
    )


class Item(NamedTuple):
    """One prompt to route, or the line that held it and what keeps it from being routed.

    ``line`` is 0 for a prompt given on the command line.
    """

    line: int
    id: Any
    prompt: Any
    model: Any
    problem: str | None = None


def read_route_input(path: str) -> list[Item]:
    """The items of a JSONL file, one per non-blank line, in order.

    A line that cannot be routed (not a JSON object, no ``"prompt"``, a ``"model"`` that is
    not a name) keeps its place with the ``problem`` said; the id defaults to the line number,
    the model to ``None`` (use ``--model``).

    Raises
    ------
    DataError
        If the file cannot be read as UTF-8 text.
    """
    from budgetrouter._files import jsonl_lines

    items = []
    problem: str | None
    for lineno, record, problem in jsonl_lines(path):
        if problem is None and "prompt" not in record:
            problem = 'each line must be a JSON object with a "prompt"'
        if problem is not None:
            items.append(Item(lineno, lineno, None, None, problem))
            continue
        model = record.get("model")
        if model is not None:
            try:
                check_model(model)
            except ConfigError as exc:
                problem = f'"model": {exc}'
        items.append(Item(lineno, record.get("id", lineno), record["prompt"], model, problem))
    return items


def write_table(
    rows: Sequence[tuple[Item, dict[str, Any] | None]], out: TextIO, forecasts: bool = False
) -> None:
    """Decisions as a table for people; a line that could not be routed says why.

    ``expected`` is the reasoning a run is predicted to spend under the decision, ``at top``
    what it would spend at the model's top level (no cap for a model-agnostic decision). With
    ``forecasts``: the call's cost in USD (typical, and the upper quantile), what it saves
    against the top level, and the seconds of thinking it adds.
    """
    header = (
        f"{'prompt':<44} {'model':<16} {'tier':<5} {'budget':>7} {'effort':<6} "
        f"{'expected':>8} {'at top':>7} {'needed':>6} {'p_none':>6}"
    )
    if forecasts:
        header += f" {'cost $':>8} {'upper $':>8} {'saved $':>8} {'think s':>7}"
    out.write(header + "\n" + "-" * len(header) + "\n")
    notes: dict[str, str] = {}

    def num(value: Any) -> str:
        return "-" if value is None else str(value)

    for item, d in rows:
        # unpaired surrogates shown escaped: the table must print whatever the prompt holds
        text = " ".join(str(item.prompt).split()).encode("utf-8", "backslashreplace").decode()
        text = text if len(text) <= 44 else text[:41] + "..."
        if d is None:
            out.write(f"{text:<44} error (line {item.line}): {item.problem}\n")
            continue
        unknown = "?" if d["model"] and not d["model_aware"] else ""
        model = d["model"] or "(any)"
        model = model if len(model) <= 16 - len(unknown) else model[: 15 - len(unknown)] + "~"
        model += unknown  # kept when the name is cut
        budget = "no cap" if d["budget_tokens"] is None else str(d["budget_tokens"])
        p0 = "-" if d["p_no_thinking"] is None else f"{d['p_no_thinking']:.2f}"
        line = (
            f"{text:<44} {model:<16} {d['tier']:<5} {budget:>7} {d['effort'] or '-':<6} "
            f"{num(d['expected_tokens']):>8} {num(d['expected_tokens_top']):>7} "
            f"{num(d['predicted_tokens']):>6} {p0:>6}"
        )
        if forecasts:
            f = d.get("forecast")
            if f is None:
                notes.setdefault(d["model"] or "(any)", d.get("forecast_error", ""))
            line += (
                f" {usd(f, 'cost_usd'):>8} {usd(f, 'cost_upper_usd'):>8} "
                f"{usd(f, 'saved_usd'):>8} {secs(f):>7}"
            )
        out.write(line + "\n")
    for model, reason in notes.items():
        out.write(f"no forecast for {model}: {reason}\n")


def usd(f: dict[str, Any] | None, key: str) -> str:
    """A forecast's cost in USD for the table, ``-`` when there is none."""
    return "-" if f is None or f[key] is None else f"{f[key]:.5f}"


def secs(f: dict[str, Any] | None) -> str:
    """A forecast's added seconds of thinking for the table, ``-`` when there is none."""
    return "-" if f is None or f["latency_s"] is None else f"{f['latency_s']:.1f}"


def run(args: argparse.Namespace) -> int:
    """Route and print (or write) the decisions.

    Returns 0 when every prompt was routed, 1 when some lines of ``--input`` could not be (each
    keeps its place in the output with an ``"error"``, and stderr names its line).
    """
    from budgetrouter import Router, RouterConfig
    from budgetrouter.router import prompt_problem

    if (args.prompt is None) == (args.input is None):
        raise UsageError("give either one PROMPT or --input FILE.jsonl")
    if args.model is not None and not (args.model.strip() and args.model == args.model.strip()):
        raise UsageError(f"--model must name the model called, got {args.model!r}")
    if args.bundle is not None and not args.bundle.strip():
        raise UsageError("--bundle must name a bundle folder (leave it out for the packaged one)")
    items = read_route_input(args.input) if args.input else [Item(0, None, args.prompt, None)]
    if not items:
        raise UsageError(f"--input {args.input}: no prompts (the file has no non-blank line)")
    config = RouterConfig(fallback_tier=args.fallback_tier, strict_model=args.strict_model)
    router = Router.load(args.bundle, config) if args.bundle else Router.default(config)
    if args.strict_model and args.model is not None and not router.knows_model(args.model):
        raise UsageError(
            f"--model: model {args.model!r} is not one this bundle knows ({router.known_models})"
        )
    if args.input:  # a line that cannot be routed keeps its place, with its problem said
        items = [_problem(item, args, router, prompt_problem) for item in items]
    good = [i for i, item in enumerate(items) if item.problem is None]
    decisions: dict[int, dict[str, Any]] = {}
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        routed = router.route_batch(
            [items[i].prompt for i in chunk], model=[items[i].model or args.model for i in chunk]
        )
        decisions |= {i: d.to_dict() for i, d in zip(chunk, routed, strict=True)}
    if args.forecast:
        for i, d in decisions.items():
            d |= with_forecast(routed_decision(d), items[i].model or args.model)
    rows = [(item, decisions.get(i)) for i, item in enumerate(items)]

    def emit(out: TextIO) -> None:
        if args.format == "table":
            write_table(rows, out, args.forecast)
            return
        for item, d in rows:
            record = {"id": item.id} if args.input else {}
            if d is None:
                record["error"] = f"line {item.line}: {item.problem}"
            else:
                record |= {k: d[k] for k in OUTPUT_FIELDS + FORECAST_FIELDS if k in d}
            out.write(json.dumps(record) + "\n")

    write_output(args.output, emit, sys.stdout)
    failed = [item for item in items if item.problem is not None]
    if failed:
        listed = "".join(f"\n  line {i.line}: {i.problem}" for i in failed[:20])
        more = f"\n  ... and {len(failed) - 20} more" if len(failed) > 20 else ""
        sys.stderr.write(
            f"budgetrouter route: {len(failed)} of {len(items)} lines of {args.input} could not "
            f'be routed (each has an "error" in the output; the others were routed):'
            f"{listed}{more}\n"
        )
        return 1
    return 0


def _problem(item: Item, args: argparse.Namespace, router: Any, prompt_problem: Any) -> Item:
    """``item`` with what keeps it from being routed, if anything."""
    if item.problem is not None:
        return item
    if args.fallback_tier is None and (problem := prompt_problem(item.prompt)) is not None:
        return item._replace(problem=f"the prompt {problem}")
    name = item.model or args.model
    if args.strict_model and name is not None and not router.knows_model(name):
        known = f"model {name!r} is not one this bundle knows ({router.known_models})"
        return item._replace(problem=known + "; leave out --strict-model to route it anyway")
    return item


def routed_decision(d: dict[str, Any]) -> Decision:
    """The :class:`Decision` of a row's dict."""
    return Decision(**{k: d[k] for k in OUTPUT_FIELDS})


def with_forecast(decision: Decision, model: str | None) -> dict[str, Any]:
    """``{"forecast": ...}`` for a decision, or ``{"forecast_error": ...}`` saying why not."""
    from budgetrouter.forecast import forecast

    if model is None and decision.model is None:
        return {"forecast_error": 'no model named: pass --model NAME (or a "model" field)'}
    try:
        return {"forecast": forecast(decision, model).to_dict()}
    except ConfigError as exc:
        return {"forecast_error": str(exc)}

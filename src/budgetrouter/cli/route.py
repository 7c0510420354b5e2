"""``budgetrouter route``: route one prompt or a JSONL file of prompts with a bundle."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from budgetrouter.cli.common import DEFAULT_BUNDLE, UsageError, write_output
from budgetrouter.decision import TIER_NAMES, Decision
from budgetrouter.errors import DataError

HELP = "route prompts with a bundle"
#: Prompts routed per batch when reading a file.
CHUNK = 256
OUTPUT_FIELDS = tuple(f.name for f in dataclasses.fields(Decision))


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
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR")
    p.add_argument(
        "--format",
        choices=("jsonl", "table"),
        default="jsonl",
        help="output format (table: for people)",
    )
    p.add_argument(
        "--fallback-tier",
        choices=TIER_NAMES,
        default=None,
        help="return this tier (flagged) for prompts that cannot be routed",
    )


def read_route_input(path: str) -> list[tuple[int, Any, Any, Any]]:
    """``(line, id, prompt, model)`` of each item of a JSONL file.

    The id defaults to the line number, the model to ``None`` (use ``--model``).
    """
    from budgetrouter.train.readers import jsonl_records

    items = []
    for lineno, record in jsonl_records(path):
        if "prompt" not in record:
            raise DataError(
                path, 'each line must be an object with a "prompt"', row=lineno, field="prompt"
            )
        model = record.get("model")
        if model is not None and not (isinstance(model, str) and model.strip()):
            raise DataError(
                path,
                f'"model" must be a non-empty string naming the model called, got {model!r}',
                row=lineno,
                field="model",
            )
        items.append((lineno, record.get("id", lineno), record["prompt"], model))
    return items


def write_table(rows: Sequence[tuple[Any, Any, dict[str, Any]]], out: TextIO) -> None:
    """Decisions as a table for people.

    ``expected`` is the reasoning a run is predicted to spend under the decision, ``at top``
    what it would spend at the model's top level (no cap for a model-agnostic decision).
    """
    header = (
        f"{'prompt':<44} {'model':<16} {'tier':<5} {'budget':>7} {'effort':<6} "
        f"{'expected':>8} {'at top':>7} {'needed':>6} {'p_none':>6}"
    )
    out.write(header + "\n" + "-" * len(header) + "\n")

    def num(value: Any) -> str:
        return "-" if value is None else str(value)

    for _, prompt, d in rows:
        text = " ".join(str(prompt).split())
        text = text if len(text) <= 44 else text[:41] + "..."
        model = d["model"] or "(any)"
        if d["model"] and not d["model_aware"]:
            model += "?"
        model = model if len(model) <= 16 else model[:15] + "~"
        budget = "no cap" if d["budget_tokens"] is None else str(d["budget_tokens"])
        p0 = "-" if d["p_no_thinking"] is None else f"{d['p_no_thinking']:.2f}"
        out.write(
            f"{text:<44} {model:<16} {d['tier']:<5} {budget:>7} {d['effort'] or '-':<6} "
            f"{num(d['expected_tokens']):>8} {num(d['expected_tokens_top']):>7} "
            f"{num(d['predicted_tokens']):>6} {p0:>6}\n"
        )


def run(args: argparse.Namespace) -> int:
    """Route and print (or write) the decisions."""
    from budgetrouter import Router, RouterConfig
    from budgetrouter.router import prompt_problem

    if (args.prompt is None) == (args.input is None):
        raise UsageError("give either one PROMPT or --input FILE.jsonl")
    items = read_route_input(args.input) if args.input else [(0, None, args.prompt, None)]
    config = RouterConfig(fallback_tier=args.fallback_tier, strict_model=args.strict_model)
    router = Router.load(args.bundle, config)
    if args.input and args.fallback_tier is None:  # name the line, not a position in a batch
        for lineno, _, prompt, _ in items:
            problem = prompt_problem(prompt)
            if problem is not None:
                raise DataError(args.input, f"the prompt {problem}", row=lineno, field="prompt")
    if args.model is not None and not (args.model.strip() and args.model == args.model.strip()):
        raise UsageError(f"--model must name the model called, got {args.model!r}")
    if args.strict_model:  # name the line (or the option) of a model the bundle does not know
        for lineno, _, _, model in items:
            name = model or args.model
            if name is not None and not router.knows_model(name):
                known = f"model {name!r} is not one this bundle knows ({router.known_models})"
                if model is None:
                    raise UsageError(f"--model: {known}")
                raise DataError(args.input, known, row=lineno, field="model")
    rows = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        decisions = router.route_batch(
            [prompt for _, _, prompt, _ in chunk],
            model=[model or args.model for _, _, _, model in chunk],
        )
        rows += [(i, p, d.to_dict()) for (_, i, p, _), d in zip(chunk, decisions, strict=True)]

    def emit(out: TextIO) -> None:
        if args.format == "table":
            write_table(rows, out)
            return
        for i, _, d in rows:
            record = ({"id": i} if args.input else {}) | {k: d[k] for k in OUTPUT_FIELDS}
            out.write(json.dumps(record) + "\n")

    write_output(args.output, emit, sys.stdout)
    return 0

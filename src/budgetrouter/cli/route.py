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
    p.add_argument("--input", metavar="FILE.jsonl", help='lines of {"id": ..., "prompt": ...}')
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


def read_route_input(path: str) -> list[tuple[int, Any, Any]]:
    """``(line, id, prompt)`` of each item of a JSONL file (the id defaults to the line)."""
    from budgetrouter.train.readers import jsonl_records

    items = []
    for lineno, record in jsonl_records(path):
        if "prompt" not in record:
            raise DataError(
                path, 'each line must be an object with a "prompt"', row=lineno, field="prompt"
            )
        items.append((lineno, record.get("id", lineno), record["prompt"]))
    return items


def write_table(rows: Sequence[tuple[Any, Any, dict[str, Any]]], out: TextIO) -> None:
    """Decisions as a table for people."""
    header = f"{'prompt':<58} {'tier':<6} {'budget':>7} {'predicted':>9} {'upper':>6} {'p_none':>6}"
    out.write(header + "\n" + "-" * len(header) + "\n")
    for _, prompt, d in rows:
        text = " ".join(str(prompt).split())
        text = text if len(text) <= 58 else text[:55] + "..."
        budget = "no cap" if d["budget_tokens"] is None else str(d["budget_tokens"])
        pred = "-" if d["predicted_tokens"] is None else str(d["predicted_tokens"])
        upper = "-" if d["predicted_tokens_upper"] is None else str(d["predicted_tokens_upper"])
        p0 = "-" if d["p_no_thinking"] is None else f"{d['p_no_thinking']:.2f}"
        out.write(f"{text:<58} {d['tier']:<6} {budget:>7} {pred:>9} {upper:>6} {p0:>6}\n")


def run(args: argparse.Namespace) -> int:
    """Route and print (or write) the decisions."""
    from budgetrouter import Router, RouterConfig
    from budgetrouter.router import prompt_problem

    if (args.prompt is None) == (args.input is None):
        raise UsageError("give either one PROMPT or --input FILE.jsonl")
    items = read_route_input(args.input) if args.input else [(0, None, args.prompt)]
    router = Router.load(args.bundle, RouterConfig(fallback_tier=args.fallback_tier))
    if args.input and args.fallback_tier is None:  # name the line, not a position in a batch
        for lineno, _, prompt in items:
            problem = prompt_problem(prompt)
            if problem is not None:
                raise DataError(args.input, f"the prompt {problem}", row=lineno, field="prompt")
    rows = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        decisions = router.route_batch([prompt for _, _, prompt in chunk])
        rows += [(i, p, d.to_dict()) for (_, i, p), d in zip(chunk, decisions, strict=True)]

    def emit(out: TextIO) -> None:
        if args.format == "table":
            write_table(rows, out)
            return
        for i, _, d in rows:
            record = ({"id": i} if args.input else {}) | {k: d[k] for k in OUTPUT_FIELDS}
            out.write(json.dumps(record) + "\n")

    write_output(args.output, emit, sys.stdout)
    return 0

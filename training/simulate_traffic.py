"""Learn from simulated traffic without labels: exploration, shadow agreement, off-policy checks.

Usage: python training/simulate_traffic.py [--source tts-frames] [--model gpt-5-mini]
       [--calls 10000] [--explore 0.5] [--shadow 0.5] [--target 0.95] [--runs 5]
       [--out reports/simulation]

Trains the default router on every bundled source but ``--source`` (once, kept in
``models/without-<source>``), then, for each run (seed): serves ``--calls`` requests of half of
that source's prompts through a wrapped OpenAI client whose provider answers from the bundled
runs of ``--model`` (:mod:`budgetrouter.train.simulate`), with exploration and shadow
comparison on; retrains from the logs' agreement rows alone and from the same rows with their
true grades; replays the three routers on the other half of the prompts; and checks the
off-policy estimate of the agreement router against its replayed truth. Writes
``simulation.json`` and ``simulation.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from budgetrouter import Router, TrainConfig
from budgetrouter.embedders import get_embedder
from budgetrouter.train import read_observations
from budgetrouter.train.level_world import LevelWorld
from budgetrouter.train.local import train_router
from budgetrouter.train.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("reasoning-gym", "tts-simpleqa", "mmlu-pro", "mip-overthinking", "crux", "tts-frames")


def bundle_without(source: str, config: TrainConfig, embedder: str) -> Router:
    """The default router trained on every bundled source but ``source`` (trained once)."""
    path = ROOT / "models" / f"without-{source}"
    if (path / "manifest.json").exists():
        return Router.load(path)
    data = [str(ROOT / "data" / s) for s in SOURCES if s != source]
    result = train_router(read_observations(data), config, get_embedder(embedder),
                          cache_dir=ROOT / ".cache" / "budgetrouter")  # fmt: skip
    result.router.save(path)
    return Router.load(path)


def markdown(runs: list[dict], args: argparse.Namespace) -> str:
    """The report's table: one row per run, then the means."""
    lines = [
        f"# Learning from traffic: {args.model} on {args.source}",
        "",
        f"{args.calls} calls per run, explore {args.explore}, shadow {args.shadow}, retrained at "
        f"target {args.target}; replay on the "
        "half of the prompts the traffic never showed. Saving = share of the top level's "
        "reasoning tokens saved; kept = accuracy kept against the top level (true grades).",
        "",
        "| run | before: kept / saving | agreement rows: kept / saving | true grades: kept / "
        "saving | recovered | off-policy agreement kept [interval] | replayed | covered |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(runs):
        kept = r["offpolicy"]["accuracy_kept"]
        lines.append(
            f"| {i} | {r['before']['accuracy_kept']:.3f} / {r['before']['tokens_saved']:.1%} | "
            f"{r['from_agreement']['accuracy_kept']:.3f} / "
            f"{r['from_agreement']['tokens_saved']:.1%} | "
            f"{r['from_true_labels']['accuracy_kept']:.3f} / "
            f"{r['from_true_labels']['tokens_saved']:.1%} | {r['recovered']:.2f} | "
            f"{kept['estimate']:.3f} [{kept['low']:.3f}, {kept['high']:.3f}] | "
            f"{r['offpolicy_truth']:.3f} | {kept['low'] <= r['offpolicy_truth'] <= kept['high']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default="tts-frames", choices=SOURCES)
    ap.add_argument("--model", default="gpt-5-mini")
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--explore", type=float, default=0.5)
    ap.add_argument("--shadow", type=float, default=0.5)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--config", default=str(ROOT / "training" / "default.json"))
    ap.add_argument(
        "--target",
        type=float,
        default=0.95,
        help="accuracy target of the retrained routers (both label kinds); the live one is "
        "trained with --config's",
    )
    ap.add_argument("--embedder", default="minilm-static-64")
    ap.add_argument("--out", default=str(ROOT / "reports" / "simulation"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    started = time.perf_counter()
    config = TrainConfig.from_file(args.config)
    live = bundle_without(args.source, config, args.embedder)
    config = replace(config, target_accuracy=args.target, model_target_accuracy=args.target)
    world = LevelWorld.from_source(ROOT / "data" / args.source, args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in range(args.runs):
        result = simulate(live, world, config, out, calls=args.calls, explore=args.explore,
                          shadow=args.shadow, seed=seed)  # fmt: skip
        runs.append(result.to_dict())
        print(f"run {seed}: recovered {result.recovered:.2f}, off-policy kept "
              f"{result.offpolicy['accuracy_kept']['estimate']:.3f} vs replayed "
              f"{result.offpolicy_truth:.3f}", flush=True)  # fmt: skip
    report = {"settings": vars(args), "live_bundle": live.version, "runs": runs,
              "seconds": round(time.perf_counter() - started)}  # fmt: skip
    (out / "simulation.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    (out / "simulation.md").write_text(markdown(runs, args))
    print(markdown(runs, args))


if __name__ == "__main__":
    main()

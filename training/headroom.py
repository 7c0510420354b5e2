"""How much a per-prompt budget can save on the bundled data, and how much the router reaches.

Usage: python training/headroom.py [--data PATH ...] [--repeats 5] [--json FILE]

Glue over :func:`budgetrouter.train.headroom.headroom` (whose docstring says what each row
means): reads the observations, embeds the prompts (with the embedding cache), prints the
table the README quotes and optionally writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

from budgetrouter import TrainConfig
from budgetrouter.embedders import get_embedder
from budgetrouter.train import build_targets, read_observations
from budgetrouter.train.calibration import budget_grid
from budgetrouter.train.embedding_cache import EmbeddingCache
from budgetrouter.train.headroom import LEVELS, headroom

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", nargs="+", default=[str(ROOT / "data" / "reasoning-gym")], help="observations"
    )
    ap.add_argument("--embedder", default="minilm")
    ap.add_argument("--cache-dir", default=str(ROOT / ".cache" / "budgetrouter"))
    ap.add_argument("--repeats", type=int, default=5, help="random family-to-fold assignments")
    ap.add_argument("--folds", type=int, default=TrainConfig().n_outer_folds)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("budgetrouter.train.fit", "sentence_transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    started = time.perf_counter()
    cfg = TrainConfig()
    targets = build_targets(read_observations(args.data), none_max_tokens=cfg.none_max_tokens)
    prompts = targets.prompts["prompt"].astype(str).tolist()
    emb = EmbeddingCache(args.cache_dir).encode(get_embedder(args.embedder), prompts)
    out = headroom(targets, emb, cfg, repeats=args.repeats, n_folds=args.folds)

    p = targets.prompts
    weight = p["n_runs"].to_numpy(dtype="float64")
    unsolved = p["censored"].to_numpy()
    long_cost = targets.mean_curves(budget_grid(cfg))[1][:, -1]
    print(
        f"\n{targets.n_prompts} prompts in {p['group'].nunique()} families, "
        f"{len(targets.run_tokens)} runs; prompts no run solves: {np.mean(unsolved):.1%} of "
        f"prompts, {long_cost[unsolved] @ weight[unsolved] / (long_cost @ weight):.1%} of "
        "always-long tokens"
    )
    fixed = out["best fixed budget"]
    print(
        "best fixed budget saves "
        + ", ".join(f"{fixed[f'saved_at_{lvl:g}']:.1%} at {lvl:.0%}" for lvl in LEVELS)
    )
    print("\npoints saved beyond the best fixed budget at the same accuracy kept")
    header = "| policy | " + " | ".join(f"at {lvl:.0%}" for lvl in LEVELS) + " | solvable AUC |"
    print(header + "\n|" + "---|" * (len(LEVELS) + 2))
    spread = out["router spread"]
    for name, row in out.items():
        if name in ("best fixed budget", "router spread"):
            continue
        cells = [f"{100 * row[f'delta_at_{lvl:g}']:+.1f}" for lvl in LEVELS]
        auc = f"{row['solvable_auc']:.3f}"
        if name.startswith("router"):
            cells = [
                f"{c} ± {100 * s['sd']:.1f} ({100 * s['min']:+.1f} to {100 * s['max']:+.1f})"
                for c, s in zip(cells, (spread[f"delta_at_{lvl:g}"] for lvl in LEVELS), strict=True)
            ]
            auc += " ± {:.3f}".format(spread["solvable_auc"]["sd"])
        print(f"| {name} | " + " | ".join(cells) + f" | {auc} |")
    print(
        f"(router: mean ± sd and range over {args.repeats} random assignments of families to folds)"
    )
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

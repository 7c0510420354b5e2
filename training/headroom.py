"""How much a per-prompt budget can save on the bundled data, and how much the router reaches.

Usage: python training/headroom.py [--data PATH ...] [--repeats 5] [--json FILE]

Every policy below is replayed on the same runs (DESIGN.md, "How routing is judged") and
compared with the best single fixed budget at the same accuracy. Each curve policy is the
router's own (expected success minus a price per token, plus a margin), swept over price and
margin, and read at its best point at or above each accuracy level: a hindsight choice that
favours every row alike, so the rows compare what each kind of knowledge allows.

* knowledge policies: the policy fed each prompt's real success and cost curves; its family's
  mean curves (knows which family is hard, not which prompt); and a gate that knows which
  prompts some run solves, with the best single budget for those;
* the router: out-of-family curve predictions (models fitted on the other families, the
  default features and settings), repeated over random assignments of families to folds,
  since with 82 families which families share a fold moves the result by about a point.

Also prints how well each predicts whether some run solves a prompt (ROC AUC), because prompts
that no run solves hold the largest share of the tokens that can be saved.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from budgetrouter import TierPolicy, TrainConfig
from budgetrouter.embedders import get_embedder
from budgetrouter.features import prompt_features
from budgetrouter.projection import Projection
from budgetrouter.train import build_targets, read_observations
from budgetrouter.train.calibration import MARGINS, budget_grid, tradeoff_curve
from budgetrouter.train.embedding_cache import EmbeddingCache
from budgetrouter.train.fit import out_of_family_curves
from budgetrouter.train.metrics import curve_summary, sweep
from budgetrouter.train.replay import fixed_budget_for, replay

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (0.95, 0.98, 0.99)


def family_mean(values: np.ndarray, groups: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each row replaced by the run-weighted mean of its family's rows."""
    out = np.empty_like(values)
    for g in np.unique(groups):
        rows = groups == g
        out[rows] = (values[rows] * weight[rows, None]).sum(0) / weight[rows].sum()
    return out


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

    started = time.perf_counter()
    cfg = TrainConfig()
    targets = build_targets(read_observations(args.data), none_max_tokens=cfg.none_max_tokens)
    p = targets.prompts
    groups = p["group"].to_numpy()
    weight = p["n_runs"].to_numpy(dtype="float64")
    solved = ~p["censored"].to_numpy()
    grid = budget_grid(cfg)
    success, cost = targets.mean_curves(grid)
    policy = TierPolicy(grid=tuple(grid), price=0.0)
    out: dict[str, dict[str, Any]] = {}

    fixed = {lvl: fixed_budget_for(targets, lvl)[1].tokens_saved for lvl in LEVELS}
    out["best fixed budget"] = {f"saved_at_{lvl:g}": fixed[lvl] for lvl in LEVELS}
    none_kept = replay(targets, np.zeros(targets.n_prompts)).accuracy_kept

    def deltas(points: list[dict[str, float]]) -> dict[str, float]:
        """Points saved beyond the fixed budget at each level, from a policy's sweep."""
        summary = curve_summary(points, none_kept)
        return {
            f"delta_at_{lvl:g}": summary[f"saved_at_{round(100 * lvl)}"] - fixed[lvl]
            for lvl in LEVELS
        }

    def record(name: str, points: list[dict[str, float]], auc: float) -> None:
        out[name] = {**deltas(points), "solvable_auc": auc}

    def curve_points(success: np.ndarray, cost: np.ndarray) -> list[dict[str, float]]:
        return tradeoff_curve(policy, success, cost, targets, margins=MARGINS)

    record("knows each prompt's curves", curve_points(success, cost), 1.0)
    fam_s, fam_c = family_mean(success, groups, weight), family_mean(cost, groups, weight)
    record(
        "knows its family's mean curves",
        curve_points(fam_s, fam_c),
        float(roc_auc_score(solved, fam_s[:, -1])),
    )
    caps = np.unique(np.quantile(targets.run_tokens, np.linspace(0, 1, 400)))
    record(
        "knows which prompts some run solves",
        sweep(targets, [np.where(solved, cap, 0.0) for cap in caps]),
        1.0,
    )

    prompts = p["prompt"].astype(str).tolist()
    emb = EmbeddingCache(args.cache_dir).encode(get_embedder(args.embedder), prompts)
    # The projection is unsupervised, fitted on every prompt (no outcome is used).
    X = prompt_features(prompts, emb, Projection.fit(emb))
    runs = []
    for seed in range(args.repeats):
        split = GroupKFold(n_splits=args.folds, shuffle=True, random_state=seed)
        s, c = out_of_family_curves(X, targets, cfg, split.split(X, groups=groups))
        runs.append(
            {**deltas(curve_points(s, c)), "solvable_auc": float(roc_auc_score(solved, s[:, -1]))}
        )
        print(
            f"router, fold assignment {seed}: "
            + ", ".join(f"{k} {v:+.4f}" for k, v in runs[-1].items()),
            flush=True,
        )
    out["router (out of family)"] = {key: statistics.fmean(r[key] for r in runs) for key in runs[0]}
    spread = {
        key: (
            statistics.stdev(r[key] for r in runs) if len(runs) > 1 else 0.0,
            min(r[key] for r in runs),
            max(r[key] for r in runs),
        )
        for key in runs[0]
    }

    print(
        f"\n{targets.n_prompts} prompts in {len(np.unique(groups))} families, "
        f"{len(targets.run_tokens)} runs; prompts no run solves: {np.mean(~solved):.1%} of "
        f"prompts, {cost[~solved, -1] @ weight[~solved] / (cost[:, -1] @ weight):.1%} of "
        "always-long tokens"
    )
    print(
        "best fixed budget saves " + ", ".join(f"{fixed[lvl]:.1%} at {lvl:.0%}" for lvl in LEVELS)
    )
    print("\npoints saved beyond the best fixed budget at the same accuracy kept")
    header = "| policy | " + " | ".join(f"at {lvl:.0%}" for lvl in LEVELS) + " | solvable AUC |"
    print(header + "\n|" + "---|" * (len(LEVELS) + 2))
    for name, row in out.items():
        if name == "best fixed budget":
            continue
        cells = [f"{100 * row[f'delta_at_{lvl:g}']:+.1f}" for lvl in LEVELS]
        auc = f"{row['solvable_auc']:.3f}"
        if name.startswith("router"):
            sd, lo, hi = zip(*(spread[f"delta_at_{lvl:g}"] for lvl in LEVELS), strict=True)
            cells = [
                f"{c} ± {100 * d:.1f} ({100 * a:+.1f} to {100 * b:+.1f})"
                for c, d, a, b in zip(cells, sd, lo, hi, strict=True)
            ]
            auc += " ± {:.3f}".format(spread["solvable_auc"][0])
        print(f"| {name} | " + " | ".join(cells) + f" | {auc} |")
    print(f"(router: mean ± sd and range over {len(runs)} random assignments of families to folds)")
    out["router spread"] = {
        k: dict(zip(("sd", "min", "max"), v, strict=True)) for k, v in spread.items()
    }
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

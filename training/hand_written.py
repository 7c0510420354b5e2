"""Route the hand-written prompts (greetings to olympiad problems) and say how decisions vary.

For no model named and for six known models: how many trivial prompts get tier none (for an
effort model, its lowest effort) and how many hard ones tier long, and the Spearman correlation
of the predicted needed tokens with the difficulty (trivial < moderate < hard).

    .venv/bin/python training/hand_written.py [--bundle models/default]
"""

import argparse
import json
from pathlib import Path

from scipy.stats import spearmanr

from budgetrouter import Router

MODELS = [
    None,
    "o4-mini",
    "o3-mini",
    "gpt-5-mini",
    "qwen3-8b",
    "claude-sonnet-4",
    "gemini-2.5-flash",
]
RANK = {"trivial": 0, "moderate": 1, "hard": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="models/default")
    parser.add_argument(
        "--prompts", default=str(Path(__file__).with_name("hand_written_prompts.jsonl"))
    )
    args = parser.parse_args()
    rows = [
        json.loads(line) for line in Path(args.prompts).read_text(encoding="utf-8").splitlines()
    ]
    prompts = [r["prompt"] for r in rows]
    kinds = [r["difficulty"] for r in rows]
    router = Router.load(args.bundle)
    decisions = router.route_batch(prompts)
    rho = spearmanr([RANK[k] for k in kinds], [d.predicted_tokens for d in decisions]).statistic
    print(f"predicted needed tokens vs difficulty: Spearman {rho:.2f}")
    for model in MODELS:
        tiers = [d.tier for d in router.route_batch(prompts, model=model)]
        none = sum(t == "none" for t, k in zip(tiers, kinds, strict=True) if k == "trivial")
        long = sum(t == "long" for t, k in zip(tiers, kinds, strict=True) if k == "hard")
        n_trivial, n_hard = kinds.count("trivial"), kinds.count("hard")
        print(
            f"{model or '(no model)':18s} trivial -> none {none}/{n_trivial}   "
            f"hard -> long {long}/{n_hard}   tiers {''.join(t[0] for t in tiers)}"
        )


if __name__ == "__main__":
    main()

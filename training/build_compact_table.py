"""Write the compact static table the default router embeds with (shipped in the package).

Usage: python training/build_compact_table.py [--data data] [--out DIR] [--dims 64]

Distils the full static MiniLM table once (torch, about 20 s), embeds every distinct prompt of
the bundled data with it and keeps the table in the 64-dimensional subspace those prompts span
(see budgetrouter.embedders.compact); the folder is replaced whole. Retrain the default bundle
after rebuilding the table: the digest of the table and the tokenizer is part of the bundle's
embedder revision.
"""

from __future__ import annotations

import argparse
import logging

from budgetrouter.embedders.compact import COMPACT_DIMS, packaged_table
from budgetrouter.train import read_observations
from budgetrouter.train.compact_table import build_compact_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data", help="folder of the bundled sources")
    parser.add_argument("--out", default=str(packaged_table()), help="destination folder")
    parser.add_argument("--dims", type=int, default=COMPACT_DIMS, help="dimensions kept")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    prompts = sorted(read_observations(args.data)["prompt"].astype(str).unique())
    out = build_compact_table(prompts, args.out, args.dims)
    print(f"{len(prompts)} prompts -> {out}")


if __name__ == "__main__":
    main()

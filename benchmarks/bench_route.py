"""Routing speed and memory of a bundle on this machine, measured in one run.

Usage: python benchmarks/bench_route.py [--bundle models/default] [--prompts 1000]

Prints route() latency p50/p99 at batch 1 (after warm-up) on a fixed set of varied prompts from
the bundled data, the embedder's own encode time on the same prompts in the same process and
the ratio of the two, route_batch() throughput at batch 32 and 256, the time to import the
package and to load the bundle, and the peak resident memory.
Targets: route() within 1.1x of the embedder's forward pass; import under 0.3 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def import_seconds(repeats: int = 7) -> float:
    code = (
        "import time; t = time.perf_counter(); import budgetrouter; print(time.perf_counter() - t)"
    )
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeats)
    ]
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "models" / "default"))
    parser.add_argument("--prompts", type=int, default=1000)
    args = parser.parse_args()

    imp = import_seconds()
    from budgetrouter import Router, RouterConfig

    start = time.perf_counter()
    router = Router.load(args.bundle, RouterConfig(cache_size=0))  # every call does the work
    load_s = time.perf_counter() - start

    table = pd.read_parquet(ROOT / "data" / "reasoning-gym" / "prompts.parquet")
    prompts = table.sample(n=args.prompts, random_state=0)["prompt"].tolist()
    embedder = router.embedder

    for p in prompts[:50]:  # warm-up
        router.route(p)
        embedder.encode([p])

    # Interleave the two measurements prompt by prompt, so machine noise hits both alike.
    route_ms, embed_ms = [], []
    for p in prompts:
        t0 = time.perf_counter()
        embedder.encode([p])
        t1 = time.perf_counter()
        router.route(p)
        t2 = time.perf_counter()
        embed_ms.append(1000 * (t1 - t0))
        route_ms.append(1000 * (t2 - t1))

    throughput = {}
    for batch in (32, 256):
        start = time.perf_counter()
        done = 0
        for i in range(0, len(prompts), batch):
            done += len(router.route_batch(prompts[i : i + batch]))
        throughput[batch] = done / (time.perf_counter() - start)

    cached = Router(
        router.embedder,
        router.models,
        router.policy,
        router.manifest,
        RouterConfig(cache_size=4096),
        router.version,
    )
    cached.route(prompts[0])
    hits = 20000
    start = time.perf_counter()
    for _ in range(hits):
        cached.route(prompts[0])
    hit_us = 1e6 * (time.perf_counter() - start) / hits

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = statistics.median(route_ms) / statistics.median(embed_ms)
    print(f"bundle                     {args.bundle} (version {router.version})")
    print(f"prompts                    {len(prompts)} from data/reasoning-gym (seed 0)")
    print(
        f"import budgetrouter        {imp * 1000:.0f} ms (target < 300 ms: "
        f"{'met' if imp < 0.3 else 'NOT met'})"
    )
    print(f"Router.load                {load_s:.2f} s")
    print(
        f"route() batch 1            p50 {statistics.median(route_ms):.2f} ms, "
        f"p99 {percentile(route_ms, 99):.2f} ms"
    )
    print(
        f"embedder.encode() batch 1  p50 {statistics.median(embed_ms):.2f} ms, "
        f"p99 {percentile(embed_ms, 99):.2f} ms"
    )
    print(
        f"route / embedder (p50)     {ratio:.3f} (target <= 1.10: "
        f"{'met' if ratio <= 1.1 else 'NOT met'})"
    )
    print(f"route_batch() batch 32     {throughput[32]:.0f} prompts/s")
    print(f"route_batch() batch 256    {throughput[256]:.0f} prompts/s")
    print(
        f"route() cache hit          {hit_us:.1f} us (target < 50 us: "
        f"{'met' if hit_us < 50 else 'NOT met'})"
    )
    print(f"peak RSS                   {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()

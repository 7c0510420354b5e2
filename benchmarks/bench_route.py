"""Routing speed and memory of one or more bundles on this machine, measured in one run.

Usage: python benchmarks/bench_route.py [--bundle DIR [DIR ...]] [--prompts 1000]

For each bundle (the packaged default router, and whichever of ``models/default``,
``models/minilm`` (torch), ``models/minilm-onnx`` and ``models/minilm-static`` exist) prints route()
latency p50/p99 at batch 1 after warm-up on a fixed set of varied prompts from the bundled data
(every bundle on the same prompts, in alternating blocks of 50), the embedder's own encode time
on the same prompts in the same process and the ratio of the two,
and route_batch() throughput at batch 32 and 256; then a cache hit, the time to import the
package and to load each bundle, and the peak resident memory.
Targets: route() within 1.5x of its embedder; import under 0.1 s; a cache hit under 50 us;
the fast path's p50 at least 3x below torch's.
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

from budgetrouter import Router, RouterConfig

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


def measure(routers: dict[str, Router], prompts: list[str], block: int = 50) -> dict[str, dict]:
    """Latency of every router on the same prompts, in alternating blocks.

    Machine noise then hits every path alike, while each block runs one runtime at a time
    (interleaving torch and onnxruntime call by call makes their idle threads compete).
    """
    times: dict[str, dict[str, list[float]]] = {n: {"route": [], "embed": []} for n in routers}
    for router in routers.values():
        for p in prompts[:50]:  # warm-up
            router.route(p)
            router.embedder.encode([p])
    for start in range(0, len(prompts), block):
        chunk = prompts[start : start + block]
        for name, router in routers.items():
            embedder = router.embedder
            for p in chunk[:3]:  # re-warm after the switch, not timed
                embedder.encode([p])
            # Embedder alone, then route(), prompt by prompt: same runtime, same noise.
            for p in chunk:
                t0 = time.perf_counter()
                embedder.encode([p])
                t1 = time.perf_counter()
                router.route(p)
                t2 = time.perf_counter()
                times[name]["embed"].append(1000 * (t1 - t0))
                times[name]["route"].append(1000 * (t2 - t1))
    results = {}
    for name, router in routers.items():
        route_ms, embed_ms = times[name]["route"], times[name]["embed"]
        out = {
            "route_p50": statistics.median(route_ms),
            "route_p99": float(np.percentile(route_ms, 99)),
            "embed_p50": statistics.median(embed_ms),
            "embed_p99": float(np.percentile(embed_ms, 99)),
        }
        out["ratio"] = out["route_p50"] / out["embed_p50"]
        for batch in (32, 256):
            begin = time.perf_counter()
            done = sum(
                len(router.route_batch(prompts[i : i + batch]))
                for i in range(0, len(prompts), batch)
            )
            out[f"batch_{batch}"] = done / (time.perf_counter() - begin)
        results[name] = out
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from budgetrouter.bundle_load import default_bundle_path

    default = [str(default_bundle_path())] + [
        str(ROOT / "models" / name)
        for name in ("minilm", "minilm-onnx", "minilm-static")
        if (ROOT / "models" / name).is_dir()
    ]
    parser.add_argument("--bundle", nargs="+", default=default)
    parser.add_argument("--prompts", type=int, default=1000)
    args = parser.parse_args()

    imp = import_seconds()

    table = pd.read_parquet(ROOT / "data" / "reasoning-gym" / "prompts.parquet")
    prompts = table.sample(n=args.prompts, random_state=0)["prompt"].tolist()
    print(f"prompts: {len(prompts)} from data/reasoning-gym (seed 0)")
    print(
        f"import budgetrouter: {imp * 1000:.0f} ms (target < 100 ms: "
        f"{'met' if imp < 0.1 else 'NOT met'})"
    )
    routers, paths, load_s = {}, {}, {}
    for path in args.bundle:
        start = time.perf_counter()
        router = Router.load(path, RouterConfig(cache_size=0))  # every call does the work
        key = f"{router.embedder.name} ({Path(path).name})"  # bundles may share an embedder
        load_s[key] = time.perf_counter() - start
        routers[key] = router
        paths[key] = path
    results = measure(routers, prompts)
    for name, r in results.items():
        print(
            f"\n{paths[name]} (embedder {routers[name].embedder.name}, "
            f"version {routers[name].version})"
        )
        print(f"  Router.load                {load_s[name]:.2f} s")
        print(
            f"  route() batch 1            p50 {r['route_p50']:.2f} ms, p99 {r['route_p99']:.2f} ms"
        )
        print(
            f"  embedder.encode() batch 1  p50 {r['embed_p50']:.2f} ms, p99 {r['embed_p99']:.2f} ms"
        )
        print(
            f"  route / embedder (p50)     {r['ratio']:.3f} (target <= 1.5: "
            f"{'met' if r['ratio'] <= 1.5 else 'NOT met'})"
        )
        print(f"  route_batch() batch 32     {r['batch_32']:.0f} prompts/s")
        print(f"  route_batch() batch 256    {r['batch_256']:.0f} prompts/s")

    cached = Router.load(args.bundle[-1], RouterConfig(cache_size=4096))
    cached.route(prompts[0])
    hits = 20000
    start = time.perf_counter()
    for _ in range(hits):
        cached.route(prompts[0])
    hit_us = 1e6 * (time.perf_counter() - start) / hits
    print(
        f"\nroute() cache hit: {hit_us:.1f} us (target < 50 us: "
        f"{'met' if hit_us < 50 else 'NOT met'})"
    )
    torch_keys = [k for k in results if routers[k].embedder.name == "minilm"]
    if torch_keys:
        for name, r in results.items():
            if name not in torch_keys:
                speedup = results[torch_keys[0]]["route_p50"] / r["route_p50"]
                print(
                    f"route() p50 torch / {name}: {speedup:.2f}x (target >= 3: "
                    f"{'met' if speedup >= 3 else 'NOT met'})"
                )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()

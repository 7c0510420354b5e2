"""The wheel as a user gets it: built from this repository, installed in a fresh virtual
environment with nothing beside it, then measured there.

Usage: python benchmarks/bench_install.py [--keep DIR] [--prompts 1000]

Builds the wheel (``pip wheel --no-deps``), creates a venv in a temporary folder, installs the
wheel (its dependencies from the package index; nothing is fetched after that), and from a
working directory outside the repository prints: the wheel's size, the size of the venv's
site-packages (what the install added, and in all), whether torch is importable, the judged
one-liner's output, ``import budgetrouter`` time, ``Router.default()`` time and peak resident
memory (each in a fresh interpreter, median of 5), and ``route()`` against its embedder on the
same prompts (p50 / p99, ratio, ``route_batch`` throughput), measured in one process.
Goals: installed under 300 MB, import under 0.1 s, load under 0.5 s, under 200 MB resident,
``route()`` / embedder at most 1.5.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

ONE_LINER = "import budgetrouter; print(budgetrouter.route('What is 2 + 3?', model='o4-mini'))"
IMPORT = "import time; t = time.perf_counter(); import budgetrouter; print(time.perf_counter() - t)"
LOAD = """
import resource, time
import budgetrouter
t = time.perf_counter()
router = budgetrouter.Router.default()
router.route("warm up")
load = time.perf_counter() - t
print(load, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
SPEED = """
import json, statistics, sys, time
from budgetrouter import Router, RouterConfig
prompts = json.load(open(sys.argv[1]))
router = Router.default(RouterConfig(cache_size=0))
emb = router.embedder
for p in prompts[:50]:
    router.route(p); emb.encode([p])
route_ms, embed_ms = [], []
for p in prompts:
    t0 = time.perf_counter(); emb.encode([p]); t1 = time.perf_counter()
    router.route(p); t2 = time.perf_counter()
    embed_ms.append(1000 * (t1 - t0)); route_ms.append(1000 * (t2 - t1))
out = {"route_p50": statistics.median(route_ms), "embed_p50": statistics.median(embed_ms),
       "route_p99": sorted(route_ms)[int(0.99 * len(route_ms))],
       "embed_p99": sorted(embed_ms)[int(0.99 * len(embed_ms))]}
for batch in (32, 256):
    t = time.perf_counter()
    n = sum(len(router.route_batch(prompts[i:i + batch])) for i in range(0, len(prompts), batch))
    out[f"batch_{batch}"] = n / (time.perf_counter() - t)
print(json.dumps(out))
"""


def run(cmd: list[str], cwd: Path, **kw: object) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return str(done.stdout)


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def median_of(python: Path, code: str, cwd: Path, repeats: int = 5) -> list[float]:
    runs = [run([str(python), "-c", code], cwd).split() for _ in range(repeats)]
    return [statistics.median(float(r[i]) for r in runs) for i in range(len(runs[0]))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", metavar="DIR", help="build here and keep it (default: a temp dir)"
    )
    parser.add_argument("--prompts", type=int, default=1000)
    args = parser.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="budgetrouter-wheel-"))
    base.mkdir(parents=True, exist_ok=True)
    outside = base / "work"
    outside.mkdir(exist_ok=True)

    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), "."],
        ROOT,
    )
    (wheel,) = sorted((base / "dist").glob("budgetrouter-*.whl"))
    print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1e6:.1f} MB")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], outside)
    python = venv / "bin" / "python"
    (site,) = (venv / "lib").glob("python3*/site-packages")
    bare = folder_mb(site)  # the venv's own pip (and setuptools, where bundled)
    start = time.perf_counter()
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], outside)
    print(f"pip install (wheel + dependencies): {time.perf_counter() - start:.0f} s")
    size = folder_mb(site)
    print(
        f"installed by pip install: {size - bare:.0f} MB (goal < 300 MB); site-packages "
        f"{size:.0f} MB with the bare venv's own {bare:.0f} MB (pip)"
    )
    has_torch = run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('torch') is not None)"],
        outside,
    ).strip()
    print(f"torch importable: {has_torch}")
    print(f"one-liner: {run([str(python), '-c', ONE_LINER], outside).strip()}")
    (imp,) = median_of(python, IMPORT, outside)
    print(f"import budgetrouter: {imp * 1000:.0f} ms (goal < 100 ms)")
    load, rss = median_of(python, LOAD, outside)
    print(
        f"Router.default() and a first route: {load:.2f} s (goal < 0.5 s); "
        f"peak RSS {rss:.0f} MiB (goal < 200)"
    )

    table = pd.read_parquet(ROOT / "data" / "reasoning-gym" / "prompts.parquet")
    prompts = table.sample(n=args.prompts, random_state=0)["prompt"].tolist()
    (outside / "prompts.json").write_text(json.dumps(prompts))
    speed = json.loads(run([str(python), "-c", SPEED, "prompts.json"], outside))
    ratio = speed["route_p50"] / speed["embed_p50"]
    print(
        f"route() p50 {speed['route_p50']:.3f} ms, p99 {speed['route_p99']:.3f} ms; embedder p50 "
        f"{speed['embed_p50']:.3f} ms, p99 {speed['embed_p99']:.3f} ms "
        f"({args.prompts} reasoning-gym prompts, seed 0)"
    )
    print(f"route() / embedder (p50): {ratio:.2f} (goal <= 1.5)")
    print(
        f"route_batch(): {speed['batch_32']:.0f} prompts/s at 32, {speed['batch_256']:.0f} at 256"
    )


if __name__ == "__main__":
    main()

"""Command line: ``budgetrouter train | route | evaluate``."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from budgetrouter._version import __version__
from budgetrouter.errors import BudgetRouterError, DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger("budgetrouter.cli")

DEFAULT_BUNDLE = "models/default"
DEFAULT_CACHE = ".cache/budgetrouter"
ROUTE_CHUNK = 256
OUTPUT_FIELDS = (
    "tier", "budget_tokens", "predicted_tokens", "predicted_tokens_high", "p_no_thinking",
    "fallback", "bundle_version",
)  # fmt: skip


class UsageError(BudgetRouterError):
    """A command-line argument is wrong."""


# --- train ---------------------------------------------------------------------------------


def _read_config(path: str | None) -> dict[str, Any]:
    """TrainConfig options from a JSON file (``{}`` without one)."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            options = json.load(handle)
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"--config {path}: cannot read JSON ({exc})") from exc
    if not isinstance(options, dict):
        raise UsageError(f"--config {path}: must hold a JSON object of TrainConfig keys")
    return options


def _add_train(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="PATH",
        help="observation files (.jsonl/.csv/.parquet), folders of them, or reasoning-gym folders",
    )
    p.add_argument("--out", default=DEFAULT_BUNDLE, metavar="DIR", help="bundle folder to write")
    _add_dask(p)
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        metavar="SHARE",
        help="keep this share of always-long accuracy (default 0.99)",
    )
    target.add_argument(
        "--max-mean-tokens",
        type=float,
        default=None,
        metavar="N",
        help="instead: most reasoning tokens per run on average",
    )
    p.add_argument("--config", metavar="JSON", help="TrainConfig options as a JSON file")
    p.add_argument("--embedder", default="minilm", help="embedder name (default minilm)")
    p.add_argument(
        "--cache-dir",
        default=DEFAULT_CACHE,
        metavar="DIR",
        help=f"embedding cache (default {DEFAULT_CACHE}); '' disables it",
    )
    p.add_argument("--no-track", action="store_true", help="do not log the run to MLflow")
    p.add_argument("--run-name", default=None, help="MLflow run name")
    p.add_argument(
        "--report",
        metavar="DIR",
        help="write the held-out evaluation (report.json, report.md, PNG plots) here",
    )


def _add_dask(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="train on a Dask cluster: 'local' (one worker per core on this machine) or a "
        "scheduler address such as tcp://HOST:8786",
    )
    p.add_argument(
        "--dask-workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of a --dask local cluster (default: one per core)",
    )


@contextlib.contextmanager
def _cluster(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client of ``--dask`` for the duration of a command, or ``None``."""
    if not args.dask:
        yield None
        return
    from budgetrouter.distributed import _import_dask, dask_client

    if args.dask_workers is not None and args.dask_workers < 1:
        raise UsageError(f"--dask-workers must be at least 1, got {args.dask_workers}")
    _import_dask()
    if not args.verbose:
        import distributed  # noqa: F401  (it sets its own log levels when imported)

        logging.getLogger("distributed").setLevel(logging.WARNING)
        # lightgbm.dask warns on every fit that the sklearn wrapper's n_jobs is ignored.
        for name in ("distributed.shuffle", "lightgbm"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with dask_client(args.dask, args.dask_workers) as client:
        yield client


def _train(
    args: argparse.Namespace,
    client: Any,
    paths: list[str],
    config: Any,
    embedder: Any,
    exclude_groups: Sequence[str] = (),
    observations: pd.DataFrame | None = None,
) -> Any:
    """Train in this process, or on the Dask cluster of ``client``; returns the TrainResult.

    In this process, ``observations`` (when given) are the table already read from ``paths``.
    """
    if client is not None:
        from budgetrouter.distributed import train_router_dask

        return train_router_dask(paths, client, config, embedder, exclude_groups)
    from budgetrouter.data import read_observations
    from budgetrouter.training import train_router

    if observations is None:
        observations = read_observations(paths)
    if exclude_groups:
        observations = observations.loc[
            ~observations["group"].astype(str).isin(set(exclude_groups))
        ]
    return train_router(observations, config, embedder, cache_dir=args.cache_dir or None)


def _run_train(args: argparse.Namespace) -> int:
    from budgetrouter.config import TrainConfig
    from budgetrouter.embedders import get_embedder

    options = _read_config(args.config)
    if args.target_accuracy is not None:
        options["target_accuracy"] = args.target_accuracy
    if args.max_mean_tokens is not None:
        options["max_mean_tokens"] = args.max_mean_tokens
    config = TrainConfig.from_dict(options)
    kwargs = {"show_progress_bar": True} if args.embedder == "minilm" and not args.dask else {}
    embedder = get_embedder(args.embedder, **kwargs)
    with _cluster(args) as client:
        result = _train(args, client, list(args.data), config, embedder)
    version = result.router.save(args.out)
    if args.report:
        from budgetrouter.evaluation import write_report

        write_report(result.report["evaluation"], args.report)
    if not args.no_track:
        from budgetrouter.tracking import git_commit, start_run

        with start_run(args.run_name) as run:
            run.log_params(
                {
                    **config.to_dict(),
                    "data": ",".join(args.data),
                    "embedder": embedder.name,
                    "dask": args.dask or "",
                    **result.report["counts"],
                }
            )
            run.log_metrics(result.metrics)
            run.set_tags(
                {
                    "data_digest": result.router.manifest["data_digest"],
                    "git_commit": git_commit(),
                    "bundle_version": version,
                    "budgetrouter_version": __version__,
                }
            )
            run.log_dict(
                {k: v for k, v in result.report.items() if k != "evaluation"},
                "training_report.json",
            )
            if args.report:
                run.log_artifacts(args.report, "report")
            else:
                run.log_dict(result.report["evaluation"], "report/report.json")
            run.log_artifacts(args.out, "bundle")
            logger.info("logged MLflow run %s", run.run_id)
    h = result.report["heldout"]
    summary = {
        "bundle": str(args.out),
        "bundle_version": version,
        "families": result.report["counts"]["groups"],
        "evaluated_on": (
            "dask calibration sample (out-of-family models)"
            if args.dask
            else f"nested cross-validation, {len(result.report['per_fold'])} outer folds"
        ),
        "accuracy_kept": round(h["router"]["accuracy_kept"], 4),
        "tokens_saved": round(h["router"]["tokens_saved"], 4),
        "fixed_budget_tokens_saved": round(h["fixed_at_router_accuracy"]["tokens_saved"], 4),
        "oracle_tokens_saved": round(h["oracle_at_router_accuracy"]["tokens_saved"], 4),
    }
    print(json.dumps(summary, indent=2))
    return 0


# --- route ---------------------------------------------------------------------------------


def _add_route(p: argparse.ArgumentParser) -> None:
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
        choices=("none", "short", "long"),
        default=None,
        help="return this tier (flagged) for prompts that cannot be routed",
    )


def _read_route_input(path: str) -> list[tuple[Any, Any]]:
    items: list[tuple[Any, Any]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot be read ({exc})") from exc
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, f"invalid JSON ({exc.msg})", row=lineno) from exc
        if not isinstance(record, dict) or "prompt" not in record:
            raise DataError(
                path, 'each line must be an object with a "prompt"', row=lineno, field="prompt"
            )
        items.append((record.get("id", lineno), record["prompt"]))
    return items


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_table(rows: list[tuple[Any, Any, dict[str, Any]]], out: TextIO) -> None:
    header = f"{'prompt':<58} {'tier':<6} {'budget':>7} {'predicted':>9} {'high':>6} {'p_none':>6}"
    out.write(header + "\n" + "-" * len(header) + "\n")
    for _, prompt, d in rows:
        text = " ".join(str(prompt).split())
        text = text if len(text) <= 58 else text[:55] + "..."
        budget = "no cap" if d["budget_tokens"] is None else str(d["budget_tokens"])
        pred = "-" if d["predicted_tokens"] is None else str(d["predicted_tokens"])
        high = "-" if d["predicted_tokens_high"] is None else str(d["predicted_tokens_high"])
        p0 = "-" if d["p_no_thinking"] is None else f"{d['p_no_thinking']:.2f}"
        out.write(f"{text:<58} {d['tier']:<6} {budget:>7} {pred:>9} {high:>6} {p0:>6}\n")


def _run_route(args: argparse.Namespace) -> int:
    from budgetrouter.config import RouterConfig
    from budgetrouter.router import Router

    if (args.prompt is None) == (args.input is None):
        raise UsageError("give either one PROMPT or --input FILE.jsonl")
    items = _read_route_input(args.input) if args.input else [(None, args.prompt)]
    router = Router.load(args.bundle, RouterConfig(fallback_tier=args.fallback_tier))
    rows = []
    for chunk in _chunks(items, ROUTE_CHUNK):
        decisions = router.route_batch([prompt for _, prompt in chunk])
        rows += [(i, prompt, d.to_dict()) for (i, prompt), d in zip(chunk, decisions, strict=True)]

    def emit(out: TextIO) -> None:
        if args.format == "table":
            _write_table(rows, out)
            return
        for i, _, d in rows:
            record = ({"id": i} if args.input else {}) | {k: d[k] for k in OUTPUT_FIELDS}
            out.write(json.dumps(record) + "\n")

    if args.output:
        # Write beside the target, then rename: a failure never leaves a half-written file.
        target = Path(args.output)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                emit(handle)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    else:
        emit(sys.stdout)
    return 0


# --- evaluate ------------------------------------------------------------------------------


def _add_evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR")
    p.add_argument("--data", nargs="+", required=True, metavar="PATH")
    p.add_argument(
        "--report", metavar="DIR", help="write report.json, report.md and PNG plots here"
    )
    p.add_argument(
        "--include-training-families",
        action="store_true",
        help="also replay prompts of families the bundle was trained on (overstates the router)",
    )
    p.add_argument("--track", action="store_true", help="log the evaluation as an MLflow run")


def _unseen_observations(
    router: Any, paths: Sequence[str], include_training_families: bool
) -> pd.DataFrame:
    """Read observations, leaving out the families the bundle was trained on unless asked."""
    from budgetrouter.data import read_observations

    observations = read_observations(paths)
    seen = set(router.manifest.get("training_groups", []))
    if seen and not include_training_families:
        trained_on = observations["group"].astype(str).isin(seen).to_numpy()
        logger.info(
            "left out %d runs of %d families the bundle was trained on",
            int(trained_on.sum()),
            observations.loc[trained_on, "group"].nunique(),
        )
        observations = observations.loc[~trained_on]
        if observations.empty:
            raise UsageError(
                "every observation belongs to a task family (group) the bundle was trained on; "
                "use other families, or pass --include-training-families (such numbers "
                "overstate the router)"
            )
    return observations


def _predict_all(router: Any, prompts: list[str]) -> dict[str, np.ndarray]:
    import numpy as np

    parts = [router.predict_arrays(list(chunk)) for chunk in _chunks(prompts, ROUTE_CHUNK)]
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def _run_evaluate(args: argparse.Namespace) -> int:
    from budgetrouter.evaluation import build_report, curve_metrics, write_report
    from budgetrouter.router import Router
    from budgetrouter.targets import build_targets

    router = Router.load(args.bundle)
    targets = build_targets(_unseen_observations(router, args.data, args.include_training_families))
    arrays = _predict_all(router, targets.prompts["prompt"].astype(str).tolist())
    report = build_report(
        targets,
        router.policy,
        arrays["budget"],
        {"router": (arrays["success"], arrays["cost"])},
        predicted=arrays["median"],
        predicted_high=arrays["high"],
        protocol=(
            f"Bundle {router.version} replayed on {', '.join(map(str, args.data))}"
            + (
                " (training families included)."
                if args.include_training_families
                else " (families it was trained on left out)."
            )
        ),
    )
    report["bundle_version"] = router.version
    if args.report:
        write_report(report, args.report)
    if args.track:
        from budgetrouter.tracking import start_run

        with start_run(f"evaluate {router.version}") as run:
            run.log_params(
                {
                    "bundle": args.bundle,
                    "data": ",".join(map(str, args.data)),
                    "include_training_families": args.include_training_families,
                }
            )
            run.set_tags({"bundle_version": router.version, "kind": "evaluate"})
            run.log_metrics(
                {
                    **{f"router_{k}": v for k, v in report["policies"]["router"].items()},
                    **curve_metrics(report),
                }
            )
            if args.report:
                run.log_artifacts(args.report, "report")
            else:
                run.log_dict(report, "report/report.json")
    summary = {k: v for k, v in report.items() if k not in ("curves", "predicted_vs_needed")}
    summary["curves"] = {name: c["summary"] for name, c in report["curves"].items()}
    print(json.dumps(summary, indent=2, default=float))
    return 0


def _add_calibrate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR")
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="PATH",
        help="your own observations (runs of the model you route for)",
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--target-accuracy",
        type=float,
        metavar="SHARE",
        help="keep this share of always-long accuracy at the fewest tokens",
    )
    target.add_argument(
        "--max-mean-tokens",
        type=float,
        metavar="N",
        help="most reasoning tokens per run on average, at the best accuracy",
    )
    p.add_argument("--out", metavar="DIR", help="new bundle folder (default: replace --bundle)")
    p.add_argument(
        "--include-training-families",
        action="store_true",
        help="also calibrate on families the bundle was trained on",
    )


def _run_calibrate(args: argparse.Namespace) -> int:
    from budgetrouter.config import TrainConfig
    from budgetrouter.data import data_digest
    from budgetrouter.policy import calibrate
    from budgetrouter.replay import fixed_budget_for, oracle_budgets, replay
    from budgetrouter.router import Router
    from budgetrouter.targets import build_targets

    # The same range checks as training.
    TrainConfig(target_accuracy=args.target_accuracy or 0.99, max_mean_tokens=args.max_mean_tokens)
    router = Router.load(args.bundle)
    observations = _unseen_observations(router, args.data, args.include_training_families)
    targets = build_targets(observations)
    arrays = _predict_all(router, targets.prompts["prompt"].astype(str).tolist())
    if args.max_mean_tokens is not None:
        oracle = replay(targets, oracle_budgets(targets, 1.0)).mean_tokens
        if args.max_mean_tokens < oracle:
            logger.warning(
                "--max-mean-tokens %g is below the %.1f tokens per run an oracle needs to keep "
                "all the accuracy: accuracy will be lost",
                args.max_mean_tokens,
                oracle,
            )
    policy = calibrate(
        router.policy,
        arrays["success"],
        arrays["cost"],
        targets,
        target_accuracy=args.target_accuracy,
        max_mean_tokens=args.max_mean_tokens,
    )
    expected = replay(targets, policy.budgets(arrays["success"], arrays["cost"]))
    fixed_budget, fixed = fixed_budget_for(targets, min(1.0, expected.accuracy_kept))
    previous = router.version
    router.policy = policy
    router.manifest = {
        **router.manifest,
        "calibration": {
            "data": [str(p) for p in args.data],
            "data_digest": data_digest(observations),
            "target_accuracy": args.target_accuracy,
            "max_mean_tokens": args.max_mean_tokens,
            "calibrated_from": previous,
            "expected": expected.to_dict(),
        },
    }
    out = args.out or args.bundle
    version = router.save(out)
    summary = {
        "bundle": out,
        "bundle_version": version,
        "calibrated_from": previous,
        "price": policy.price,
        "margin_steps": policy.margin_steps,
        "prompts": targets.n_prompts,
        "expected": expected.to_dict(),
        "best_fixed_budget_at_that_accuracy": {"budget": fixed_budget, **fixed.to_dict()},
    }
    print(json.dumps(summary, indent=2))
    return 0


def _add_retrain(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--logs",
        nargs="+",
        required=True,
        metavar="PATH",
        help="outcome logs (OutcomeLog JSONL) or other observation files",
    )
    p.add_argument(
        "--base-data",
        nargs="*",
        default=[],
        metavar="PATH",
        help="data to train on beside the logs (e.g. data/reasoning-gym)",
    )
    p.add_argument("--bundle", default=DEFAULT_BUNDLE, metavar="DIR", help="the current bundle")
    p.add_argument(
        "--out",
        default="models/candidate",
        metavar="DIR",
        help="where to write the candidate bundle",
    )
    p.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        metavar="SHARE",
        help="the operator's target (default: the current bundle's)",
    )
    p.add_argument(
        "--holdout-fraction",
        type=float,
        default=0.25,
        metavar="SHARE",
        help="share of task families held out to compare the two bundles",
    )
    p.add_argument("--config", metavar="JSON", help="TrainConfig options as a JSON file")
    p.add_argument("--cache-dir", default=DEFAULT_CACHE, metavar="DIR")
    p.add_argument("--run-name", default=None, help="MLflow run name")
    _add_dask(p)


def _comparison_score(result: dict[str, float], target: float) -> tuple[bool, float]:
    meets = result["accuracy_kept"] >= target - 1e-9
    return meets, result["tokens_saved"] if meets else result["accuracy_kept"]


def _run_retrain(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import GroupShuffleSplit

    from budgetrouter.config import TrainConfig
    from budgetrouter.data import read_observations
    from budgetrouter.replay import replay
    from budgetrouter.router import Router
    from budgetrouter.targets import build_targets
    from budgetrouter.tracking import (
        champion,
        git_commit,
        log_router_model,
        register,
        set_champion,
        start_run,
    )

    if not 0 < args.holdout_fraction < 1:
        raise UsageError(f"--holdout-fraction must be in (0, 1), got {args.holdout_fraction}")
    current = Router.load(args.bundle)
    options = _read_config(args.config)
    target = args.target_accuracy or current.manifest.get("train_config", {}).get(
        "target_accuracy", 0.99
    )
    config = TrainConfig.from_dict({**options, "target_accuracy": target})
    with _cluster(args) as client:
        # Families held out to compare the two bundles come from the base data when given
        # (a fixed yardstick), else from the logs.
        pool_paths = list(args.base_data or args.logs)
        pool: Any
        everything = None
        if client is None:
            pool = read_observations(pool_paths)
            everything = (
                pd.concat([read_observations(args.logs), pool], ignore_index=True)
                if args.base_data
                else pool
            )
        else:
            from budgetrouter.distributed import read_observations_dask

            pool = read_observations_dask(pool_paths)
        unique = pool["group"].drop_duplicates(**({} if client is None else {"split_out": 1}))
        groups = np.array(sorted(map(str, unique if client is None else unique.compute())))
        if len(groups) < 2:
            raise UsageError("the held-out slice needs at least two task families (group column)")
        split = GroupShuffleSplit(n_splits=1, test_size=args.holdout_fraction, random_state=0)
        _, held_idx = next(split.split(np.zeros(len(groups)), groups=groups))
        held_groups = sorted(groups[held_idx])
        held = pool.loc[pool["group"].isin(held_groups)]
        if client is not None:
            held = held.compute()
        logger.info(
            "training the candidate without %d held-out families; comparing on their %d runs",
            len(held_groups),
            len(held),
        )
        result = _train(
            args,
            client,
            [*args.logs, *args.base_data],
            config,
            current.embedder,
            exclude_groups=held_groups,
            observations=everything,
        )
    version = result.router.save(args.out)
    candidate = Router.load(args.out)
    targets = build_targets(held)
    prompts = targets.prompts["prompt"].astype(str).tolist()
    compared = {}
    for name, router in (("current", current), ("candidate", candidate)):
        compared[name] = replay(targets, _predict_all(router, prompts)["budget"]).to_dict()
    better = _comparison_score(compared["candidate"], target) > _comparison_score(
        compared["current"], target
    )
    summary: dict[str, Any] = {
        "target_accuracy": target,
        "heldout_families": len(held_groups),
        "heldout_runs": len(held),
        "current": {"bundle_version": current.version, **compared["current"]},
        "candidate": {"bundle": args.out, "bundle_version": version, **compared["candidate"]},
        "candidate_is_better": bool(better),
    }
    with start_run(args.run_name or f"retrain {version}") as run:
        run.log_params(
            {
                **config.to_dict(),
                "logs": ",".join(args.logs),
                "base_data": ",".join(args.base_data),
                "current": args.bundle,
            }
        )
        run.log_metrics({f"{who}_{k}": v for who, r in compared.items() for k, v in r.items()})
        run.set_tags(
            {
                "git_commit": git_commit(),
                "candidate_bundle_version": version,
                "current_bundle_version": current.version,
                "data_digest": result.router.manifest["data_digest"],
            }
        )
        candidate_version = register(log_router_model(args.out), {"bundle_version": version})
        now = champion()
        if now is None:
            current_version = register(
                log_router_model(args.bundle, name="current_router"),
                {"bundle_version": current.version},
            )
            set_champion(candidate_version if better else current_version)
        elif better:
            set_champion(candidate_version)
        summary["registered_version"] = candidate_version
        summary["champion_version"] = str(champion().version)
    print(json.dumps(summary, indent=2))
    return 0


COMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {
    "train": ("train a router and save its bundle", _add_train, _run_train),
    "route": ("route prompts with a bundle", _add_route, _run_route),
    "evaluate": ("replay a bundle and the baselines on observations", _add_evaluate, _run_evaluate),
    "calibrate": (
        "re-choose a bundle's price and margin on your own observations",
        _add_calibrate,
        _run_calibrate,
    ),
    "retrain": (
        "train a candidate on outcome logs, compare it with the current bundle, register it",
        _add_retrain,
        _run_retrain,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The ``budgetrouter`` argument parser."""
    parser = argparse.ArgumentParser(prog="budgetrouter", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else (logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    if args.verbose == 0:
        for noisy in ("mlflow", "alembic", "sentence_transformers", "httpx", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # transformers reads these when first imported: no per-load weight report or bar.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        return int(args.run(args))
    except (BudgetRouterError, ValueError, OSError, ImportError) as exc:
        print(f"budgetrouter {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

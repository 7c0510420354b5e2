"""Retraining from logged outcomes: a candidate bundle, compared with the current one.

:func:`retrain` holds out a share of the task families, trains a candidate on the rest of the
logs and base data (on this machine, or on a Dask cluster), and replays candidate and current
bundle on the same held-out slice. Registering the better one in MLflow is
:func:`budgetrouter.tracking.record_retrain`'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_number
from budgetrouter.errors import ConfigError, DataError

if TYPE_CHECKING:
    from distributed import Client

    from budgetrouter.config import TrainConfig
    from budgetrouter.router import Router
    from budgetrouter.train.fit import TrainResult
    from budgetrouter.train.offpolicy import OffPolicyEstimate

logger = logging.getLogger(__name__)


@dataclass
class RetrainResult:
    """What :func:`retrain` measured.

    Attributes
    ----------
    candidate
        The candidate router (saved at ``candidate_path``).
    candidate_path
        Where the candidate bundle was written.
    training
        The candidate's training result (metrics, report).
    current, compared
        The current router, and the held-out replay of ``current`` and ``candidate`` by name.
    target_accuracy
        The operator's target the comparison used.
    heldout_families, heldout_runs
        The held-out slice.
    """

    candidate: Router
    candidate_path: Path
    training: TrainResult
    current: Router
    compared: dict[str, dict[str, float]]
    target_accuracy: float
    heldout_families: list[str]
    heldout_runs: int
    offpolicy: dict[str, OffPolicyEstimate] | None = None

    @property
    def candidate_is_better(self) -> bool:
        """Whether the candidate may replace the current bundle (:attr:`why_not` is empty)."""
        return not self.why_not

    @property
    def why_not(self) -> list[str]:
        """Why the candidate is not promoted; empty when it is.

        It must beat the current bundle on the held-out replay (meet the target with more
        tokens saved, or be more accurate) and, when the logs hold exploration rows of the
        held-out families, the lower bound of its off-policy accuracy kept must meet the
        target and its estimated spend be below the current bundle's.
        """
        reasons = []
        if _score(self.compared["candidate"], self.target_accuracy) <= _score(
            self.compared["current"], self.target_accuracy
        ):
            reasons.append("it does not beat the current bundle on the held-out replay")
        if self.offpolicy is not None:
            mine, live = self.offpolicy["candidate"], self.offpolicy["current"]
            low = mine.accuracy_kept.low
            if low != low:  # NaN
                reasons.append(
                    f"its off-policy accuracy kept has no interval ({mine.matched} of "
                    f"{mine.rows} exploration rows at its levels): log more with explore on"
                )
            elif not low >= self.target_accuracy - 1e-9:
                reasons.append(
                    f"the lower bound of its off-policy accuracy kept ({low:.3f}, "
                    f"{mine.confidence:.0%} interval over {mine.rows} exploration rows) is below "
                    f"the target {self.target_accuracy:.3f}"
                )
            if low == low and not mine.tokens.estimate < live.tokens.estimate:
                reasons.append(
                    f"its off-policy spend ({mine.tokens.estimate:.0f} reasoning tokens per call) "
                    f"is not below the current bundle's ({live.tokens.estimate:.0f})"
                )
        return reasons

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of the comparison."""
        return {
            "target_accuracy": self.target_accuracy,
            "heldout_families": len(self.heldout_families),
            "heldout_runs": self.heldout_runs,
            "current": {"bundle_version": self.current.version, **self.compared["current"]},
            "candidate": {
                "bundle": str(self.candidate_path),
                "bundle_version": self.candidate.version,
                **self.compared["candidate"],
            },
            "candidate_is_better": self.candidate_is_better,
            "why_not": self.why_not,
            "offpolicy": None
            if self.offpolicy is None
            else {name: est.to_dict() for name, est in self.offpolicy.items()},
        }


def _log_holdout(families: list[str], runs: int) -> None:
    logger.info(
        "training the candidate without %d held-out families; comparing on their %d runs",
        len(families),
        runs,
    )


def _score(result: dict[str, float], target: float) -> tuple[bool, float]:
    meets = result["accuracy_kept"] >= target - 1e-9
    return meets, result["tokens_saved"] if meets else result["accuracy_kept"]


def retrain_config(
    current: Router, config_file: str | Path | None = None, target_accuracy: float | None = None
) -> TrainConfig:
    """The training options of a retrain: a config file's, aimed at the operator's target.

    The target is ``target_accuracy`` when given, else the file's ``target_accuracy`` when it
    names one, else the current bundle's.

    Raises
    ------
    ConfigError
        If the file cannot be read or holds bad options, or the target is out of range.
    """
    from budgetrouter.config import TrainConfig, read_options

    options = read_options(config_file) if config_file else {}
    if target_accuracy is None and "target_accuracy" not in options:
        target_accuracy = current.manifest.get("train_config", {}).get("target_accuracy")
    if target_accuracy is not None:
        options["target_accuracy"] = target_accuracy
    return TrainConfig.from_dict(options)


def retrain(
    current: Router,
    logs: str | Path | Sequence[str | Path],
    out: str | Path,
    *,
    base_data: str | Path | Sequence[str | Path] = (),
    config: TrainConfig | None = None,
    holdout_fraction: float = 0.25,
    cache_dir: str | Path | None = None,
    client: Client | None = None,
) -> RetrainResult:
    """Train a candidate on outcome logs and compare it with the current router.

    Parameters
    ----------
    current
        The router in production.
    logs
        Outcome logs (:class:`~budgetrouter.outcomes.OutcomeLog` JSONL) or other observation
        files or folders.
    out
        Where to write the candidate bundle.
    base_data
        Data to train on beside the logs; the held-out families come from it when given (a
        fixed yardstick), else from the logs.
    config
        Training options; defaults to ``TrainConfig(target_accuracy=<the current bundle's>)``.
    holdout_fraction
        Share of task families held out to compare the two bundles.
    cache_dir
        Embedding cache of single-machine training.
    client
        Train on this Dask cluster instead of this machine.

    Raises
    ------
    ConfigError
        If ``holdout_fraction`` is not in (0, 1), ``out`` is the current bundle's folder, or
        there are fewer than two families.
    DataError
        If a log or data file is missing or malformed.
    """
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import GroupShuffleSplit

    from budgetrouter.bundle import check_writable
    from budgetrouter.config import TrainConfig
    from budgetrouter.router import Router
    from budgetrouter.train.evaluate import predict_all
    from budgetrouter.train.readers import read_observations
    from budgetrouter.train.replay import replay
    from budgetrouter.train.targets import build_targets

    if not (is_number(holdout_fraction) and 0 < holdout_fraction < 1):
        raise ConfigError(f"holdout_fraction must be a number in (0, 1), got {holdout_fraction!r}")
    if current.path is not None and Path(out).resolve() == current.path.resolve():
        raise ConfigError(
            f"out {out} is the current bundle's folder: the candidate must be written elsewhere, "
            "compared, and only then promoted (pass another out)"
        )
    check_writable(out)
    logs = [logs] if isinstance(logs, str | Path) else list(logs)
    base_data = [base_data] if isinstance(base_data, str | Path) else list(base_data)
    if config is None:
        target = current.manifest.get("train_config", {}).get("target_accuracy", 0.99)
        config = TrainConfig(target_accuracy=target)
    pool_paths = list(base_data or logs)
    if client is None:
        pool: Any = read_observations(pool_paths)
        families = pool["group"].drop_duplicates()
    else:
        from budgetrouter.train.dask_cluster import read_observations_dask

        pool = read_observations_dask(pool_paths)
        families = pool["group"].drop_duplicates(split_out=1).compute()
    groups = np.array(sorted(map(str, families)))
    if len(groups) < 2:
        raise ConfigError("the held-out slice needs at least two task families (group column)")
    split = GroupShuffleSplit(n_splits=1, test_size=holdout_fraction, random_state=0)
    _, held_idx = next(split.split(np.zeros(len(groups)), groups=groups))
    held_groups = sorted(groups[held_idx])
    held = pool.loc[pool["group"].isin(held_groups)]
    if client is None:
        from budgetrouter.train.local import train_router

        everything = (
            pd.concat([read_observations(logs), pool], ignore_index=True) if base_data else pool
        )
        kept = everything.loc[~everything["group"].astype(str).isin(set(held_groups))]
        _log_holdout(held_groups, len(held))
        result = train_router(kept, config, current.embedder, cache_dir=cache_dir)
    else:
        from budgetrouter.train.dask_trainer import train_router_dask

        held = held.compute()
        _log_holdout(held_groups, len(held))
        result = train_router_dask(
            [*logs, *base_data], client, config, current.embedder, held_groups
        )
    result.router.save(out)
    candidate = Router.load(out)
    targets = build_targets(held, tiers=config.tiers)
    prompts = targets.prompts["prompt"].astype(str).tolist()
    compared = {
        name: replay(targets, predict_all(router, prompts)[1].budget).to_dict()
        for name, router in (("current", current), ("candidate", candidate))
    }
    offpolicy = _offpolicy(held, current, candidate)
    return RetrainResult(
        candidate=candidate,
        candidate_path=Path(out),
        training=result,
        current=current,
        compared=compared,
        target_accuracy=config.target_accuracy,
        heldout_families=held_groups,
        heldout_runs=len(held),
        offpolicy=offpolicy,
    )


def _offpolicy(
    held: Any, current: Router, candidate: Router
) -> dict[str, OffPolicyEstimate] | None:
    """Off-policy estimates of both bundles on the held-out exploration rows, if there are any."""
    from budgetrouter.train.offpolicy import estimate_offpolicy, exploration_rows

    try:
        rows = exploration_rows(held)
    except DataError:
        return None
    logger.info("off-policy estimates on %d held-out exploration rows", len(rows))
    bundles = {"current": current, "candidate": candidate}
    return {name: estimate_offpolicy(router, rows) for name, router in bundles.items()}

"""Recalibration: a trained router's price and margin re-chosen on the operator's own runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from budgetrouter.errors import ConfigError, DataError
from budgetrouter.train.calibration import calibrate
from budgetrouter.train.replay import fixed_budget_for, oracle_budgets, replay

if TYPE_CHECKING:
    import pandas as pd

    from budgetrouter.policy import TierPolicy
    from budgetrouter.router import Router

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recalibration:
    """What :func:`recalibrate` measured.

    Attributes
    ----------
    policy
        The new policy (the router now uses it).
    expected
        Its replay on the observations.
    fixed_budget, fixed
        The best single fixed budget at the same accuracy, and its replay.
    prompts
        Prompts the calibration used.
    """

    policy: TierPolicy
    expected: dict[str, float]
    fixed_budget: float
    fixed: dict[str, float]
    prompts: int


def recalibrate(
    router: Router,
    observations: pd.DataFrame,
    *,
    target_accuracy: float | None = None,
    max_mean_tokens: float | None = None,
    include_training_families: bool = False,
    source: str = "observations",
) -> Recalibration:
    """Re-choose a router's price and margin on your own observations.

    The router keeps its models; its policy is replaced (:meth:`~budgetrouter.Router.set_policy`:
    cached decisions are dropped; save it with ``router.save``) and its manifest records the
    calibration.

    Parameters
    ----------
    router
        A loaded router.
    observations
        Canonical observations (:func:`budgetrouter.train.read_observations`), usually runs of
        the model you route for, from families the bundle was not trained on.
    target_accuracy, max_mean_tokens
        The target, as in :class:`~budgetrouter.TrainConfig` (exactly one of them).
    include_training_families
        Also calibrate on the task families the bundle was trained on (its predictions there
        are in-sample, so the calibration would be optimistic).
    source
        Where the observations came from (file paths), recorded in the manifest.

    Raises
    ------
    ConfigError
        If neither or both targets are given, a target is out of range, or it cannot be met.
    DataError
        If the observations break the data contract, all belong to the bundle's training
        families (and they are not included), or no run in them is correct.
    """
    from budgetrouter.config import TrainConfig
    from budgetrouter.train.data import data_digest, validate_observations
    from budgetrouter.train.evaluate import predict_all, unseen_observations
    from budgetrouter.train.targets import build_targets

    if (target_accuracy is None) == (max_mean_tokens is None):
        raise ConfigError("give exactly one of target_accuracy or max_mean_tokens")
    # The same range checks as training.
    TrainConfig(
        target_accuracy=0.99 if target_accuracy is None else target_accuracy,
        max_mean_tokens=max_mean_tokens,
    )
    observations = unseen_observations(
        router, validate_observations(observations, source=source), include_training_families
    )
    targets = build_targets(observations, tiers=router.policy.tiers)
    if not targets.run_correct.any():
        raise DataError(
            "observations",
            "no run is correct: there is no accuracy to keep and nothing to calibrate on; "
            "check the 'correct' column",
        )
    _, pred = predict_all(router, targets.prompts["prompt"].astype(str).tolist())
    if max_mean_tokens is not None:
        oracle = replay(targets, oracle_budgets(targets, 1.0)).mean_tokens
        if max_mean_tokens < oracle:
            logger.warning(
                "max_mean_tokens %g is below the %.1f tokens per run an oracle needs to keep "
                "all the accuracy: accuracy will be lost",
                max_mean_tokens,
                oracle,
            )
    policy = calibrate(
        router.policy,
        pred.success,
        pred.cost,
        targets,
        target_accuracy=target_accuracy,
        max_mean_tokens=max_mean_tokens,
    )
    expected = replay(targets, policy.budgets(pred.success, pred.cost))
    fixed_budget, fixed = fixed_budget_for(targets, min(1.0, expected.accuracy_kept))
    calibration = {
        "data": source,
        "data_digest": data_digest(observations),
        "target_accuracy": target_accuracy,
        "max_mean_tokens": max_mean_tokens,
        "calibrated_from": router.version,
        "expected": expected.to_dict(),
    }
    router.set_policy(policy, {**router.manifest, "calibration": calibration})
    return Recalibration(
        policy, expected.to_dict(), fixed_budget, fixed.to_dict(), targets.n_prompts
    )

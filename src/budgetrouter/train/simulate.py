"""Learning from traffic without labels, simulated on the bundled runs.

:class:`~budgetrouter.train.level_world.LevelWorld` turns the bundled runs of one model at its
levels into a provider. :func:`serve` puts it behind a loopback server that speaks Chat
Completions and sends traffic through a wrapped OpenAI client with exploration and
shadow comparison on, exactly as an application would; :func:`simulate` then retrains from those
logs alone (agreement labels, no grade read), trains the same router on the same rows with their
true grades, and replays every router on prompts the traffic never showed. Its off-policy check
trains a candidate on the agreement rows of half the traffic's prompts and estimates it on the
other half's rows, against its replay on those prompts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetrouter.train.level_world import LevelWorld, serving

if TYPE_CHECKING:
    import pandas as pd

    from budgetrouter.config import TrainConfig
    from budgetrouter.router import Router


def serve(
    router: Router,
    world: LevelWorld,
    prompts: list[str],
    log_path: str | Path,
    *,
    calls: int,
    explore: float,
    shadow: float,
    seed: int = 0,
) -> Path:
    """Send ``calls`` requests (prompts drawn from ``prompts``) through a wrapped OpenAI client.

    The client talks to a loopback server answering from ``world``; exploration and shadow
    comparison (``normalized`` answers) are on, and every call is logged to ``log_path``.
    """
    import random

    from openai import OpenAI

    from budgetrouter.clients import wrap
    from budgetrouter.clients.shadow import Shadow
    from budgetrouter.outcomes import OutcomeLog

    log = OutcomeLog(log_path)
    with serving(world) as base:
        shadows = Shadow(shadow, tokens_per_hour=10**12, compare="normalized", seed=seed + 1)
        client = wrap(
            OpenAI(api_key="simulation", base_url=base, max_retries=0), router=router, log=log,
            explore=explore, explore_seed=seed, shadow=shadows,
        )  # fmt: skip
        rng = random.Random(seed)
        for _ in range(calls):
            prompt = rng.choice(prompts)
            client.chat.completions.create(
                model=world.model, messages=[{"role": "user", "content": prompt}]
            )
        _wait_for_rows(log.path, calls)
    return Path(log_path)


def _wait_for_rows(path: Path, n: int, timeout: float = 120.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.05)


def replay(router: Router, world: LevelWorld, prompts: list[str]) -> dict[str, float]:
    """``router`` on ``prompts`` for the world's model, scored with the runs' true grades.

    Returns accuracy and accuracy kept (against always the top level), the share of the top
    level's reasoning tokens saved, and agreement kept (the shadow label's mean under the
    router over its mean at the top level: what off-policy estimates from agreement rows
    estimate).
    """
    import numpy as np

    from budgetrouter.providers import request_params

    decisions = router.route_batch(prompts, model=world.model)
    top = world.efforts[-1]
    rows = []
    for prompt, decision in zip(prompts, decisions, strict=True):
        effort = str(request_params(decision, "openai", world.model).level["effort"])
        _, tokens, correct = world.answer(prompt, effort)
        _, top_tokens, top_correct = world.answer(prompt, top)
        labels = world.label(prompt, effort), world.label(prompt, top)
        rows.append((correct, tokens, labels[0], top_correct, top_tokens, labels[1]))
    ok, spent, agree, top_ok, top_spent, top_agree = (float(x) for x in np.mean(rows, axis=0))
    return {
        "accuracy": ok,
        "accuracy_kept": ok / top_ok if top_ok else float("nan"),
        "tokens_saved": 1 - spent / top_spent if top_spent else 0.0,
        "agreement_kept": agree / top_agree if top_agree else float("nan"),
    }


def agreement_rows(log: pd.DataFrame) -> pd.DataFrame:
    """The log's rows labelled by a shadow (``correct_source == "agreement"``)."""
    return log.loc[log["correct_source"].eq("agreement")].reset_index(drop=True)


def graded_rows(rows: pd.DataFrame, world: LevelWorld) -> pd.DataFrame:
    """The same rows with ``correct`` the true grade of the run each call was answered with."""
    out = rows.copy()
    out["correct"] = [
        float(world.answer(p, e)[2]) for p, e in zip(out["prompt"], out["effort"], strict=True)
    ]
    out["correct_source"] = "caller"
    return out


@dataclass
class SimulationResult:
    """What one simulated run measured (all replays on prompts the traffic never showed)."""

    calls: int
    labelled_rows: int
    before: dict[str, float]
    from_agreement: dict[str, float]
    from_true_labels: dict[str, float]
    offpolicy: dict[str, Any]
    offpolicy_truth: float

    @property
    def recovered(self) -> float:
        """The share of the true-label router's saving over ``before`` the agreement one gets."""
        gain = self.from_true_labels["tokens_saved"] - self.before["tokens_saved"]
        mine = self.from_agreement["tokens_saved"] - self.before["tokens_saved"]
        return mine / gain if gain > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from dataclasses import asdict

        return {**asdict(self), "recovered": self.recovered}


def simulate(
    router: Router,
    world: LevelWorld,
    config: TrainConfig,
    workdir: str | Path,
    *,
    calls: int = 3000,
    explore: float = 0.3,
    shadow: float = 0.5,
    traffic_share: float = 0.5,
    seed: int = 0,
) -> SimulationResult:
    """Serve traffic with ``router``, retrain from its logs alone, and compare.

    Parameters
    ----------
    router
        The live bundle (trained without the world's source).
    world
        The provider: the bundled runs of one model on one source.
    config
        Training options of the retrained routers (both: agreement labels and true grades).
    workdir
        Where the log is written.
    calls, explore, shadow
        Traffic size, and the shares of calls explored and shadowed.
    traffic_share
        The share of the world's prompts the traffic draws from; the rest are the replay's.
    seed
        Seed of the traffic, the split and the exploration.
    """
    import numpy as np

    from budgetrouter.train import read_observations
    from budgetrouter.train.local import train_router
    from budgetrouter.train.offpolicy import estimate_offpolicy

    rng = np.random.default_rng(seed)
    prompts = world.prompts
    order = rng.permutation(len(prompts))
    cut = int(len(prompts) * traffic_share)
    traffic = [prompts[i] for i in order[:cut]]
    heldout = [prompts[i] for i in order[cut:]]
    log_path = Path(workdir) / f"traffic-{seed}.jsonl"
    if log_path.exists():
        log_path.unlink()
    serve(router, world, traffic, log_path, calls=calls, explore=explore, shadow=shadow, seed=seed)
    # rows land in the order shadows finish: put them in one order, so a run repeats itself
    keys = ["prompt", "effort", "propensity", "correct", "reasoning_tokens"]
    log = read_observations(log_path).sort_values(keys, kind="stable").reset_index(drop=True)
    labelled = agreement_rows(log)
    by_agreement = train_router(labelled, config, router.embedder).router
    by_grades = train_router(graded_rows(labelled, world), config, router.embedder).router
    # the off-policy check, as retrain makes it: a candidate trained on the rows of half the
    # traffic's prompts, estimated on the other half's rows, against its replay on the same
    # calls (each prompt as often as the traffic sent it)
    fit = set(traffic[: len(traffic) // 2])
    mine = labelled["prompt"].isin(fit)
    candidate = train_router(labelled.loc[mine], config, router.embedder).router
    estimate = estimate_offpolicy(candidate, labelled.loc[~mine], n_resamples=1000, seed=seed)
    calls_there = labelled.loc[~mine, "prompt"].astype(str).tolist()  # the same traffic
    truth = replay(candidate, world, calls_there)["agreement_kept"]
    return SimulationResult(
        calls=calls,
        labelled_rows=len(labelled),
        before=replay(router, world, heldout),
        from_agreement=replay(by_agreement, world, heldout),
        from_true_labels=replay(by_grades, world, heldout),
        offpolicy=estimate.to_dict(),
        offpolicy_truth=truth,
    )

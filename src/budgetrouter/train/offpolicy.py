"""Off-policy evaluation: what a bundle would keep and spend, from logged exploration rows.

Rows written with exploration on (``wrap(..., explore=ε)``) record the level each call was sent
at and the probability it had of being sent there (``propensity``). That is enough to estimate,
without a labelled test set, what another bundle (a candidate) would do on the same traffic:

* **inverse propensity (IPS)**: rows weighted by ``w = [candidate's level == sent] / p``, the
  mean of ``w · r`` over the mean of ``w`` (self-normalized);
* **doubly robust (DR)**: the mean of ``q(x, candidate's level)`` plus the weighted mean of the
  residuals ``r - q(x, sent)``, with ``q`` the cross-fitted outcome model of
  :mod:`~budgetrouter.train.offpolicy_model` (a prompt's own other rows at the level; for
  accuracy, an additive prompt-plus-level model; else nearest neighbours on the router's
  features). Consistent like IPS when the propensities are right, with far less variance when
  ``q`` is good.

``r`` is the row's ``correct`` (a grade, a finished run, or agreement with the top level) for
accuracy, and its ``reasoning_tokens`` for spend. Accuracy kept is the DR accuracy of the bundle
over the DR accuracy of always sending the model's top level, on the same rows. Intervals are
percentile bootstrap intervals over rows (``scipy.stats.bootstrap``, paired); no library we know
of packages IPS and DR for this setting in a maintained form, so the estimators are written out
here, a few lines each.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.router import Router

#: The columns an exploration row needs.
COLUMNS = ("prompt", "model", "provider", "correct", "reasoning_tokens", "propensity")


@dataclass(frozen=True)
class Interval:
    """A point estimate and its confidence interval."""

    estimate: float
    low: float
    high: float

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class OffPolicyEstimate:
    """What a bundle would keep and spend on logged traffic, estimated off-policy.

    Attributes
    ----------
    rows, matched
        Exploration rows used, and those sent at the level the bundle would have chosen.
    accuracy_ips, accuracy
        The bundle's mean ``correct``, by IPS and by DR.
    top_accuracy
        Always the model's top level, by DR.
    accuracy_kept
        ``accuracy / top_accuracy`` (DR), the share of the top level's accuracy kept.
    tokens, top_tokens
        Mean reasoning tokens per call under the bundle and at the top level (DR).
    confidence
        The intervals' confidence level.
    """

    rows: int
    matched: int
    accuracy_ips: Interval
    accuracy: Interval
    top_accuracy: Interval
    accuracy_kept: Interval
    tokens: Interval
    top_tokens: Interval
    confidence: float

    @property
    def tokens_saved(self) -> float:
        """The share of the top level's reasoning tokens the bundle saves (point estimate)."""
        top = self.top_tokens.estimate
        return 1 - self.tokens.estimate / top if top > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (an estimate or bound that could not be made is ``None``)."""
        out = {**asdict(self), "tokens_saved": self.tokens_saved}
        return json.loads(json.dumps(out), parse_constant=lambda _: None)


def exploration_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows off-policy evaluation can use: routed first runs with a propensity.

    When some carry a shadow's agreement label, only those are used: a row whose only label is
    that its run finished (``correct_source: "finished"``) would count as right at any level.

    Raises
    ------
    DataError
        When no row has one (logs written without ``explore``).
    """
    missing = [c for c in COLUMNS if c not in table]
    if missing:
        raise DataError(
            "logs", f"no exploration rows: the columns {missing} are missing (log with "
            "wrap(..., explore=0.1) or BudgetRouterCallback(..., explore=0.1))",
        )  # fmt: skip
    keep = table["propensity"].notna() & table["model"].notna() & table["provider"].notna()
    if "thinking_set_by" in table:
        keep &= table["thinking_set_by"].eq("router")
    if "escalated_from" in table:
        keep &= table["escalated_from"].isna()
    if "correct_source" in table and (table.loc[keep, "correct_source"] == "agreement").any():
        keep &= table["correct_source"].eq("agreement")  # one kind of label, never mixed
    rows = table.loc[keep].reset_index(drop=True)
    if rows.empty:
        raise DataError("logs", "no exploration rows (a propensity, a model, set by the router)")
    bad = ~((rows["propensity"] > 0) & (rows["propensity"] <= 1))
    if bad.any():
        first = rows["propensity"][bad].iloc[0]
        raise DataError("logs", f"propensity must be in (0, 1], got {first}")
    return rows


def _key(budget: Any, effort: Any) -> tuple[int | None, str | None]:
    """A level as rows and request parameters give it: ``(budget, effort)``."""
    b = None if budget is None or (isinstance(budget, float) and math.isnan(budget)) else budget
    e = effort if isinstance(effort, str) else None
    return (None if b is None else int(b)), e


def policy_levels(router: Router, rows: pd.DataFrame) -> tuple[list[tuple], list[tuple]]:
    """The level ``router`` sends each row's prompt at, and the model's top level.

    Each as the row's call would have been sent: within the caller's output limit when the row
    records it (``caller_max_tokens``).
    """
    from budgetrouter.clients.explore import candidate_decisions
    from budgetrouter.providers import request_params

    decisions = router.route_batch(rows["prompt"].tolist(), model=rows["model"].tolist())
    limits = rows["caller_max_tokens"] if "caller_max_tokens" in rows else [None] * len(rows)
    chosen, top = [], []
    for decision, model, provider, limit in zip(
        decisions, rows["model"], rows["provider"], limits, strict=True
    ):
        limit = None if limit is None or limit != limit else int(limit)  # NaN: not given
        mine = request_params(decision, provider, model, limit).level
        high = request_params(
            candidate_decisions(router, decision, model)[-1], provider, model, limit
        )
        chosen.append(_key(mine["budget"], mine["effort"]))
        top.append(_key(high.level["budget"], high.level["effort"]))
    return chosen, top


def _terms(
    rows: pd.DataFrame,
    sent: list[tuple],
    policy: list[tuple],
    values: np.ndarray,
    q_pi: np.ndarray,
    q_sent: np.ndarray,
) -> np.ndarray:
    """Per-row terms of ``values`` under ``policy``: weight, weighted value, model, residual.

    The weight is ``[policy's level == sent] / propensity``; self-normalized IPS is
    ``mean(weighted value) / mean(weight)`` and self-normalized DR ``mean(model) +
    mean(residual) / mean(weight)``.
    """
    import numpy as np

    p = rows["propensity"].to_numpy(dtype=float)
    w = np.array([a == b for a, b in zip(sent, policy, strict=True)], dtype=float) / p
    return np.stack([w, w * values, q_pi, w * (values - q_sent)])


def _estimates(terms: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Self-normalized IPS and DR from :func:`_terms` (rows along ``axis``)."""
    import numpy as np

    w, wv, q_pi, res = (np.mean(t, axis=axis) for t in terms)
    w = np.where(w == 0, np.nan, w)
    return wv / w, q_pi + res / w


def estimate_offpolicy(
    router: Router,
    table: pd.DataFrame,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    neighbors: int = 10,
    seed: int = 0,
) -> OffPolicyEstimate:
    """Estimate what ``router`` would keep and spend on logged exploration rows.

    Parameters
    ----------
    router
        The bundle to evaluate (a candidate, or the live one).
    table
        Outcome rows (:func:`budgetrouter.train.read_observations` of logs written with
        exploration on): ``prompt``, ``model``, ``provider``, ``budget``/``effort`` (the level
        sent), ``correct``, ``reasoning_tokens`` and ``propensity``.
    confidence
        Confidence level of the intervals.
    n_resamples
        Bootstrap resamples.
    neighbors
        Neighbours of the doubly robust estimator's outcome model.
    seed
        Seed of the bootstrap and of the outcome model's folds.

    Returns
    -------
    OffPolicyEstimate

    Raises
    ------
    DataError
        When the rows hold no usable exploration row.
    """
    import numpy as np
    from scipy.stats import bootstrap

    from budgetrouter.train.offpolicy_model import outcome_model

    rows = exploration_rows(table)
    nothing = [None] * len(rows)
    budgets, efforts = rows.get("budget", nothing), rows.get("effort", nothing)
    sent = [_key(b, e) for b, e in zip(budgets, efforts, strict=True)]
    chosen, top = policy_levels(router, rows)
    r = rows["correct"].to_numpy(dtype=float)
    c = rows["reasoning_tokens"].to_numpy(dtype=float)
    X = router.features(rows["prompt"].astype(str).tolist())
    blocks = []
    for values in (r, c):
        q_sent, q_mine, q_top = outcome_model(
            X, rows, sent, values, [sent, chosen, top], neighbors, seed, values is r
        )
        blocks += [_terms(rows, sent, chosen, values, q_mine, q_sent),
                   _terms(rows, sent, top, values, q_top, q_sent)]  # fmt: skip
    data = tuple(np.concatenate(blocks))  # 16 per-row arrays, resampled together

    def stats(*arrays: Any, axis: int = -1) -> Any:
        stacked = [np.stack(arrays[i : i + 4]) for i in range(0, 16, 4)]
        ips, acc = _estimates(stacked[0], axis)
        _, top_acc = _estimates(stacked[1], axis)
        _, tokens = _estimates(stacked[2], axis)
        _, top_tokens = _estimates(stacked[3], axis)
        kept = acc / np.where(top_acc == 0, np.nan, top_acc)
        return np.stack([ips, acc, top_acc, tokens, top_tokens, kept])

    point = stats(*data)
    boot = bootstrap(
        data, stats, paired=True, vectorized=True, confidence_level=confidence,
        n_resamples=n_resamples, method="percentile", random_state=seed,
    )  # fmt: skip
    low, high = boot.confidence_interval
    ci = [Interval(float(p), float(a), float(b)) for p, a, b in zip(point, low, high, strict=True)]
    return OffPolicyEstimate(
        rows=len(rows),
        matched=int(sum(a == b for a, b in zip(sent, chosen, strict=True))),
        accuracy_ips=ci[0],
        accuracy=ci[1],
        top_accuracy=ci[2],
        tokens=ci[3],
        top_tokens=ci[4],
        accuracy_kept=ci[5],
        confidence=confidence,
    )

"""Off-policy evaluation: what a bundle would keep and spend, from logged exploration rows.

Rows written with exploration on (``wrap(..., explore=ε)``) record the level each call was sent
at and the probability it had of being sent there (``propensity``). That is enough to estimate,
without a labelled test set, what another bundle (a candidate) would do on the same traffic:

* **inverse propensity (IPS)**: rows weighted by ``w = [candidate's level == sent] / p``, the
  mean of ``w · r`` over the mean of ``w`` (self-normalized);
* **doubly robust (DR)**: the mean of ``q(x, candidate's level)`` plus the weighted mean of the
  residuals ``r - q(x, sent)``, with ``q`` the propensity-weighted mean outcome of each (model,
  level) in the rows: consistent like IPS when the propensities are right, with less variance.

``r`` is the row's ``correct`` (a grade, a finished run, or agreement with the top level) for
accuracy, and its ``reasoning_tokens`` for spend. Accuracy kept is the DR accuracy of the bundle
over the DR accuracy of always sending the model's top level, on the same rows. Intervals are
percentile bootstrap intervals over rows (``scipy.stats.bootstrap``, paired); no library we know
of packages IPS and DR for this setting in a maintained form, so the estimators are written out
here, a few lines each.
"""

from __future__ import annotations

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
        """JSON-ready form."""
        return {**asdict(self), "tokens_saved": self.tokens_saved}


def exploration_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows off-policy evaluation can use: routed first runs with a propensity.

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
    """The level ``router`` sends each row's prompt at, and the model's top level."""
    from budgetrouter.clients.explore import candidate_decisions
    from budgetrouter.providers import request_params

    decisions = router.route_batch(rows["prompt"].tolist(), model=rows["model"].tolist())
    chosen, top = [], []
    for decision, model, provider in zip(decisions, rows["model"], rows["provider"], strict=True):
        mine = request_params(decision, provider, model).level
        high = request_params(candidate_decisions(router, decision, model)[-1], provider, model)
        chosen.append(_key(mine["budget"], mine["effort"]))
        top.append(_key(high.level["budget"], high.level["effort"]))
    return chosen, top


def _outcome_model(rows: pd.DataFrame, sent: list[tuple], values: np.ndarray) -> dict:
    """Propensity-weighted mean of ``values`` per (model, level) sent; ``"*"`` overall."""
    import numpy as np

    w = 1.0 / rows["propensity"].to_numpy(dtype=float)
    table: dict[Any, float] = {"*": float(np.average(values, weights=w))}
    groups: dict[tuple, list[int]] = {}
    for i, (model, level) in enumerate(zip(rows["model"], sent, strict=True)):
        groups.setdefault((model, level), []).append(i)
    for key, idx in groups.items():
        table[key] = float(np.average(values[idx], weights=w[idx]))
    return table


def _terms(
    rows: pd.DataFrame, sent: list[tuple], policy: list[tuple], values: np.ndarray, q: dict
) -> np.ndarray:
    """Per-row terms of ``values`` under ``policy``: weight, weighted value, model, residual.

    The weight is ``[policy's level == sent] / propensity``; self-normalized IPS is
    ``mean(weighted value) / mean(weight)`` and self-normalized DR ``mean(model) +
    mean(residual) / mean(weight)``.
    """
    import numpy as np

    p = rows["propensity"].to_numpy(dtype=float)
    w = np.array([a == b for a, b in zip(sent, policy, strict=True)], dtype=float) / p
    models = rows["model"].tolist()
    q_pi = np.array([q.get((m, a), q["*"]) for m, a in zip(models, policy, strict=True)])
    q_sent = np.array([q.get((m, a), q["*"]) for m, a in zip(models, sent, strict=True)])
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
    seed
        Seed of the bootstrap.

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

    rows = exploration_rows(table)
    nothing = [None] * len(rows)
    budgets, efforts = rows.get("budget", nothing), rows.get("effort", nothing)
    sent = [_key(b, e) for b, e in zip(budgets, efforts, strict=True)]
    chosen, top = policy_levels(router, rows)
    r = rows["correct"].to_numpy(dtype=float)
    c = rows["reasoning_tokens"].to_numpy(dtype=float)
    qr, qc = _outcome_model(rows, sent, r), _outcome_model(rows, sent, c)
    blocks = [_terms(rows, sent, chosen, r, qr), _terms(rows, sent, top, r, qr),
              _terms(rows, sent, chosen, c, qc), _terms(rows, sent, top, c, qc)]  # fmt: skip
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

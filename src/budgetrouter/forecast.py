"""What a call will spend on thinking, before it is made: tokens, cost and added latency.

:func:`forecast` reads a decision's own token forecasts (the typical run and the upper
quantile, under the decision and at the model's top level; :class:`~budgetrouter.decision.
Decision`) and turns them into USD with a price per million output tokens and into seconds of
generation with an output speed (:mod:`budgetrouter.rates`, or the caller's own tables).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from budgetrouter.errors import ConfigError
from budgetrouter.providers.rows import same_model
from budgetrouter.rates import PRICES, THROUGHPUT, Rate

if TYPE_CHECKING:
    from budgetrouter.decision import Decision

__all__ = ["Forecast", "forecast"]


@dataclass(frozen=True)
class Forecast:
    """The reasoning a call is expected to spend, and what it costs.

    Token figures are reasoning tokens per call; ``*_upper`` is the bundle's upper quantile
    (``None`` when the bundle measured none). Costs are USD, latencies seconds of output
    generation added by the thinking (time to first token not included).

    Attributes
    ----------
    model
        The model the forecast prices.
    model_aware
        Whether the token figures are the model's own (a model-aware decision) or the
        model-agnostic estimate.
    tokens, tokens_upper
        Under the decision.
    tokens_top, tokens_top_upper
        At the model's top level (no cap for a model-agnostic decision).
    usd_per_million, price_source
        The price used, per million output tokens, and where it comes from (with its date).
    cost_usd, cost_upper_usd, cost_top_usd, cost_top_upper_usd
        The token figures priced.
    saved_usd
        ``cost_top_usd - cost_usd``: what the decision saves on a typical call.
    tokens_per_second, throughput_source
        The output speed used, ``None`` when none is known for the model.
    latency_s, latency_upper_s, latency_top_s
        The token figures at that speed (``None`` without a speed).
    notes
        What the caller should know (no speed known, a decision made for another model).
    """

    model: str
    model_aware: bool
    tokens: int
    tokens_upper: int | None
    tokens_top: int
    tokens_top_upper: int | None
    usd_per_million: float
    price_source: str
    cost_usd: float
    cost_upper_usd: float | None
    cost_top_usd: float
    cost_top_upper_usd: float | None
    saved_usd: float
    tokens_per_second: float | None
    throughput_source: str | None
    latency_s: float | None
    latency_upper_s: float | None
    latency_top_s: float | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The forecast as a JSON-ready dict."""
        out = asdict(self)
        out["notes"] = list(self.notes)
        return out


def forecast(
    decision: Decision,
    model: str | None = None,
    *,
    prices: Mapping[str, float | Rate] | None = None,
    throughput: Mapping[str, float | Rate] | None = None,
) -> Forecast:
    """Forecast the reasoning tokens, cost and added latency of a call under ``decision``.

    Parameters
    ----------
    decision
        The router's decision for the prompt (:meth:`budgetrouter.Router.route`, ideally with
        ``model=`` so the token figures are the model's own).
    model
        The model called; defaults to the one the decision was made for.
    prices
        USD per million output tokens by model name, over :data:`budgetrouter.rates.PRICES`.
    throughput
        Output tokens per second by model name, over :data:`budgetrouter.rates.THROUGHPUT`.

    Returns
    -------
    Forecast
        Tokens, USD and seconds under the decision and at the model's top level.

    Raises
    ------
    ConfigError
        For no model named, a decision without token forecasts (a fallback or an escalated
        decision), or a model with no price (pass ``prices={model: usd_per_million}``); a
        price or speed that is not a positive number.

    Examples
    --------
    >>> from budgetrouter.decision import Decision
    >>> d = Decision("short", 1024, 300, 900, 0.1, False, "v", model="o4-mini",
    ...              expected_tokens=400, expected_tokens_top=2000)
    >>> f = forecast(d)
    >>> round(f.cost_usd, 5), round(f.saved_usd, 5), round(f.latency_top_s, 1)
    (0.00176, 0.00704, 12.4)
    """
    from budgetrouter.decision import Decision

    if not isinstance(decision, Decision):
        raise ConfigError(
            f"decision must be a budgetrouter Decision (from Router.route), got "
            f"{type(decision).__name__}"
        )
    name = model if model is not None else decision.model
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            "name the model called (forecast(decision, model='o4-mini'), or route with "
            f"model=...): prices and speeds are per model, got {name!r}"
        )
    if decision.expected_tokens is None or decision.expected_tokens_top is None:
        raise ConfigError(
            "this decision has no token forecast (a fallback decision, or an escalation, whose "
            "level was not predicted): route the prompt for the model to forecast it"
        )
    notes = []
    same = decision.model is None or same_model(decision.model, name)
    if not same:
        notes.append(f"the decision's token figures are for {decision.model!r}, not {model!r}")
    price, price_source = _rate(PRICES, prices, name, "price")
    if price is None:
        known = sorted({**PRICES, **(prices or {})})
        raise ConfigError(
            f"no output-token price for model {name!r} (prices known: {known}); pass "
            f"prices={{{name!r}: USD per million output tokens}}"
        )
    speed, speed_source = _rate(THROUGHPUT, throughput, name, "throughput")
    if speed is None:
        notes.append(
            f"no output speed known for {name!r}: latency not forecast; pass "
            f"throughput={{{name!r}: output tokens per second}}"
        )

    def usd(n: int | None) -> float | None:
        return None if n is None else n * price / 1e6

    def seconds(n: int | None) -> float | None:
        return None if n is None or speed is None else n / speed

    cost, cost_top = usd(decision.expected_tokens), usd(decision.expected_tokens_top)
    assert cost is not None and cost_top is not None
    return Forecast(
        model=name,
        model_aware=decision.model_aware and same,
        tokens=decision.expected_tokens,
        tokens_upper=decision.expected_tokens_upper,
        tokens_top=decision.expected_tokens_top,
        tokens_top_upper=decision.expected_tokens_top_upper,
        usd_per_million=price,
        price_source=price_source or "",
        cost_usd=cost,
        cost_upper_usd=usd(decision.expected_tokens_upper),
        cost_top_usd=cost_top,
        cost_top_upper_usd=usd(decision.expected_tokens_top_upper),
        saved_usd=cost_top - cost,
        tokens_per_second=speed,
        throughput_source=speed_source,
        latency_s=seconds(decision.expected_tokens),
        latency_upper_s=seconds(decision.expected_tokens_upper),
        latency_top_s=seconds(decision.expected_tokens_top),
        notes=tuple(notes),
    )


def _rate(
    table: Mapping[str, Rate], override: Mapping[str, float | Rate] | None, model: str, what: str
) -> tuple[float | None, str | None]:
    """The value and source of ``model``'s entry: the caller's table first, then ours.

    A name matches exactly, then case-insensitively, without a vendor prefix
    (``openai/o4-mini``) and without a dated snapshot (``o4-mini-2025-04-16``).
    """
    if override is not None and not isinstance(override, Mapping):
        raise ConfigError(
            f"{'prices' if what == 'price' else 'throughput'} must map model names to numbers "
            f"(or Rate entries), got {type(override).__name__}"
        )
    hit = _find(override or {}, model)
    if hit is None:
        hit = _find(table, model)
    if hit is None:
        return None, None
    value = hit.value if isinstance(hit, Rate) else hit
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        value = -1  # numpy numbers are Real; strings, None and NaN are not positive numbers
    if value <= 0:
        raise ConfigError(f"the {what} of {model!r} must be a positive number, got {hit!r}")
    source = f"{hit.source} ({hit.as_of})" if isinstance(hit, Rate) else "given by the caller"
    return float(value), source


def _find(entries: Mapping[str, Any], model: str) -> Any:
    """The entry of ``model`` in ``entries`` (see :func:`_rate`), or ``None``."""
    from budgetrouter.providers.base import SNAPSHOT

    lowered = {str(k).lower(): v for k, v in entries.items()}
    name = model.strip().lower()
    for candidate in dict.fromkeys((name, name.rsplit("/", 1)[-1])):
        if candidate in lowered:
            return lowered[candidate]
        for key, value in lowered.items():
            if re.fullmatch(re.escape(key) + SNAPSHOT, candidate):
                return value
    return None

"""Frozen configuration objects, checked on construction.

:class:`RouterConfig` holds what a trained router needs at route time; :class:`TrainConfig`
holds what the trainer needs. Both round-trip through plain dicts (``to_dict`` / ``from_dict``)
so they can live in a bundle's JSON manifest.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from budgetrouter._checks import is_int, is_number
from budgetrouter.decision import TIER_NAMES, TierRules
from budgetrouter.errors import ConfigError

DEFAULT_BUDGET_GRID: tuple[int, ...] = (
    0, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 16384,
)  # fmt: skip

#: The LightGBM settings every model starts from (TrainConfig and the estimators' defaults).
LGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 100,
    "learning_rate": 0.15,
    "num_leaves": 31,
    "min_child_samples": 50,
    "colsample_bytree": 0.5,
}

_C = TypeVar("_C", bound="_DictMixin")
#: Keys of earlier releases and their names now.
_RENAMED = {"n_folds": "n_inner_folds", "quantile_high": "upper_quantile"}


class _DictMixin:
    """``to_dict`` / strict ``from_dict`` for flat frozen dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a JSON-ready dict."""
        out = dataclasses.asdict(self)  # type: ignore[call-overload]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls: type[_C], data: Mapping[str, Any]) -> _C:
        """Build the configuration from a dict, rejecting unknown keys.

        Raises
        ------
        ConfigError
            If ``data`` holds a key the configuration does not know.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(known))
        if unknown:
            hints = [f"'{k}' is now '{_RENAMED[k]}'" for k in unknown if k in _RENAMED]
            raise ConfigError(
                f"Unknown {cls.__name__} keys {unknown}. Valid keys: {sorted(known)}"
                + (f" ({'; '.join(hints)})" if hints else "")
            )
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**kwargs)


def _check_fraction(name: str, value: float, *, low: float = 0.0, high: float = 1.0) -> None:
    if not is_number(value) or not (low < value <= high):
        raise ConfigError(f"{name} must be a number in ({low}, {high}], got {value!r}")


@dataclass(frozen=True)
class RouterConfig(_DictMixin):
    """Run-time options of a :class:`~budgetrouter.Router`.

    Parameters
    ----------
    fallback_tier
        Tier returned (with ``fallback=True``) when a prompt cannot be routed, for example
        an empty string. ``None`` (the default) raises :class:`~budgetrouter.errors.PromptError`
        instead.
    batch_size
        Prompts embedded per forward pass in :meth:`~budgetrouter.Router.route_batch`.
    cache_size
        Decisions kept in an in-memory LRU cache keyed by a hash of the prompt (a repeated
        prompt costs microseconds); 0 turns the cache off.
    strict_model
        Routing for a model the bundle does not know raises
        :class:`~budgetrouter.errors.ConfigError` instead of returning the model-agnostic
        decision (flagged ``model_aware=False``, with a warning in the log).
    """

    fallback_tier: str | None = None
    batch_size: int = 32
    cache_size: int = 4096
    strict_model: bool = False

    def __post_init__(self) -> None:
        if self.fallback_tier is not None and self.fallback_tier not in TIER_NAMES:
            raise ConfigError(
                f"Unknown fallback_tier {self.fallback_tier!r}. Available: {list(TIER_NAMES)}"
            )
        if not is_int(self.batch_size) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if not is_int(self.cache_size) or self.cache_size < 0:
            raise ConfigError(f"cache_size must be a non-negative integer, got {self.cache_size!r}")
        if not isinstance(self.strict_model, bool):
            raise ConfigError(f"strict_model must be True or False, got {self.strict_model!r}")

    @classmethod
    def given(cls, config: object) -> RouterConfig:
        """``config`` itself when it is a :class:`RouterConfig`, the defaults for ``None``.

        Raises
        ------
        ConfigError
            For anything else (a dict, the class itself); a router checks it before it reads
            any bundle.
        """
        if config is None:
            return cls()
        if not isinstance(config, cls):
            raise ConfigError(
                f"config must be a RouterConfig instance, got {config!r}; "
                "build one with RouterConfig(...)"
            )
        return config


@dataclass(frozen=True)
class TrainConfig(_DictMixin):
    """Options of :func:`budgetrouter.train.train_router`.

    Parameters
    ----------
    target_accuracy
        Keep at least this share of the always-long policy's accuracy (replay on held-out
        families, on every source and kind of count) at the fewest reasoning tokens. Ignored
        when ``max_mean_tokens`` is set.
    model_target_accuracy
        Model-aware routing: keep at least this share of each known model's top-level accuracy
        (replay on held-out prompts of its runs at its own levels).
    max_mean_tokens
        Instead of an accuracy target: the most reasoning tokens per run on average; the
        policy then maximises accuracy under that spend.
    budget_grid
        Candidate budgets (tokens) for the success-versus-budget model; ``0`` is tier none.
        The long tier always adds an uncapped option.
    short_max_tokens
        Budgets up to this many tokens are reported as tier short; larger ones as tier long.
    long_cap_tokens
        Budget of a long decision; ``None`` means no cap.
    upper_quantile
        Upper quantile predicted beside the median of the needed tokens.
    none_max_tokens
        A correct run with at most this many reasoning tokens counts as solved with no
        reasoning (label of the no-thinking classifier).
    n_outer_folds
        Grouped folds over task families for the reported metrics: each family is held out
        once, and its prompts are routed by models and a price chosen without it.
    n_inner_folds
        Grouped folds, within the training families of each outer fold (on Dask: within all
        families), on which the policy's price is calibrated out of family.
    n_estimators, learning_rate, num_leaves, min_child_samples, colsample_bytree
        LightGBM settings shared by every model (defaults: :data:`LGBM_DEFAULTS`).
    knn_neighbors, ridge_alpha
        Settings of the scikit-learn baselines reported beside LightGBM.
    random_state
        Seed of LightGBM and, when training on Dask, of the calibration folds (single-machine
        training splits families deterministically with ``GroupKFold``).
    calibration_runs
        Training on Dask only: at most about this many runs (those of a random sample of
        prompts) are gathered to the client to calibrate the price and margin.
    """

    target_accuracy: float = 0.98
    model_target_accuracy: float = 0.98
    max_mean_tokens: float | None = None
    budget_grid: tuple[int, ...] = DEFAULT_BUDGET_GRID
    short_max_tokens: int = TierRules.short_max_tokens
    long_cap_tokens: int | None = TierRules.long_cap_tokens
    upper_quantile: float = 0.9
    none_max_tokens: int = 0
    n_outer_folds: int = 5
    n_inner_folds: int = 3
    n_estimators: int = LGBM_DEFAULTS["n_estimators"]
    learning_rate: float = LGBM_DEFAULTS["learning_rate"]
    num_leaves: int = LGBM_DEFAULTS["num_leaves"]
    min_child_samples: int = LGBM_DEFAULTS["min_child_samples"]
    colsample_bytree: float = LGBM_DEFAULTS["colsample_bytree"]
    knn_neighbors: int = 25
    ridge_alpha: float = 10.0
    random_state: int = 0
    calibration_runs: int = 2_000_000

    def __post_init__(self) -> None:
        _check_fraction("target_accuracy", self.target_accuracy)
        _check_fraction("model_target_accuracy", self.model_target_accuracy)
        if self.max_mean_tokens is not None and not (
            is_number(self.max_mean_tokens) and self.max_mean_tokens >= 0
        ):
            raise ConfigError(
                f"max_mean_tokens must be a non-negative number, got {self.max_mean_tokens!r}"
            )
        grid = self.budget_grid
        if (
            len(grid) < 2
            or any(not is_int(b) or b < 0 for b in grid)
            or list(grid) != sorted(set(grid))
            or grid[0] != 0
        ):
            raise ConfigError(
                "budget_grid must be strictly increasing non-negative integers starting at 0 "
                f"(0 is tier none), got {list(grid)!r}"
            )
        TierRules(self.short_max_tokens, self.long_cap_tokens)  # checks both
        if self.long_cap_tokens is not None and self.long_cap_tokens <= grid[-1]:
            raise ConfigError(
                "long_cap_tokens must be None (no cap) or an integer above the largest grid "
                f"budget {grid[-1]}, got {self.long_cap_tokens!r}"
            )
        _check_fraction("upper_quantile", self.upper_quantile, low=0.5, high=0.999)
        if not is_int(self.none_max_tokens) or self.none_max_tokens < 0:
            raise ConfigError(
                f"none_max_tokens must be a non-negative integer, got {self.none_max_tokens!r}"
            )
        for name in (
            "n_inner_folds",
            "n_outer_folds",
            "n_estimators",
            "num_leaves",
            "min_child_samples",
            "knn_neighbors",
            "calibration_runs",
        ):
            value = getattr(self, name)
            if not is_int(value) or value < (2 if name.endswith("folds") else 1):
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        _check_fraction("learning_rate", self.learning_rate)
        _check_fraction("colsample_bytree", self.colsample_bytree)
        if not is_number(self.ridge_alpha) or self.ridge_alpha <= 0:
            raise ConfigError(f"ridge_alpha must be a positive number, got {self.ridge_alpha!r}")
        if not is_int(self.random_state):
            raise ConfigError(f"random_state must be an integer, got {self.random_state!r}")

    @classmethod
    def from_file(cls, path: str | Path) -> TrainConfig:
        """Build the configuration from a JSON file of its keys (``training/default.json``).

        Raises
        ------
        ConfigError
            If the file cannot be read, is not a JSON object, or holds unknown or bad values.
        """
        return cls.from_dict(read_options(path))

    @property
    def tiers(self) -> TierRules:
        """The tier thresholds of a router trained with this configuration."""
        return TierRules(self.short_max_tokens, self.long_cap_tokens)

    def lgbm_settings(self, **overrides: Any) -> dict[str, Any]:
        """LightGBM settings of the estimators (:mod:`budgetrouter.estimators`), with overrides."""
        settings = {k: getattr(self, k) for k in LGBM_DEFAULTS}
        return {**settings, "random_state": self.random_state, **overrides}

    def regressor_settings(self, n_solved: int) -> dict[str, Any]:
        """Settings of the needed-token regressors: smaller leaves when few prompts were solved."""
        return self.lgbm_settings(
            min_child_samples=min(self.min_child_samples, max(1, n_solved // 4))
        )


def read_options(path: str | Path) -> dict[str, Any]:
    """The JSON object of a configuration file, unchecked beyond being one.

    Raises
    ------
    ConfigError
        If the file cannot be read or does not hold a JSON object.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            options = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot read JSON ({exc})") from exc
    if not isinstance(options, dict):
        raise ConfigError(
            f"config file {path}: must hold a JSON object of TrainConfig keys, "
            f"got {type(options).__name__}"
        )
    return options

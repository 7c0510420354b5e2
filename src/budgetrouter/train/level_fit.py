"""Fitting model-aware routing: the level model, its per-model prices, held-out decisions.

:func:`fit_model_levels` is what the trainer calls: it finds the known models of an observation
table (:func:`budgetrouter.train.levels.known_models`), fits the level model with
:func:`fit_levels`, and replays held-out decisions, model-aware and model-agnostic, on the runs
made at each model's levels (:func:`budgetrouter.train.level_report.level_report`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from budgetrouter.train.levels import LevelRuns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from budgetrouter.config import TrainConfig
    from budgetrouter.level_model import LevelModel
    from budgetrouter.train.targets import PromptTargets

logger = logging.getLogger(__name__)


def _kept_saved(runs: LevelRuns, chosen: np.ndarray) -> tuple[float, float]:
    import numpy as np

    rows = np.arange(len(chosen))
    top = runs.levels.top
    top_acc, top_tok = runs.correct[:, top].mean(), runs.tokens[:, top].mean()
    acc, tok = runs.correct[rows, chosen].mean(), runs.tokens[rows, chosen].mean()
    return (acc / top_acc if top_acc > 0 else 1.0), (1.0 - tok / top_tok if top_tok > 0 else 0.0)


def calibrate_price(
    success: np.ndarray, tokens: np.ndarray, runs: LevelRuns, target_accuracy: float
) -> float:
    """The price of a reasoning token for one model that saves the most and keeps the target.

    Replays :meth:`~budgetrouter.level_model.LevelModel.choose` at every price of
    :data:`budgetrouter.train.calibration.PRICES` on held-out predictions for the model's runs;
    keeps the price with the most tokens saved whose accuracy, against the model's top level,
    is at least ``target_accuracy`` both at that price and averaged over the :data:`SMOOTH`
    prices around it (price 0, always the top level, when none is). The smoothing keeps the
    choice from chasing noise: a model's accuracy on a few hundred prompts moves by points
    between samples.

    Parameters
    ----------
    success, tokens
        Predicted success and tokens at each level, each ``(n, n_levels)``.
    runs
        The model's runs the predictions are for.
    target_accuracy
        Share of the top level's accuracy to keep.
    """
    import numpy as np

    from budgetrouter.level_model import LevelModel
    from budgetrouter.train.calibration import PRICES

    prices = np.asarray(PRICES)
    curve = np.array([_kept_saved(runs, LevelModel.choose(success, tokens, p)) for p in prices])
    kept, saved = curve[:, 0], curve[:, 1]
    smooth = np.convolve(np.pad(kept, SMOOTH // 2, mode="edge"), np.ones(SMOOTH) / SMOOTH, "valid")
    ok = (np.minimum(kept, smooth) >= target_accuracy - 1e-12) | (prices == 0)
    return float(prices[ok][np.argmax(saved[ok])])


#: Prices a window of the accuracy-kept curve spans when it is smoothed (see
#: :func:`calibrate_price`).
SMOOTH = 5


@dataclass(frozen=True)
class LevelFit:
    """What :func:`fit_levels` returns.

    Attributes
    ----------
    model
        The level model fitted on every prompt, with per-model prices.
    heldout
        By model, the level each prompt got from a model and a price that never saw it.
    predictions
        By model, the held-out predicted success and tokens at each level.
    """

    model: Any
    heldout: dict[str, np.ndarray]
    predictions: dict[str, tuple[np.ndarray, np.ndarray]]


def fit_levels(
    runs: dict[str, LevelRuns],
    features: dict[str, np.ndarray],
    target_accuracy: float,
    params: dict[str, Any],
    n_folds: int = 5,
    upper_quantile: float = 0.9,
) -> LevelFit:
    """Fit the level model, calibrate a price per model, and route held-out prompts.

    Prompts are split into ``n_folds`` folds (by a hash of the prompt text, so a prompt is in
    one fold for every model). Each fold is predicted by a level model fitted on the others and
    routed at prices calibrated (:func:`calibrate_price`) on the other folds' held-out
    predictions. The final prices are calibrated on every prompt's held-out predictions, and the
    final model is fitted on all.

    Parameters
    ----------
    runs
        Each known model's runs (:func:`level_runs`).
    features
        By model, the prompt features of each row of its runs, shape ``(n, f)``.
    target_accuracy
        Share of each model's top-level accuracy to keep.
    params
        LightGBM settings.
    n_folds
        Number of prompt folds.
    upper_quantile
        The quantile of held-out spend the upper token forecasts cover
        (:func:`budgetrouter.spread.log_spread`, per model and level).
    """
    import hashlib

    import numpy as np

    from budgetrouter.level_model import LevelModel
    from budgetrouter.spread import log_spread

    models = {m: r.levels for m, r in runs.items()}
    fold = {
        m: np.array(
            [int(hashlib.sha1(p.encode()).hexdigest()[:8], 16) % n_folds for p in r.prompts]
        )
        for m, r in runs.items()
    }
    oof = {m: (np.zeros_like(r.correct), np.zeros_like(r.tokens)) for m, r in runs.items()}
    for k in range(n_folds):
        blocks = {
            m: (features[m][fold[m] != k], r.correct[fold[m] != k], r.tokens[fold[m] != k])
            for m, r in runs.items()
        }
        fitted = LevelModel(models, **params).fit(blocks)
        for m in runs:
            rows = fold[m] == k
            if rows.any():
                oof[m][0][rows], oof[m][1][rows] = fitted.predict(features[m][rows], m)
        logger.info("level model fold %d/%d done", k + 1, n_folds)
    heldout = {}
    for m, r in runs.items():
        chosen = np.zeros(len(r.prompts), dtype=int)
        for k in range(n_folds):
            rest, rows = np.flatnonzero(fold[m] != k), fold[m] == k
            price = calibrate_price(oof[m][0][rest], oof[m][1][rest], r.take(rest), target_accuracy)
            chosen[rows] = LevelModel.choose(oof[m][0][rows], oof[m][1][rows], price)
        heldout[m] = chosen
    prices = {m: calibrate_price(*oof[m], r, target_accuracy) for m, r in runs.items()}
    final = LevelModel(models, prices, **params).fit(
        {m: (features[m], r.correct, r.tokens) for m, r in runs.items()}
    )
    final.spread = {m: log_spread(r.tokens, oof[m][1], upper_quantile) for m, r in runs.items()}
    return LevelFit(final, heldout, oof)


def provider_rows(model: str, control: str) -> list[dict[str, Any]]:
    """The capability rows of the named providers that cover ``model``, as JSON.

    Rows that match every model (the generic vLLM, SGLang and OpenRouter rows) are left out; a
    row whose control differs from the one seen in training (``control``) is logged.
    """
    from dataclasses import asdict

    from budgetrouter.errors import ConfigError
    from budgetrouter.providers import PROVIDERS, capability

    rows: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        try:
            cap = capability(provider, model)
        except ConfigError:
            continue
        if not cap.family or any(r["provider"] == cap.provider for r in rows):
            continue
        seen = {"budget": "budget", "effort": "effort", "adaptive": "effort"}.get(cap.style)
        if seen != control and not (control == "on_off" and cap.can_disable):
            logger.warning(
                "model %s: run at %s levels in training, but %s's table steers it by %s",
                model,
                control,
                cap.provider,
                cap.style,
            )
        rows.append(asdict(cap))
    return rows


@dataclass(frozen=True)
class ModelLevelsFit:
    """What :func:`fit_model_levels` returns.

    Attributes
    ----------
    model
        The fitted level model with its calibrated prices.
    report
        The held-out level report (:func:`budgetrouter.train.level_report.level_report`).
    """

    model: LevelModel
    report: dict[str, Any]


def fit_model_levels(
    observations: pd.DataFrame,
    targets: PromptTargets,
    X_route: np.ndarray,
    agnostic_budgets: np.ndarray,
    config: TrainConfig,
) -> ModelLevelsFit | None:
    """Model-aware routing for every known model of ``observations``, and its held-out report.

    Parameters
    ----------
    observations
        The training observations.
    targets
        Their per-prompt targets (the rows of ``X_route`` and ``agnostic_budgets``).
    X_route
        Prompt features as routing builds them, one row per row of ``targets``.
    agnostic_budgets
        The model-agnostic router's held-out budget for each row of ``targets``.
    config
        Training options (``model_target_accuracy``, LightGBM settings, folds, tiers).

    Returns
    -------
    ModelLevelsFit or None
        ``None`` when no model was run at two or more levels.
    """
    from budgetrouter.train.calibration import budget_grid
    from budgetrouter.train.level_report import level_report
    from budgetrouter.train.levels import known_models, runs_by_prompt_row

    models = known_models(observations)
    if not models:
        return None
    logger.info(
        "model-aware routing for %d models run at two or more levels: %s",
        len(models),
        ", ".join(f"{m} ({lv.control})" for m, lv in models.items()),
    )
    runs, rows = runs_by_prompt_row(observations, targets, models)
    fit = fit_levels(
        runs,
        {m: X_route[rows[m]] for m in runs},
        config.model_target_accuracy,
        config.lgbm_settings(),
        config.n_outer_folds,
        config.upper_quantile,
    )
    fit.model.capabilities = {m: provider_rows(m, lv.control) for m, lv in models.items()}
    report = level_report(
        runs,
        fit.heldout,
        {m: agnostic_budgets[rows[m]] for m in runs},
        budget_grid(config),
        config.tiers,
    )
    return ModelLevelsFit(fit.model, report)

"""The router as an MLflow pyfunc model, logged as code (no pickled Python object).

MLflow executes this file when it loads the model (``mlflow.pyfunc.load_model`` or
``mlflow models serve``); the package never imports it. Input: a DataFrame with a column
``prompt`` and an optional column ``model`` (the model each prompt is routed for; empty:
model-agnostic), both in the logged signature; output: one row of decision fields per prompt.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
from mlflow.models import set_model
from mlflow.pyfunc import PythonModel

from budgetrouter import Decision, Router

OUTPUT_COLUMNS = [field.name for field in dataclasses.fields(Decision)]


class RouterModel(PythonModel):
    """Loads the bundle artifact (hash-checked) and routes the ``prompt`` column."""

    def load_context(self, context: Any) -> None:
        """Load the router from the ``bundle`` artifact."""
        self.router = Router.load(context.artifacts["bundle"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Route every prompt of ``model_input["prompt"]`` for its row's ``model`` (if any)."""
        if "prompt" not in model_input:
            raise ValueError(
                f"input needs a column 'prompt'; got columns {list(model_input.columns)}"
            )
        models = None
        if "model" in model_input:
            models = [m if isinstance(m, str) and m.strip() else None for m in model_input["model"]]
        prompts = model_input["prompt"].tolist()
        decisions: list[Decision] = self.router.route_batch(prompts, model=models)
        rows = [d.to_dict() for d in decisions]
        out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS).astype(object)
        return out.where(out.notna(), None)  # empty fields are null in JSON, never NaN


set_model(RouterModel())

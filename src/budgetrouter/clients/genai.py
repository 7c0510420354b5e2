"""The google-genai client: ``generate_content`` and ``generate_content_stream``, sync and aio.

Both methods are routed under ``client.models`` and ``client.aio.models``. The thinking
parameters go into the caller's ``config`` (a dict, or a ``types.GenerateContentConfig``, which
is copied, never changed). The model is routed by its last path segment
(``models/gemini-2.5-flash`` as ``gemini-2.5-flash``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from budgetrouter.clients.calls import routed
from budgetrouter.clients.core import Api, Planner
from budgetrouter.clients.kwargs import as_dict, field, first_max_tokens, merge
from budgetrouter.clients.proxy import Proxy, WrappedClient


def _prompt(kwargs: Mapping[str, Any]) -> str:
    """The text of the last user turn of ``contents``.

    ``contents`` is a string, a part, a ``Content`` (``role`` and ``parts``), or a list of
    them; strings and parts that follow one another form one user turn.
    """
    contents = kwargs.get("contents")
    items = contents if isinstance(contents, list | tuple) else [contents]
    turns: list[tuple[Any, list[str]]] = []
    loose: list[str] = []
    for item in items:
        parts = None if isinstance(item, str) else field(item, "parts")
        if isinstance(parts, list | tuple):
            if loose:
                turns.append(("user", loose))
                loose = []
            turns.append((field(item, "role") or "user", [_text(p) for p in parts]))
        else:
            loose.append(_text(item))
    if loose:
        turns.append(("user", loose))
    for role, texts in reversed(turns):
        text = "\n".join(t for t in texts if t)
        if role == "user" and text.strip():
            return text
    return ""


def _text(part: Any) -> str:
    text = part if isinstance(part, str) else field(part, "text")
    return text if isinstance(text, str) and not field(part, "thought") else ""


def _model(kwargs: Mapping[str, Any]) -> Any:
    model = kwargs.get("model")
    return model.rsplit("/", 1)[-1] if isinstance(model, str) else model


_LIMIT = ("max_output_tokens", "maxOutputTokens")


def _apply(kwargs: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``params["config"]`` into the caller's config (dict, object or none)."""
    rest = {k: v for k, v in params.items() if k != "config"}
    ours = dict(params.get("config") or {})
    out = merge(kwargs, rest)
    config = kwargs.get("config")
    if config is None:
        out["config"] = ours
    elif isinstance(config, Mapping):
        if _LIMIT[1] in config and _LIMIT[0] in ours:
            ours[_LIMIT[1]] = ours.pop(_LIMIT[0])
        out["config"] = merge(config, ours)
    else:  # a types.GenerateContentConfig
        from google.genai import types

        if isinstance(ours.get("thinking_config"), Mapping):
            ours["thinking_config"] = types.ThinkingConfig(**ours["thinking_config"])
        out["config"] = config.model_copy(update=ours)
    return out


class ContentObserver:
    """Keeps a ``generate_content_stream``'s last usage metadata and finish reason."""

    def __init__(self) -> None:
        self.meta: dict[str, Any] | None = None
        self.finish: Any = None

    def see(self, event: Any) -> None:
        """Take one ``GenerateContentResponse`` chunk into account."""
        meta = field(event, "usage_metadata")
        if meta is not None:
            self.meta = as_dict(meta)
        candidates = field(event, "candidates") or []
        if candidates:
            self.finish = field(candidates[0], "finish_reason") or self.finish

    def result(self) -> dict[str, Any] | None:
        """A response-shaped dict, or ``None`` when no chunk carried usage metadata."""
        if self.meta is None:
            return None
        reason = getattr(self.finish, "value", self.finish)
        candidates = [] if reason is None else [{"finish_reason": str(reason)}]
        return {"candidates": candidates, "usage_metadata": self.meta}


GENERATE_CONTENT = Api(
    name="google-genai generate_content",
    provider="gemini",
    prompt=_prompt,
    thinking=(("config", "thinking_config"), ("config", "thinkingConfig")),
    max_tokens=first_max_tokens(*(("config", k) for k in _LIMIT)),
    apply=_apply,
    model=_model,
    inputs=("contents",),
    observer=ContentObserver,
)


def _models(models: Any, planner: Planner) -> Proxy:
    return Proxy(
        models,
        {
            "generate_content": routed(planner, models.generate_content),
            "generate_content_stream": routed(
                planner, models.generate_content_stream, streaming=True
            ),
        },
    )


def wrap_genai(
    client: Any, planner: Callable[[Api], Planner], rewrap: Callable[[Any], Any]
) -> WrappedClient:
    """``client`` (a ``genai.Client`` or its ``.aio``) with its models' calls routed."""
    plans = planner(GENERATE_CONTENT)
    overrides: dict[str, Any] = {"models": _models(client.models, plans)}
    aio = None if type(client).__name__ == "AsyncClient" else getattr(client, "aio", None)
    if aio is not None:
        overrides["aio"] = Proxy(aio, {"models": _models(aio.models, plans)})
    return WrappedClient(client, overrides, rewrap)

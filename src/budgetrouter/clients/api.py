"""What a routed SDK method is: where it keeps what budgetrouter reads and writes, and a plan.

An :class:`Api` describes one SDK method (where the prompt, the model, the output limit and the
caller's own thinking parameters are in its keyword arguments); a :class:`Plan` is one request
as it goes out; an :class:`Observer` watches a stream for its usage.
:class:`~budgetrouter.clients.core.Planner` works from these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from budgetrouter.clients.decisions import remember

if TYPE_CHECKING:
    from budgetrouter.decision import Decision


class Observer(Protocol):
    """Watches a stream's events and assembles a response for the usage reader."""

    def see(self, event: Any) -> None:
        """Take one event (the SDK's own object) into account."""

    def result(self) -> Any:
        """A response-shaped dict (or the SDK's final response), or ``None`` without usage."""


@dataclass(frozen=True)
class Api:
    """Where one SDK method keeps what budgetrouter reads and writes.

    Attributes
    ----------
    name
        The method, for messages (``"openai chat.completions.create"``).
    provider
        The provider of :func:`~budgetrouter.providers.request_params` and of the usage
        reader (:func:`~budgetrouter.providers.reasoning_usage`).
    prompt
        The routed prompt from the call's keyword arguments ("" when there is none).
    thinking
        The paths (keys, outermost first) of the caller's own thinking parameters.
    max_tokens
        The caller's output-token limit, or ``None``.
    apply
        The keyword arguments with request parameters merged in.
    model
        The model name to route for and to look up capabilities of.
    inputs
        Arguments that may be one-shot iterators (read for the prompt, then sent).
    stream_usage
        The keyword arguments of a stream that will be logged (to make it report usage).
    observer
        A new watcher of one stream's events.
    """

    name: str
    provider: str
    prompt: Callable[[Mapping[str, Any]], str]
    thinking: tuple[tuple[str, ...], ...]
    max_tokens: Callable[[Mapping[str, Any]], Any]
    apply: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    model: Callable[[Mapping[str, Any]], Any] = lambda kwargs: kwargs.get("model")
    inputs: tuple[str, ...] = ()
    stream_usage: Callable[[dict[str, Any]], dict[str, Any]] = lambda kwargs: kwargs
    observer: Callable[[], Observer] | None = None


@dataclass(frozen=True)
class Plan:
    """One request as it goes out.

    Attributes
    ----------
    kwargs
        The keyword arguments to send.
    original
        The caller's own keyword arguments.
    decision
        The router's decision; ``None`` when the call fails open (nothing is logged).
    thinking_set_by
        ``"router"`` (the decision's parameters were applied) or ``"caller"`` (the caller set
        their own, or budgetrouter could not build parameters: nothing was changed).
    prompt, model
        What was routed.
    escalated_from
        The decision of the cut-off run this one retries (``None`` for a first run).
    row
        The outcome row's extra fields.
    """

    kwargs: dict[str, Any]
    original: dict[str, Any]
    decision: Decision | None = None
    thinking_set_by: str = "caller"
    prompt: str = ""
    model: str = ""
    escalated_from: Decision | None = None
    row: dict[str, Any] = field(default_factory=dict)

    def mark(self, obj: Any) -> None:
        """Map ``obj`` (a response or stream) to this plan's decision, if the router set thinking.

        :func:`~budgetrouter.clients.decisions.decision_of` reads the map.
        """
        if self.decision is not None and self.thinking_set_by == "router":
            remember(obj, self.decision)

"""Running a planned call: sync and async, single responses and streams.

A single response is read, logged and, when it was cut off while thinking, retried once one
tier up (:meth:`~budgetrouter.clients.core.Planner.escalation`). A stream is handed back as the
SDK's own object: its events are watched as the caller reads them, unchanged, and the outcome
is logged when the stream ends (read to its end; a stream left early logs nothing). Streams are
never escalated: the caller has already read the cut-off run.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from budgetrouter.clients.core import FAIL_OPEN, Observer, Plan, Planner
from budgetrouter.clients.shadow import ShadowCall, shadow_call, shadow_done
from budgetrouter.errors import ConfigError

logger = logging.getLogger(__name__)


def routed(
    planner: Planner, send: Callable[..., Any], *, streaming: bool = False
) -> Callable[..., Any]:
    """The wrapped SDK method: ``send`` (sync or async) run through ``planner``.

    Parameters
    ----------
    planner
        The planner of the method's API.
    send
        The SDK's own bound method.
    streaming
        The method always streams (``generate_content_stream``).

    Returns
    -------
    Callable
        A function with ``send``'s name and docstring; positional arguments (which the SDK
        methods refuse) go to ``send`` unrouted, so the SDK's own error is raised.
    """
    if inspect.iscoroutinefunction(inspect.unwrap(send)):  # the SDKs decorate theirs

        async def amethod(*args: Any, **kwargs: Any) -> Any:
            if args:
                return await send(*args, **kwargs)
            run = astream_call if streaming else acall
            return await run(planner, send, kwargs)

        return functools.wraps(send)(amethod)

    def method(*args: Any, **kwargs: Any) -> Any:
        if args:
            return send(*args, **kwargs)
        return (stream_call if streaming else call)(planner, send, kwargs)

    return functools.wraps(send)(method)


def call(planner: Planner, send: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Send one planned request with ``send`` (the SDK method) and return its response.

    A stream (``stream=True``) comes back watched (:func:`watch`); a single response is
    logged and escalated once when it was cut off while thinking.
    """
    stream = kwargs.get("stream") is True
    plan = planner.plan(kwargs, stream=stream)
    response = send(**plan.kwargs)
    if stream:
        return watch(planner, plan, response)
    shadow = shadow_call(planner, plan)
    usage = planner.finish(plan, response, write=shadow is None)
    retry = planner.escalation(plan, usage)
    if shadow is not None and _unshadowed(planner, plan, shadow, response, usage, retry):
        assert usage is not None  # _unshadowed says so
        work = functools.partial(_shadow, planner, send, plan, shadow, response, usage)
        gone = SystemExit("the process exited before the shadow answered")
        unfinished = functools.partial(
            shadow_done, planner, plan, shadow, response, usage, None, gone
        )
        planner.shadow.submit(work, unfinished)  # type: ignore[union-attr]
    if retry is None:
        return response
    try:
        second = send(**retry.kwargs)
    except Exception as err:  # the retry's failure must not lose the first response
        planner.fail(f"{planner.api.name}: the escalated retry failed, first response kept", err)
        return response
    planner.finish(retry, second)
    return second


async def acall(
    planner: Planner, send: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]
) -> Any:
    """:func:`call` for an async SDK method (routing runs in a worker thread)."""
    stream = kwargs.get("stream") is True
    plan = await asyncio.to_thread(planner.plan, kwargs, stream=stream)
    response = await send(**plan.kwargs)
    if stream:
        return watch(planner, plan, response)
    shadow = shadow_call(planner, plan)
    usage = planner.finish(plan, response, write=shadow is None)
    retry = planner.escalation(plan, usage)
    if shadow is not None and _unshadowed(planner, plan, shadow, response, usage, retry):
        task = asyncio.get_running_loop().create_task(
            _ashadow(planner, send, plan, shadow, response, usage)
        )
        planner.shadow.keep(task)  # type: ignore[union-attr]
    if retry is None:
        return response
    try:
        second = await send(**retry.kwargs)
    except Exception as err:  # the retry's failure must not lose the first response
        planner.fail(f"{planner.api.name}: the escalated retry failed, first response kept", err)
        return response
    planner.finish(retry, second)
    return second


def _unshadowed(
    planner: Planner, plan: Plan, shadow: ShadowCall, response: Any, usage: Any, retry: Any
) -> bool:
    """Whether the shadow is still to be sent.

    Not when the usage was unreadable (no row), nor when the run is retried one level up (its
    row is written now, unlabelled; the reservation is released).
    """
    if usage is not None and retry is None:
        return True
    assert planner.shadow is not None
    planner.shadow.spend.settle(shadow.entry, 0)
    if usage is not None:
        planner.record(plan, response, usage)
    return False


def _shadow(
    planner: Planner, send: Callable[..., Any], plan: Plan, shadow: ShadowCall, response: Any,
    usage: Any,
) -> None:  # fmt: skip
    """Send the shadow request (on a shadow thread) and write the labelled row."""
    top, error = None, None
    try:
        top = send(**shadow.kwargs)
    except Exception as err:  # the shadow's own failure never reaches the caller
        error = err
    try:
        shadow_done(planner, plan, shadow, response, usage, top, error)
    except Exception as err:  # a log that cannot be written, with strict=True
        logger.warning("%s: the shadow's row could not be written: %s", planner.api.name, err)


async def _ashadow(
    planner: Planner, send: Callable[..., Awaitable[Any]], plan: Plan, shadow: ShadowCall,
    response: Any, usage: Any,
) -> None:  # fmt: skip
    """:func:`_shadow` as an asyncio task; a task cancelled with its loop still writes the row."""
    assert planner.shadow is not None
    top, error = None, None
    try:
        top = await asyncio.wait_for(send(**shadow.kwargs), planner.shadow.timeout_s)
    except (Exception, asyncio.CancelledError) as err:
        error = err
    try:
        shadow_done(planner, plan, shadow, response, usage, top, error)
    except Exception as err:
        logger.warning("%s: the shadow's row could not be written: %s", planner.api.name, err)
    if isinstance(error, asyncio.CancelledError):
        raise error


def stream_call(planner: Planner, send: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Send a request of a streaming method (``generate_content_stream``) and watch it."""
    plan = planner.plan(kwargs, stream=True)
    return watch(planner, plan, send(**plan.kwargs))


async def astream_call(
    planner: Planner, send: Callable[..., Awaitable[Any]], kwargs: dict[str, Any]
) -> Any:
    """:func:`stream_call` for an async streaming method."""
    plan = await asyncio.to_thread(planner.plan, kwargs, stream=True)
    return watch(planner, plan, await send(**plan.kwargs))


def watch(planner: Planner, plan: Plan, stream: Any) -> Any:
    """Have ``planner`` log ``stream`` when it ends; return what the caller iterates.

    An SDK stream object (the openai and anthropic ``Stream`` / ``AsyncStream``) is returned
    itself, its iterator watched; a plain iterator (google-genai's) is returned as a watching
    generator over it. A stream of another shape is returned as it is, not logged.

    Raises
    ------
    ConfigError
        With ``strict=True``, for a stream of a shape that cannot be watched.
    """
    if plan.decision is None:
        return stream
    plan.mark(stream)
    if planner.log is None or planner.api.observer is None:
        return stream
    tap = _Tap(planner, plan, planner.api.observer())
    inner: Any = getattr(stream, "_iterator", None)
    if hasattr(inner, "__anext__"):
        stream._iterator = tap.awatched(inner)
        return stream
    if hasattr(inner, "__next__"):
        stream._iterator = tap.watched(inner)
        return stream
    if hasattr(stream, "__anext__"):
        stream = tap.awatched(stream)
        plan.mark(stream)
        return stream
    if hasattr(stream, "__next__"):
        stream = tap.watched(stream)
        plan.mark(stream)
        return stream
    planner.fail(
        f"{planner.api.name}: stream not logged",
        ConfigError(f"a stream of type {type(stream).__name__} cannot be watched"),
    )
    return stream


class _Tap:
    """Passes a stream's events through to the caller, watching them, and logs at the end."""

    def __init__(self, planner: Planner, plan: Plan, observer: Observer) -> None:
        # No reference to the stream: it holds the watching generator, and a cycle would leave
        # a dropped stream's connection open until the garbage collector runs.
        self.planner, self.plan, self.observer = planner, plan, observer
        self.broken: Exception | None = None

    def see(self, event: Any) -> None:
        if self.broken is None:
            try:
                self.observer.see(event)
            except FAIL_OPEN as err:  # an event of a shape the observer cannot read
                self.broken = err

    def end(self) -> None:
        planner, name = self.planner, self.planner.api.name
        if self.broken is not None:
            planner.fail(f"{name}: stream not logged", self.broken)
            return
        result = self.observer.result()
        if result is None:
            why = "the stream ended without usage (or without a finish reason)"
            planner.fail(f"{name}: stream not logged", ConfigError(why))
            return
        planner.finish(self.plan, None, result=result)

    def watched(self, inner: Iterator[Any]) -> Iterator[Any]:
        try:
            for event in inner:
                self.see(event)
                yield event
        finally:
            close = getattr(inner, "close", None)
            if close is not None:
                close()
        self.end()

    async def awatched(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for event in inner:
                self.see(event)
                yield event
        finally:
            close = getattr(inner, "aclose", None)
            if close is not None:
                await close()
        self.end()

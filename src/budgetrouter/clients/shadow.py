"""Shadow comparison: labels without a grader, off the caller's path.

For a sampled routed call (``wrap(..., shadow=share)``), the same request is sent again at the
model's top level in a background thread (an asyncio task for async clients) once the caller's
response is back; the caller's call is neither delayed nor failed by it. A call sent at the top
level gets a second, independent run at the top level: every level is then labelled the same
way, by agreement with a fresh top-level answer. Shadow requests carry the header
``X-Budgetrouter-Shadow`` (OpenAI and Anthropic clients): ``top`` for a shadow of a call sent
lower, ``repeat`` for the second top-level run of a call sent at the top. The call's outcome row
is written when the shadow answer is in, with ``correct`` = whether the two answers agree
(:mod:`budgetrouter.agreement`) and ``correct_source = "agreement"``; a shadow that fails or
times out leaves the row as it would have been without one (noted in ``shadow_error``).

Spend is capped: each shadow reserves the output-token limit its request is sent with (the
caller's, else ``max_call_tokens``, raised where the top level needs more room, as its
parameters say) against ``tokens_per_hour`` over the trailing hour before it is sent, and
settles to the tokens it used; a call that would pass the cap gets no shadow.
"""

from __future__ import annotations

import atexit
import collections
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from budgetrouter._checks import is_int
from budgetrouter.agreement import Comparator, answer_text, comparator
from budgetrouter.clients.explore import candidate_decisions, check_share, level_key, sent_limit
from budgetrouter.clients.failures import FAIL_OPEN
from budgetrouter.errors import ConfigError
from budgetrouter.providers import reasoning_usage, request_params

if TYPE_CHECKING:
    from budgetrouter.clients.api import Plan
    from budgetrouter.clients.core import Planner
    from budgetrouter.providers import Usage

logger = logging.getLogger(__name__)

HOUR = 3600.0
#: Seconds shadows still running at interpreter exit get before their rows are written unlabelled.
EXIT_GRACE_S = 5.0
#: The request header that marks a shadow request (for proxies, dashboards and bills):
#: ``top``, or ``repeat`` for the second run of a call sent at the top level.
SHADOW_HEADER = "X-Budgetrouter-Shadow"


class Spend:
    """Output tokens spent over the trailing hour, with reservations; thread-safe."""

    def __init__(self, cap: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.cap = cap
        self._clock = clock
        self._entries: collections.deque[list[float]] = collections.deque()
        self._lock = threading.Lock()

    def spent(self) -> float:
        """Tokens reserved or spent within the trailing hour."""
        with self._lock:
            self._expire()
            return sum(tokens for _, tokens in self._entries)

    def _expire(self) -> None:
        now = self._clock()
        while self._entries and self._entries[0][0] <= now - HOUR:
            self._entries.popleft()

    def reserve(self, tokens: int) -> list[float] | None:
        """Hold ``tokens`` if they fit under the cap; the entry to settle, or ``None``."""
        with self._lock:
            self._expire()
            if sum(t for _, t in self._entries) + tokens > self.cap:
                return None
            entry = [self._clock(), float(tokens)]
            self._entries.append(entry)
            return entry

    def settle(self, entry: list[float], tokens: float | None) -> None:
        """Replace a reservation by what was used (``None``: keep the reservation)."""
        if tokens is not None:
            with self._lock:
                entry[1] = float(tokens)


@dataclass(frozen=True)
class ShadowCall:
    """A shadow request ready to send, and what its row needs."""

    kwargs: dict[str, Any]
    level: dict[str, Any]
    entry: list[float]


class Shadow:
    """Which calls get a shadow at the top level, within the spend cap, and how they compare.

    Parameters
    ----------
    share
        The share of routed calls that get a shadow, in [0, 1].
    tokens_per_hour
        The most output tokens shadow calls may spend over any trailing hour.
    compare
        A comparator name of :data:`budgetrouter.agreement.COMPARATORS`, or a function
        ``(routed_answer, top_answer) -> bool``.
    max_call_tokens
        The output limit a shadow request is sent with when the caller gave none.
    timeout_s
        Seconds a shadow may take (its row is written without a label after that).
    seed
        Seed of the sampling (``None``: from the operating system).
    """

    def __init__(
        self,
        share: float,
        tokens_per_hour: int = 1_000_000,
        compare: str | Comparator = "normalized",
        *,
        max_call_tokens: int = 32_000,
        timeout_s: float = 600.0,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.share = check_share("shadow", share)
        for name, value in (("shadow_tokens_per_hour", tokens_per_hour),
                            ("max_call_tokens", max_call_tokens)):  # fmt: skip
            if not is_int(value) or value < 1:
                raise ConfigError(f"{name} must be a positive whole number, got {value!r}")
        if not isinstance(timeout_s, int | float) or not timeout_s > 0:
            raise ConfigError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
        self.compare = comparator(compare)
        self.spend = Spend(int(tokens_per_hour), clock)
        self.max_call_tokens = int(max_call_tokens)
        self.timeout_s = float(timeout_s)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._tasks: set[Any] = set()
        self._pending: dict[int, list[Any]] = {}
        self._slots = threading.BoundedSemaphore(4)
        self._exit_hook = False

    def sampled(self) -> bool:
        """Draw whether the next routed call gets a shadow."""
        with self._lock:
            return self._rng.random() < self.share

    def submit(self, work: Callable[[], None], unfinished: Callable[[], None]) -> None:
        """Run ``work`` on a shadow thread (never on the caller's; at most 4 at once).

        Shadow threads never hold the process open: at exit, shadows still running get
        :data:`EXIT_GRACE_S` seconds, then ``unfinished`` runs for each (it writes the call's
        row without a label).
        """
        entry = [work, unfinished, False]  # work, fallback, done

        def run() -> None:
            with self._slots:
                try:
                    work()
                finally:
                    with self._lock:
                        entry[2] = True
                        self._pending.pop(id(entry), None)

        with self._lock:
            self._pending[id(entry)] = entry
            if not self._exit_hook:
                atexit.register(self._at_exit)
                self._exit_hook = True
        threading.Thread(target=run, name="budgetrouter-shadow", daemon=True).start()

    def _at_exit(self) -> None:
        deadline = time.monotonic() + EXIT_GRACE_S
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return
            time.sleep(0.05)
        with self._lock:
            left = [e for e in self._pending.values() if not e[2]]
            for e in left:
                e[2] = True
            self._pending.clear()
        for e in left:
            try:
                e[1]()
            except Exception as err:  # exiting: say so, never raise
                logger.warning("a shadowed call's row could not be written at exit: %s", err)

    def keep(self, task: Any) -> None:
        """Hold a reference to an asyncio shadow task until it is done."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def agree(self, routed: str, top: str) -> bool:
        """Whether the routed answer agrees with the top level's (the comparator's verdict)."""
        return bool(self.compare(routed, top))


def output_tokens(response: Any) -> int | None:
    """Output tokens a response used (thinking included), from its usage; ``None`` if unknown."""
    from budgetrouter.providers.usage import get_path, plain

    try:
        r = plain(response)
    except ConfigError:
        return None
    for path in (("usage", "completion_tokens"), ("usage", "output_tokens")):
        value = get_path(r, *path)
        if is_int(value):
            return int(value)
    meta = r.get("usage_metadata") or r.get("usageMetadata") or {}
    parts = [meta.get(k) for k in ("candidates_token_count", "candidatesTokenCount",
                                   "thoughts_token_count", "thoughtsTokenCount")]  # fmt: skip
    counted = [int(p) for p in parts if p is not None and is_int(p)]
    return sum(counted) if counted else None


def shadow_call(planner: Planner, plan: Plan) -> ShadowCall | None:
    """The top-level shadow of a routed call, when it is sampled and fits the spend cap.

    ``None`` for a call without a decision or whose thinking the caller set, one not sampled,
    or one the spend cap leaves no room for.
    """
    shadow, decision = planner.shadow, plan.decision
    if shadow is None or planner.log is None or decision is None:
        return None
    if plan.thinking_set_by != "router" or not shadow.sampled():
        return None
    limit = planner.api.max_tokens(plan.original)
    limit = limit if is_int(limit) and limit > 0 else shadow.max_call_tokens
    try:
        top = candidate_decisions(planner.router, decision, plan.model)[-1]
        params = request_params(
            top, planner.api.provider, plan.model, max_tokens=limit, call=plan.original
        )
    except FAIL_OPEN as err:
        logger.debug("%s: no shadow: %s", planner.api.name, err)
        return None
    entry = shadow.spend.reserve(sent_limit(params) or int(limit))  # what the request may use
    if entry is None:
        logger.debug("%s: no shadow: the hourly spend cap is reached", planner.api.name)
        return None
    kwargs = planner.api.apply(plan.original, params)
    if planner.api.provider != "gemini":  # the openai and anthropic SDKs take these
        kwargs["timeout"] = shadow.timeout_s
        headers = dict(plan.original.get("extra_headers") or {})
        repeat = level_key(params) == (plan.row.get("budget"), plan.row.get("effort"))
        kwargs["extra_headers"] = {**headers, SHADOW_HEADER: "repeat" if repeat else "top"}
    return ShadowCall(kwargs, dict(params.level), entry)


def shadow_done(
    planner: Planner, plan: Plan, call: ShadowCall, response: Any, usage: Usage, top: Any,
    error: Any,
) -> None:  # fmt: skip
    """Settle the shadow's spend and write the call's row, labelled when the shadow answered."""
    assert planner.shadow is not None
    agrees = None
    if error is None:
        try:
            agrees = planner.shadow.agree(answer_text(response), answer_text(top))
        except Exception as err:  # the caller's comparator: its failure is the shadow's
            error = err
    planner.shadow.spend.settle(call.entry, None if top is None else output_tokens(top))
    extra = {**plan.row, "shadow_budget": call.level.get("budget"),
             "shadow_effort": call.level.get("effort")}  # fmt: skip
    if top is not None:
        try:
            count = planner.log.count_tokens if planner.log is not None else None
            shadow_usage = reasoning_usage(top, count, provider=planner.api.provider)
            extra["shadow_reasoning_tokens"] = shadow_usage.reasoning_tokens
        except FAIL_OPEN:
            pass  # the label stands without the shadow's count
    if error is not None:
        extra["shadow_error"] = f"{type(error).__name__}: {error}"[:300]
        logger.debug("%s: shadow failed: %s", planner.api.name, extra["shadow_error"])
    planner.record(plan, response, usage, extra, None if agrees is None else float(agrees))

"""The one way a test waits for something: re-check a condition until a deadline, then fail
naming what was awaited. A fixed sleep is a race on a busy machine; this is not, and it costs
only as long as the condition takes. `wake` replaces polling where something signals a change.

`wait_until` blocks (threads, subprocesses, daemons); `wait_until_async` is the same for
anyio code, and so also runs on trio's MockClock, where its deadline is virtual time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

T = TypeVar("T")

POLL = 0.02
"""Seconds between two checks of a condition that nothing signals (another process, a file)."""


def _timed_out(timeout: float, what: str, detail: Callable[[], str] | None) -> AssertionError:
    extra = f"\n{detail()}" if detail is not None else ""
    return AssertionError(f"timed out after {timeout:g} s waiting for {what}{extra}")


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    what: str,
    *,
    wake: Callable[[float], object] | None = None,
    interval: float = POLL,
    detail: Callable[[], str] | None = None,
) -> T:
    """Block until `predicate()` is truthy and return its value; fail after `timeout` seconds.

    `wake(seconds_left)` blocks until something may have changed (e.g. `Condition.wait`, with
    its lock held by the caller); without it the predicate is polled every `interval` seconds.
    `detail()` adds what the failure message should show (a log, a screen).
    """
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        left = deadline - time.monotonic()
        if left <= 0:
            raise _timed_out(timeout, what, detail)
        if wake is None:
            time.sleep(min(interval, left))  # polling: nothing signals this condition
        else:
            wake(left)
    return value


def wait_for_count(
    condition: threading.Condition, items: list[T], count: int, timeout: float, what: str
) -> list[T]:
    """Block until `items` (appended to under `condition`, which is then notified) holds
    `count`, and return a copy of them all: how a fake server's test waits for its requests."""
    with condition:
        wait_until(
            lambda: len(items) >= count,
            timeout,
            f"{count} {what}",
            wake=condition.wait,
            detail=lambda: f"{len(items)} arrived",
        )
        return list(items)


async def wait_until_async(
    predicate: Callable[[], T],
    timeout: float,  # noqa: ASYNC109 - the same signature as wait_until; fail_after is inside
    what: str,
    *,
    wake: Callable[[], Awaitable[object]] | None = None,
    interval: float = POLL,
    detail: Callable[[], str] | None = None,
) -> T:
    """`wait_until` for anyio code: `await wake()` returns when something may have changed
    (an `anyio.Event`'s wait, a Pilot pause); without it the predicate is polled."""
    try:
        with anyio.fail_after(timeout):
            while not (value := predicate()):
                if wake is None:
                    await anyio.sleep(interval)  # polling: nothing signals this condition
                else:
                    await wake()
    except TimeoutError:
        raise _timed_out(timeout, what, detail) from None
    return value

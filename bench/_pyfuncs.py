"""Functions the python-pool benchmark calls by import path (`_pyfuncs:noop`)."""

from __future__ import annotations


def noop(*_: object) -> None:
    """Takes and ignores arguments so that `client.map` can map it over a range."""
    return None


def busy(milliseconds: float) -> int:
    """CPU-bound for `milliseconds` of this thread's CPU time (the Dask bench's task): a loop,
    no sleep; CPU time, not wall time, so more processes than cores do not finish it sooner."""
    import time

    end = time.thread_time() + milliseconds / 1000
    n = 0
    while time.thread_time() < end:
        n += 1
    return n

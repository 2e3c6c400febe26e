"""Functions the python-pool benchmark calls by import path (`_pyfuncs:noop`)."""

from __future__ import annotations


def noop(*_: object) -> None:
    """Takes and ignores arguments so that `client.map` can map it over a range."""
    return None


def busy(milliseconds: float) -> int:
    """CPU-bound for about `milliseconds` (the Dask bench's task): a loop, no sleep."""
    import time

    end = time.perf_counter() + milliseconds / 1000
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n

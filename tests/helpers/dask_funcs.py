"""Functions `python.call` tasks run on Dask workers in the tests (imported there by path).

Markers in files let a test tell attempts apart across processes: the first attempt of a task
behaves one way, the next another, whichever worker runs it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any


def add(a: int, b: int, *, times: int = 1) -> dict[str, Any]:
    return {"sum": (a + b) * times, "pid_is_int": isinstance(os.getpid(), int)}


def pid() -> int:
    return os.getpid()


def boom(text: str) -> None:
    raise ValueError(text)


def not_json() -> object:
    return {1, 2}


def die_first(marker: str) -> str:
    """Kill the worker process on the first call (SIGKILL, as the OOM killer would)."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return "survived"


def fail_until(marker: str, failures: int) -> int:
    """Raise on the first `failures` calls, then return the number of the call."""
    path = Path(marker)
    calls = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(calls))
    if calls <= failures:
        raise RuntimeError(f"call {calls} fails")
    return calls


def count_and_sleep(log: str, seconds: float) -> float:
    """Append a line per call (the test counts runs), then sleep."""
    with open(log, "a") as out:
        out.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return seconds

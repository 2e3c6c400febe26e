"""Functions that engine tests call through `python.call` (by import path `helpers.engine_funcs`).

Sync functions run in worker threads, so the shared records are guarded by a lock. Each test
uses its own key, so tests never see each other's counts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Record:
    calls: int = 0
    running: int = 0
    max_running: int = 0


RECORDS: dict[str, Record] = {}
_LOCK = threading.Lock()


def tracked(key: str, i: int) -> int:
    """Count calls and how many run at once; return 2 * i."""
    with _LOCK:
        record = RECORDS.setdefault(key, Record())
        record.calls += 1
        record.running += 1
        record.max_running = max(record.max_running, record.running)
    try:
        time.sleep(0.01)
    finally:
        with _LOCK:
            record.running -= 1
    return 2 * i


def add_all(values: list[int]) -> int:
    return sum(values)


def boom() -> None:
    raise RuntimeError("a bug in user code")


def not_json() -> object:
    return object()

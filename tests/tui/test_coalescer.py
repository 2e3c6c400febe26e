"""Events batched between screen updates: one update per batch, spaced, nothing lost."""

from __future__ import annotations

import pytest
from harmonia_tui.coalescer import Coalescer
from helpers.tui_events import ev


def test_the_coalescer_asks_for_one_update_per_batch_and_loses_nothing() -> None:
    coalescer = Coalescer(interval=0.05)
    schedules = sum(coalescer.push(ev(i, "task_started", "a")) for i in range(1, 1001))
    assert schedules == 1 and coalescer.pending == 1000
    batch = coalescer.take()
    assert [e.seq for e in batch] == list(range(1, 1001))
    assert coalescer.push(ev(1001, "task_started", "a"))  # a new batch needs a new update
    assert (coalescer.batches, coalescer.events) == (1, 1000)


def test_the_coalescer_spaces_updates_by_its_interval() -> None:
    coalescer = Coalescer(interval=0.05)
    assert coalescer.delay(100.0) == 0.0  # nothing drawn yet: at once
    coalescer.push(ev(1, "task_started", "a"))
    coalescer.take(100.0)
    assert coalescer.delay(100.01) == pytest.approx(0.04)  # the rest of the interval
    assert coalescer.delay(100.2) == 0.0  # a slow update: the next one comes at once

"""Periodic checkpoints: written while an execution runs, only after news, never after its end.

The execution waits at gates the test opens, so the test waits for what it checks rather than
for time to pass; a quiet period of many intervals runs on virtual time (helpers/virtual_time).
"""

from __future__ import annotations

import itertools

import anyio
import pytest
from helpers.engine_probe import Probe, ProbeBench, wait_for
from helpers.workflows import after

from harmonia.events import EventType
from harmonia.store import Store

pytestmark = pytest.mark.anyio


async def test_periodic_checkpoints_are_written_during_a_long_execution(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "one": {"input": {"gate": "one"}},
            "two": after("one", input={"gate": "two"}),
        },
        name="slow",
    )
    async with bench.engine(checkpoint_interval=0.02) as engine:
        started = await engine.start(wf)
        store = engine.store

        def created() -> int:
            events = store.read_events(started.id)
            return sum(e.type == EventType.CHECKPOINT_CREATED for e in events)

        await wait_for(lambda: created() == 1)  # news since the start: `one` started
        probe.open("one")
        await probe.started("two")
        await wait_for(lambda: created() == 2)  # news again: `one` completed, `two` started
        probe.open("two")
        live = await engine.wait(started.id)
    assert live.status == "completed"
    checkpoints = Store(bench.data_dir).list_checkpoints(started.id)
    assert checkpoints, "no periodic checkpoint was written"
    assert all(c["kind"] == "periodic" for c in checkpoints)
    assert len(checkpoints) == 1  # a newer periodic checkpoint replaces the older one
    record = Store(bench.data_dir).load_checkpoint(checkpoints[0]["id"])
    assert 0 < record["seq"] <= live.last_seq
    assert Store(bench.data_dir).load_execution(started.id).to_public() == live.to_public()
    assert Store(bench.data_dir).read_events(started.id)[-1].type == EventType.WORKFLOW_COMPLETED


@pytest.mark.virtual_time
async def test_periodic_checkpoints_skip_an_execution_where_nothing_happened(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    """The checkpoint's own event is not news: an idle execution is not snapshotted again and
    again (each one would add an event to its journal)."""
    wf = bench.workflow({"idle": {"input": {"gate": "idle"}}})
    async with bench.engine(checkpoint_interval=1) as engine:
        started = await engine.start(wf)
        # a deadline far beyond the 1 s ticks the clock may jump through while threads write
        await probe.until(lambda: probe.counts.get("idle", 0) >= 1, 3600, "idle to start")
        # 30 quiet intervals, on virtual time (a probe's gate gives up after 60 s)
        await anyio.sleep(30)
        probe.open("idle")
        state = await engine.wait(started.id)
    events = Store(bench.data_dir).read_events(state.id)
    checkpoints = [e for e in events if e.type == EventType.CHECKPOINT_CREATED]
    # Each checkpoint follows news: one after the start, perhaps one after `idle` completed
    # (if the timer fires before the run records its end), never one after another.
    types = [e.type for e in events]
    assert len(checkpoints) <= 2, types
    in_a_row = [a for a, b in itertools.pairwise(types) if a == b == EventType.CHECKPOINT_CREATED]
    assert not in_a_row, types
    assert events[-1].type == EventType.WORKFLOW_COMPLETED  # no checkpoint after the end

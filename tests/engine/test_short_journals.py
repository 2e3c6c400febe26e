"""A run whose journal is short ends without a final snapshot (`SNAPSHOT_MIN_EVENTS`): its state
is its first snapshot (or a checkpoint's) plus the journal, whatever reads it and whenever the
process dies (a kill -9 at its end: test_commit_crash); a longer one still gets its final
snapshot, so that its replay stays short."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from helpers.engine_probe import Probe, ProbeBench, run_to_end

from harmonia.engine.persistence import SNAPSHOT_MIN_EVENTS
from harmonia.store import Store

pytestmark = pytest.mark.anyio


def snapshot_meta(store: Store, execution_id: str) -> dict[str, Any]:
    """The execution row of the snapshot on disk (no journal folded in)."""
    tables = orjson.loads(store.state_path(execution_id).read_bytes())
    row: dict[str, Any] = tables["execution"]["1"]
    return row


async def test_a_short_run_keeps_its_first_snapshot_and_loads_whole_from_its_journal(
    bench: ProbeBench,
) -> None:
    """(test_recovery checks the same of a run with every kind of task end.)"""
    retried = {"max_retries": 1, "initial_delay": 0.01, "jitter": 0}
    wf = bench.workflow({"a": {}, "b": {"input": {"fail_times": 1}, "retry_policy": retried}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        first = bench.store().state_path(started.id).read_bytes()
        live = await engine.wait(started.id)
    assert live.status == "completed" and 0 < live.last_seq <= SNAPSHOT_MIN_EVENTS
    store = bench.store()
    assert store.state_path(live.id).read_bytes() == first  # never rewritten
    assert snapshot_meta(store, live.id)["last_seq"] == 0
    loaded = store.load_execution(live.id)
    assert loaded.to_public() == live.to_public() and loaded.last_seq == live.last_seq
    assert loaded.tasks["b"].to_record() == live.tasks["b"].to_record()
    assert store.get_summary(live.id)["status"] == "completed"
    store.close()


async def test_a_run_past_the_threshold_still_ends_with_its_final_snapshot(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}, "c": {"depends_on": ["b"]}})
    async with bench.engine() as engine:
        engine.records.snapshot_min_events = 3
        live = await run_to_end(engine, wf)
    assert live.status == "completed" and live.last_seq > 3
    store = bench.store()
    meta = snapshot_meta(store, live.id)
    assert (meta["status"], meta["last_seq"]) == ("completed", live.last_seq)
    assert store.load_execution(live.id).to_public() == live.to_public()
    store.close()


async def test_a_short_run_checkpointed_midway_ends_on_the_checkpoints_snapshot(
    bench: ProbeBench, probe: Probe
) -> None:
    """The checkpoint's snapshot stays the one on disk (with its checkpoint), the journal after
    it makes the end, and a restore from it starts where it was."""
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"], "input": {"gate": "g"}}})
    async with bench.engine() as engine:
        state = await engine.start(wf)
        await probe.started("b")
        record = await engine.checkpoint(state.id, "midway")
        probe.open("g")
        live = await engine.wait(state.id)
        store = bench.store()
        meta = snapshot_meta(store, live.id)
        assert (meta["status"], meta["last_seq"]) == ("running", record["seq"])
        assert store.load_execution(live.id).to_public() == live.to_public()
        restored = await engine.wait((await engine.restore(record["id"])).id)
    assert live.status == restored.status == "completed"
    assert restored.tasks["a"].attempts == 1 and probe.counts["a"] == 1  # kept, not run again
    store.close()


async def test_retry_of_a_short_run_loaded_from_its_first_snapshot_reruns_that_task_only(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}})
    first = await bench.run(wf)
    async with bench.engine() as engine:  # a new process: nothing of the run in memory
        assert await engine.retry_task(first.id, "b") == ["b"]
        again = await engine.wait(first.id)
    assert again.status == "completed" and probe.counts == {"a": 1, "b": 2}
    store = bench.store()
    assert snapshot_meta(store, first.id)["last_seq"] == 0  # still the first snapshot
    assert store.load_execution(first.id).to_public() == again.to_public()
    store.close()

"""Durability and recovery: what is on disk equals what ran, and an interrupted execution goes on
where it stopped (completed tasks never run again, interrupted ones run again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.engine_probe import Probe, ProbeBench, engine_options, journal_path, run_to_end
from helpers.killed import Journaled, write_killed_execution
from helpers.waiting import wait_until_async
from helpers.workflows import task

from harmonia.engine import open_engine
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState, apply
from harmonia.store import Store

pytestmark = pytest.mark.anyio


def full_replay(store: Store, execution_id: str) -> ExecutionState:
    """The state rebuilt from nothing but the journal and the execution's definition."""
    meta = store.get_summary(execution_id)
    loaded = store.load_execution(execution_id)
    state = ExecutionState.new(
        execution_id,
        loaded.workflow,
        loaded.input,
        meta["created_at"],
        restored_from=loaded.restored_from,
    )
    for event in store.read_events(execution_id):
        apply(state, event)
    return state


def records(state: ExecutionState) -> dict[str, Any]:
    return {tid: t.to_record() for tid, t in state.tasks.items()}


# ---- what is on disk ------------------------------------------------------------------------


async def test_stored_execution_equals_the_live_state_and_journal_is_contiguous(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 1}},
            "flaky": {
                "depends_on": ["a"],
                "input": {"fail_times": 1},
                "retry_policy": {"max_retries": 2, "initial_delay": 0.01, "jitter": 0},
            },
            "skipped": {"depends_on": ["a"], "when": "tasks.a.output.value > 5"},
            "bad": {"input": {"fail_times": 9, "kind": "invalid_input"}},
            "end": {"depends_on": ["flaky"]},
        },
    )
    async with bench.engine() as engine:
        live = await run_to_end(engine, wf)
    assert live.status == "failed"
    store = Store(bench.data_dir)
    loaded = store.load_execution(live.id)
    assert loaded.to_public() == live.to_public()
    assert records(loaded) == records(live)
    assert loaded.last_seq == live.last_seq

    events = store.read_events(live.id)
    assert [e.seq for e in events] == list(range(1, live.last_seq + 1))
    assert {e.execution_id for e in events} == {live.id}
    raw_lines = journal_path(bench.data_dir, live.id).read_bytes().splitlines()
    assert len(raw_lines) == len(events)
    assert [orjson.loads(line)["seq"] for line in raw_lines] == [e.seq for e in events]

    summary = store.get_summary(live.id)
    assert summary["status"] == "failed"
    assert summary["last_seq"] == live.last_seq
    assert summary["task_count"] == 5
    assert summary["failed_count"] == 1
    assert summary["done_count"] == 4


async def test_snapshot_plus_replay_equals_full_replay(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 1}},
            "b": {"depends_on": ["a"], "input": {"gate": "b"}},
            "flaky": {
                "depends_on": ["b"],
                "input": {"fail_times": 1},
                "retry_policy": {"max_retries": 1, "initial_delay": 0.01, "jitter": 0},
            },
            "skipped": {"depends_on": ["b"], "when": False},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("b")
        checkpoint = await engine.checkpoint(started.id, name="middle")
        probe.open("b")
        live = await engine.wait(started.id)
    store = Store(bench.data_dir)
    whole = full_replay(store, live.id)
    assert whole.to_public() == live.to_public()
    assert records(whole) == records(live)

    # the checkpoint's snapshot plus the journal after it gives the same state
    record = store.load_checkpoint(checkpoint["id"])
    assert 0 < record["seq"] < live.last_seq
    partial = ExecutionState.from_records(record["meta"], record["tasks"])
    assert partial.last_seq == record["seq"]
    for event in store.read_events(live.id, after_seq=record["seq"]):
        apply(partial, event)
    assert partial.to_public() == live.to_public()
    assert records(partial) == records(live)

    # and so does load_execution when the stored snapshot is that older one
    store.write_snapshot(record["meta"], record["tasks"])
    assert store.load_execution(live.id).to_public() == live.to_public()


async def test_replaying_events_twice_changes_nothing(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        live = await run_to_end(engine, wf)
    store = Store(bench.data_dir)
    state = store.load_execution(live.id)
    for event in store.read_events(live.id):
        apply(state, event)  # all at or below last_seq: ignored
    assert state.to_public() == live.to_public()


# ---- recovery after an interruption ---------------------------------------------------------


async def test_shutdown_interrupts_and_recover_resumes_where_it_stopped(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "done": {"input": {"value": "d"}},
            "long": {"input": {"hang_times": 1}},  # the first call hangs until cancelled
            "after": {"depends_on": ["long", "done"], "input": {"value": "${tasks.done.output}"}},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "done") in probe.log and probe.counts.get("long") == 1)
    # leaving the engine interrupted the execution without recording an end
    assert ("cancel", "long") in probe.log
    store = Store(bench.data_dir)
    (row,) = store.list_summaries()
    assert row["id"] == started.id
    assert row["status"] == "running"
    assert row["interrupted"] is True
    on_disk = store.load_execution(started.id)
    assert on_disk.status == "running"
    # a clean stop ends the attempt on record, marked `shutdown`: not a crash (crash loops)
    assert on_disk.tasks["long"].status == "retrying"
    assert on_disk.tasks["long"].error is not None
    assert on_disk.tasks["long"].error["kind"] == "interrupted"
    assert on_disk.tasks["done"].status == "completed"
    events = store.read_events(started.id)
    types = [e.type for e in events]
    assert not any(t.startswith("workflow_") and t != "workflow_started" for t in types)
    assert events[-1].type == "retry_attempted" and events[-1].data["shutdown"] is True

    async with bench.engine() as engine:
        assert await engine.recover() == [started.id]
        assert await engine.recover() == []  # already live here
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert probe.counts == {"done": 1, "long": 2, "after": 1}
    assert [c.attempt for c in probe.calls_of("long")] == [1, 2]
    long = state.tasks["long"]
    assert long.attempts == 2
    assert [h["status"] for h in long.history] == ["stopped", "completed"]
    assert state.tasks["after"].output["value"] == {"task": "done", "attempt": 1, "value": "d"}
    resumed = [
        e for e in Store(bench.data_dir).read_events(started.id) if e.type == "workflow_resumed"
    ]
    assert resumed[-1].data == {"reason": "recovered", "reset": [], "interrupted": ["long"]}
    assert Store(bench.data_dir).list_summaries()[0]["interrupted"] is False


def write_crashed_execution(data_dir: Path, wf_doc: dict[str, Any], events: Journaled) -> str:
    """What a process killed with -9 leaves (helpers/killed.py); the execution's id."""
    execution_id = "20260101-000000-c0ffee"
    write_killed_execution(data_dir, wf_doc, events, execution_id)
    return execution_id


CRASHED_FLOW = {
    "name": "crashed",
    "tasks": {
        "a": task("core.echo", input={"x": 1}),
        "b": task("core.echo", "a", input={"y": 2}),
        "c": task("core.echo", "b", input={"a": "${tasks.a.output.x}", "b": "${tasks.b.output.y}"}),
    },
}

CRASHED_EVENTS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("workflow_started", None, {"workflow": "crashed", "input": {}, "task_count": 3}),
    ("task_started", "a", {"attempt": 1}),
    ("task_completed", "a", {"attempt": 1, "output": {"x": 1}, "duration": 0.001}),
    ("task_started", "b", {"attempt": 1}),
]


async def test_recover_a_killed_execution_from_its_journal(data_dir: Path) -> None:
    execution_id = write_crashed_execution(data_dir, CRASHED_FLOW, CRASHED_EVENTS)
    store = Store(data_dir)
    (row,) = store.list_summaries()
    assert row["status"] == "pending" and row["interrupted"] is True
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [execution_id]
        state = await engine.wait(execution_id)
    assert state.status == "completed"
    assert state.tasks["a"].attempts == 1  # completed before the crash: not run again
    assert state.tasks["b"].attempts == 2  # running at the crash: runs again, number carried on
    assert state.tasks["c"].output == {"a": 1, "b": 2}
    events = Store(data_dir).read_events(execution_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    started = [(e.task_id, e.data["attempt"]) for e in events if e.type == "task_started"]
    assert started == [("a", 1), ("b", 1), ("b", 2), ("c", 1)]


async def test_recover_cuts_a_torn_journal_tail(data_dir: Path) -> None:
    execution_id = write_crashed_execution(data_dir, CRASHED_FLOW, CRASHED_EVENTS)
    path = journal_path(data_dir, execution_id)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"seq": 5, "type": "task_comp')  # killed mid-append
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [execution_id]
        state = await engine.wait(execution_id)
    assert state.status == "completed"
    data = path.read_bytes()
    assert data.startswith(whole)
    assert b'task_comp"' not in data and b'"task_comp{' not in data
    events = Store(data_dir).read_events(execution_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[4].type == EventType.WORKFLOW_RESUMED


async def test_recover_ignores_executions_another_process_holds(data_dir: Path) -> None:
    execution_id = write_crashed_execution(data_dir, CRASHED_FLOW, CRASHED_EVENTS)
    other_process = Store(data_dir).lock_execution(execution_id)
    try:
        assert Store(data_dir).list_summaries()[0]["interrupted"] is False
        async with open_engine(data_dir, **engine_options()) as engine:
            assert await engine.recover() == []
            assert not engine.is_live(execution_id)
    finally:
        other_process.release()


async def test_interrupted_attempt_does_not_use_up_the_retry_budget(data_dir: Path) -> None:
    """A task with no retries that was running at a crash still gets its attempt."""
    events = [
        *CRASHED_EVENTS[:3],
        ("task_started", "b", {"attempt": 1}),
    ]
    flow = {
        **CRASHED_FLOW,
        "defaults": {"retry_policy": {"max_retries": 0}},
    }
    execution_id = write_crashed_execution(data_dir, flow, events)
    async with open_engine(data_dir, **engine_options()) as engine:
        await engine.recover()
        state = await engine.wait(execution_id)
    assert state.status == "completed"
    assert state.tasks["b"].attempts == 2
    assert state.tasks["b"].budget_base == 1


async def test_get_reads_a_finished_execution_back_from_disk(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {"input": {"value": [1, 2]}}})
    async with bench.engine() as engine:
        live = await run_to_end(engine, wf)
        assert not engine.is_live(live.id)
        again = await engine.get(live.id)
        assert again is not live
        assert again.to_public() == live.to_public()


async def test_a_crash_during_a_backoff_grants_no_extra_attempt(data_dir: Path) -> None:
    """The attempt before the backoff finished and failed: it counts. Only an attempt that was
    in flight at the crash is not held against the task's retry budget."""
    flow = {
        "name": "backoff-crash",
        "tasks": {
            "b": task(
                "core.fail", retry_policy={"max_retries": 1, "initial_delay": 0.01, "jitter": 0}
            )
        },
    }
    error = {"message": "failed on purpose", "kind": "error"}
    events: list[tuple[str, str | None, dict[str, Any]]] = [
        ("workflow_started", None, {"workflow": "backoff-crash", "input": {}, "task_count": 1}),
        ("task_started", "b", {"attempt": 1}),
        ("retry_attempted", "b", {"attempt": 1, "next_attempt": 2, "delay": 30, "error": error}),
    ]
    execution_id = write_crashed_execution(data_dir, flow, events)
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [execution_id]
        state = await engine.wait(execution_id)
    assert state.status == "failed"
    assert state.tasks["b"].attempts == 2  # max_retries 1: two attempts in all
    assert [h["status"] for h in state.tasks["b"].history] == ["failed", "failed"]


async def test_journal_appends_are_group_committed(data_dir: Path) -> None:
    tasks = {f"t{i}": task("core.echo") for i in range(100)}
    wf = load_workflow_dict({"name": "wide", "max_concurrency": 100, "tasks": tasks})
    async with open_engine(data_dir, **engine_options()) as engine:
        before = engine.writer.batches
        state = await run_to_end(engine, wf)
        batches = engine.writer.batches - before
    assert state.status == "completed"
    assert state.last_seq == 202
    assert batches < state.last_seq / 4  # many events per fsync, not one each


# ---- the catalog row of a resume ------------------------------------------------------------


def row_of(data_dir: Path, execution_id: str) -> dict[str, Any]:
    """The execution's catalog row as a fresh process reads it from disk."""
    return Store(data_dir).get_summary(execution_id)


async def test_a_recovered_executions_row_is_written_while_its_tasks_run(
    bench: ProbeBench, probe: Probe
) -> None:
    """A crashed execution's row already says running, so a resume writes it after its first
    commit rather than with it (one round of fsyncs fewer before a task starts): written all
    the same while the run goes on, not only at its end."""
    wf = bench.workflow({"held": {"input": {"gate": "go"}}, "after": {"depends_on": ["held"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("held")
    assert row_of(bench.data_dir, started.id)["status"] == "running"
    async with bench.engine() as engine:
        assert await engine.recover() == [started.id]
        await probe.started("held", times=2)
        seq = next(
            e.seq
            for e in reversed(Store(bench.data_dir).read_events(started.id))
            if e.type == EventType.WORKFLOW_RESUMED
        )
        await wait_until_async(
            lambda: row_of(bench.data_dir, started.id)["last_seq"] >= seq,
            10,
            "the resumed execution's row to catch up with its resume",
        )
        assert probe.counts == {"held": 2}  # still held: written while the task runs
        probe.open("go")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert row_of(bench.data_dir, started.id)["status"] == "completed"


async def test_a_resumed_failed_executions_row_says_running_once_resume_returns(
    bench: ProbeBench, probe: Probe
) -> None:
    """A resume that changes the row's status writes it with its events: a crash right
    after the answer still finds the execution interrupted, not failed."""
    wf = bench.workflow(
        {
            "flaky": {"input": {"fail_while": "broken"}},
            "held": {"depends_on": ["flaky"], "input": {"gate": "go"}},  # keeps it running
        }
    )
    probe.flags.add("broken")
    failed = await bench.run(wf)
    assert failed.status == "failed"
    assert row_of(bench.data_dir, failed.id)["status"] == "failed"
    probe.flags.discard("broken")
    async with bench.engine() as engine:
        await engine.resume(failed.id)
        row = row_of(bench.data_dir, failed.id)
        assert row["status"] == "running" and row["last_seq"] > failed.last_seq
        probe.open("go")
        state = await engine.wait(failed.id)
    assert state.status == "completed"

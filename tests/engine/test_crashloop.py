"""Crash loops in the engine: what the journal says about past crashes decides a resume.

Each test writes what processes killed mid-task leave behind (a journal with no end, no lock)
and lets an engine recover it, on asyncio and on trio. The real thing, a task that kills the
daemon, is in tests/crash/test_loop.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import ProbeBench

from harmonia.events import Event
from harmonia.state import ExecutionState
from harmonia.store import Store

pytestmark = pytest.mark.anyio

Step = tuple[str, str | None, dict[str, Any]]


def crashed(bench: ProbeBench, execution_id: str, tasks: dict[str, Any], steps: list[Step]) -> None:
    """An execution as killed processes leave it: first snapshot, `pending` row, a journal."""
    wf = bench.workflow(tasks)
    store = Store(bench.data_dir)
    now = time.time()
    state = ExecutionState.new(execution_id, wf.to_document(), {}, now)
    store.create_execution(state.meta_record(), {}, state.summary())
    store.append_events(
        [
            Event(seq, kind, execution_id, task_id, now + seq / 1000, data)
            for seq, (kind, task_id, data) in enumerate(
                [("workflow_started", None, {}), *steps], start=1
            )
        ]
    )
    store.close()


def started(task_id: str, attempt: int) -> Step:
    return ("task_started", task_id, {"attempt": attempt, "input": {}})


def recovered(*interrupted: str) -> Step:
    return (
        "workflow_resumed",
        None,
        {"reason": "recovered", "reset": [], "interrupted": list(interrupted)},
    )


def retried(task_id: str, attempt: int) -> Step:
    error = {"message": "flaky", "kind": "error"}
    return (
        "retry_attempted",
        task_id,
        {
            "attempt": attempt,
            "next_attempt": attempt + 1,
            "delay": 0.0,
            "error": error,
            "duration": 0.0,
        },
    )


TASKS = {"a": {}, "b": {}, "c": {"depends_on": ["a"]}}
THREE_CRASHES = [
    started("a", 1),
    started("b", 1),
    ("task_completed", "b", {"attempt": 1, "output": "b", "duration": 0.0}),
    recovered("a"),
    started("a", 2),
    recovered("a"),
    started("a", 3),
]


async def test_a_task_running_at_three_crashes_in_a_row_fails_as_crash_loop(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    crashed(bench, "e-loop", TASKS, THREE_CRASHES)
    async with bench.engine() as engine:
        assert await engine.recover() == ["e-loop"]
        state = await engine.wait("e-loop")
    assert state.status == "failed"
    a = state.tasks["a"]
    assert a.status == "failed" and a.error is not None
    assert a.error["kind"] == "crash_loop"
    assert a.error["details"] == {"crashed_attempts": [1, 2, 3]}
    assert "3 times in a row" in a.error["message"]
    assert state.tasks["b"].status == "completed" and state.tasks["c"].status == "pending"
    assert bench.probe.counts == {}  # a was not started again, c never could

    # the operator fixes the cause and resumes: a runs again (on probation), then c
    async with bench.engine() as engine:
        await engine.resume("e-loop")
        state = await engine.wait("e-loop")
    assert state.status == "completed"
    assert bench.probe.counts == {"a": 1, "c": 1}


async def test_two_crashes_are_not_a_loop(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    crashed(bench, "e-two", TASKS, THREE_CRASHES[:-2])
    async with bench.engine() as engine:
        await engine.recover()
        state = await engine.wait("e-two")
    assert state.status == "completed"
    assert [c.attempt for c in bench.probe.calls_of("a")] == [3]


@pytest.mark.parametrize(
    "steps",
    [
        # an attempt that ended by itself in between: the crashes are not in a row
        [started("a", 1), recovered("a"), started("a", 2), retried("a", 2), started("a", 3)],
        # waiting out a backoff at the third crash: no code of the task was running then
        [*THREE_CRASHES, retried("a", 3)],
    ],
    ids=["streak-broken", "in-backoff"],
)
async def test_only_crashes_in_a_row_while_running_count(data_dir: Path, steps: list[Step]) -> None:
    bench = ProbeBench(data_dir)
    crashed(bench, "e-no", TASKS, steps)
    async with bench.engine() as engine:
        await engine.recover()
        state = await engine.wait("e-no")
    assert state.status == "completed", state.tasks["a"].error


@pytest.mark.parametrize(
    ("limit", "status"), [("0", "completed"), ("4", "completed"), ("2", "failed")]
)
async def test_the_limit_comes_from_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, limit: str, status: str
) -> None:
    monkeypatch.setenv("HARMONIA_CRASH_LOOP_LIMIT", limit)
    bench = ProbeBench(data_dir)
    crashed(bench, "e-env", TASKS, THREE_CRASHES)
    async with bench.engine() as engine:
        await engine.recover()
        state = await engine.wait("e-env")
    assert state.status == status


async def test_suspects_run_one_at_a_time_and_others_go_on(data_dir: Path) -> None:
    """Two executions, each with a task a crash cut short: one runs, the other waits its turn;
    a task with no crash on record runs meanwhile."""
    bench = ProbeBench(data_dir)
    tasks = {"s1": {"input": {"gate": "first"}}, "s2": {"input": {"gate": "second"}}, "free": {}}
    crashed(bench, "e-1", {"s1": tasks["s1"]}, [started("s1", 1)])
    crashed(bench, "e-2", {"s2": tasks["s2"], "free": {}}, [started("s2", 1)])
    probe = bench.probe
    async with bench.engine() as engine:
        await engine.recover()
        await probe.until(lambda: "free" in probe.counts and len(probe.counts) == 2)
        first = next(t for t in ("s1", "s2") if t in probe.counts)
        other = "s2" if first == "s1" else "s1"
        assert other not in probe.counts  # waits while the first suspect runs
        probe.open("first" if first == "s1" else "second")
        await probe.started(other)
        probe.open("second" if first == "s1" else "first")
        states = [await engine.wait("e-1"), await engine.wait("e-2")]
    assert [s.status for s in states] == ["completed", "completed"]
    assert probe.log.index(("end", first)) < probe.log.index(("start", other))

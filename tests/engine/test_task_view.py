"""What clients are told about each task beyond its status: the input an attempt really ran
with (`task_started`'s `input`) and the task's dependencies (`depends_on` in the public
document), live, after recovery and after a resume.

Every test runs on asyncio and trio (see `anyio_backend` in conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import FAST_RETRY, Probe, ProbeBench, engine_options, run_to_end
from helpers.workflows import task

from engine.test_recovery import CRASHED_EVENTS, CRASHED_FLOW, write_crashed_execution
from harmonia.engine import open_engine
from harmonia.events import Event, EventType
from harmonia.loader import load_workflow_dict
from harmonia.store import Store

pytestmark = pytest.mark.anyio


def started_events(data_dir: Path, execution_id: str) -> list[Event]:
    return [
        e for e in Store(data_dir).read_events(execution_id) if e.type == EventType.TASK_STARTED
    ]


def inputs_by_attempt(events: list[Event]) -> dict[tuple[str | None, int], Any]:
    return {(e.task_id, e.data["attempt"]): e.data.get("input", "<none>") for e in events}


# ---- task_started carries the rendered input ------------------------------------------------


async def test_task_started_carries_the_input_as_rendered_for_that_attempt(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": {"n": 3}}},
            "b": {
                "depends_on": ["a"],
                "input": {
                    "value": "${tasks.a.output.value.n}",
                    "fail_times": 1,
                    "kind": "transient",
                },
                "retry_policy": {"max_retries": 2, **FAST_RETRY},
            },
            "c": {"depends_on": ["b"], "input": {"value": "b said ${tasks.b.output.value}"}},
        },
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    shown = inputs_by_attempt(started_events(bench.data_dir, state.id))
    assert shown == {
        ("a", 1): {"value": {"n": 3}},
        # every attempt says what it ran with, the retry included
        ("b", 1): {"value": 3, "fail_times": 1, "kind": "transient"},
        ("b", 2): {"value": 3, "fail_times": 1, "kind": "transient"},
        ("c", 1): {"value": "b said 3"},
    }


async def test_environment_values_are_never_journaled_only_their_references(
    data_dir: Path,
) -> None:
    secret = "s3cr3t-value-never-journaled"
    wf = load_workflow_dict(
        {
            "name": "secrets",
            "tasks": {
                "call": {
                    "component": "core",
                    "action": "echo",
                    "input": {
                        "token": "${env.API_TOKEN}",
                        "header": "Bearer ${env.API_TOKEN}",
                        "user": "${env.API_USER}",
                        "plain": "kept",
                    },
                },
            },
        }
    )
    env = {"API_TOKEN": secret, "API_USER": "robot"}
    async with open_engine(data_dir, env=env, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    assert state.status == "completed"
    # the action itself got the real values
    assert state.tasks["call"].output["header"] == f"Bearer {secret}"
    (started,) = started_events(data_dir, state.id)
    assert started.data["input"] == {
        "token": "${env.API_TOKEN}",
        "header": "Bearer ${env.API_TOKEN}",
        "user": "${env.API_USER}",
        "plain": "kept",
    }
    line = started.to_journal_line()
    assert secret.encode() not in line and b"robot" not in line


async def test_an_input_that_cannot_be_rendered_starts_with_no_input_and_fails(
    data_dir: Path,
) -> None:
    wf = load_workflow_dict(
        {
            "name": "missing-ref",
            "tasks": {
                "a": task("core.echo", input={"x": 1}),
                "b": task(
                    "core.echo",
                    "a",
                    input={"y": "${tasks.a.output.nope}", "home": "${env.NOT_SET_HERE}"},
                ),
            },
        }
    )
    async with open_engine(data_dir, env={}, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    assert state.tasks["b"].status == "failed"
    assert state.tasks["b"].error is not None
    assert state.tasks["b"].error["kind"] == "reference"
    events = [e for e in Store(data_dir).read_events(state.id) if e.task_id == "b"]
    assert [e.type for e in events] == ["task_started", "task_failed"]
    assert events[0].data == {"attempt": 1, "input": None}


async def test_recovered_attempts_carry_inputs_rendered_from_recovered_outputs(
    data_dir: Path,
) -> None:
    execution_id = write_crashed_execution(data_dir, CRASHED_FLOW, CRASHED_EVENTS)
    async with open_engine(data_dir, **engine_options()) as engine:
        assert await engine.recover() == [execution_id]
        state = await engine.wait(execution_id)
    assert state.status == "completed"
    shown = inputs_by_attempt(started_events(data_dir, execution_id))
    # ("b", 1) was written by the crashed process in an older shape, without input
    assert shown[("b", 1)] == "<none>"
    assert shown[("b", 2)] == {"y": 2}
    assert shown[("c", 1)] == {"a": 1, "b": 2}  # `a`'s output came from the journal


# ---- depends_on in the public document ------------------------------------------------------

DEPENDS = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}


def depends_of(doc: dict[str, Any]) -> dict[str, list[str]]:
    return {tid: task["depends_on"] for tid, task in doc["tasks"].items()}


async def test_public_document_lists_each_tasks_dependencies_live_and_from_disk(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    wf = bench.workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"], "input": {"gate": "go"}},
            "c": {"depends_on": ["a"]},
            "d": {"depends_on": ["b", "c"]},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("b")
        live = await engine.get(started.id)
        assert depends_of(live.to_public()) == DEPENDS
        probe.open("go")
        await engine.wait(started.id)
    async with bench.engine() as engine:
        stored = await engine.get(started.id)  # snapshot + journal, read back from disk
    assert stored.status == "completed"
    assert depends_of(stored.to_public()) == DEPENDS


async def test_dependencies_survive_a_crash_and_a_resume(data_dir: Path) -> None:
    execution_id = write_crashed_execution(data_dir, CRASHED_FLOW, CRASHED_EVENTS)
    expected = {"a": [], "b": ["a"], "c": ["b"]}
    assert depends_of(Store(data_dir).load_execution(execution_id).to_public()) == expected
    async with open_engine(data_dir, **engine_options()) as engine:
        await engine.resume(execution_id)
        state = await engine.wait(execution_id)
        assert depends_of(state.to_public()) == expected
    assert depends_of(Store(data_dir).load_execution(execution_id).to_public()) == expected

"""Sub-workflows (`workflow.run`): outputs, failures, retries, cancel and pause going down to
the child, the depth bound, stored ids and files; on asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.engine_probe import FAST_RETRY, Probe, ProbeBench, wait_for
from helpers.workflows import task

from harmonia.engine import Engine
from harmonia.loader import load_workflow_dict, load_workflow_file
from harmonia.model import Workflow
from harmonia.state import ExecutionState
from harmonia.store.definitions import WorkflowDefinitions

pytestmark = pytest.mark.anyio


def write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    """A workflow file (JSON is YAML): sub-workflows are found by path from their parent."""
    path = folder / name
    path.write_bytes(orjson.dumps(doc))
    return path


CHILD = {
    "name": "child",
    "input": {"n": {"type": "integer"}},
    "tasks": {
        "double": {"component": "probe", "action": "work", "input": {"value": "${input.n}"}},
        "gated": task("probe.work", "double", input={"value": 1}),
    },
    "output": {"total": "${tasks.double.output.value}", "name": "${workflow.name}"},
}


def child_with(
    gated_input: dict[str, Any], component: str = "probe", **more: Any
) -> dict[str, Any]:
    """CHILD whose `gated` task (after `double`) takes `gated_input`; `more` adds tasks."""
    action = "fail" if component == "core" else "work"
    gated = {"component": component, "action": action, "depends_on": ["double"]}
    return {**CHILD, "tasks": {**CHILD["tasks"], "gated": {**gated, "input": gated_input}, **more}}


def parent_doc(workflow: str = "child.json", **run: Any) -> dict[str, Any]:
    return {
        "name": "parent",
        "tasks": {
            "sub": {
                "component": "workflow",
                "action": "run",
                "input": {"workflow": workflow, "input": {"n": 21}},
                **run,
            },
            "after": task("core.echo", "sub", input={"got": "${tasks.sub.output.total}"}),
        },
        "output": {"got": "${tasks.after.output.got}"},
    }


def files(bench: ProbeBench, folder: Path, child: dict[str, Any], **run: Any) -> Workflow:
    write(folder, "child.json", child)
    return load_workflow_file(write(folder, "parent.json", parent_doc(**run)), bench.registry)


@asynccontextmanager
async def child_task_waiting(
    bench: ProbeBench, folder: Path, gate: str = "g", **more: Any
) -> AsyncIterator[tuple[Engine, ExecutionState]]:
    """An engine running the parent from files, its child's `gated` task started and waiting
    for `gate` (the state every cancel, pause, restart and restore test begins from)."""
    wf = files(bench, folder, child_with({"gate": gate}, **more))
    async with bench.engine() as engine:
        started = await engine.start(wf, origin=folder)
        await bench.probe.started("gated")
        yield engine, started


async def child_of(engine: Engine, state: ExecutionState, task: str = "sub") -> ExecutionState:
    child_id = state.tasks[task].child_execution_id
    assert child_id is not None
    return await engine.get(child_id)


async def test_child_outputs_become_the_task_output(bench: ProbeBench, tmp_path: Path) -> None:
    wf = files(bench, tmp_path, CHILD)
    async with bench.engine() as engine:
        started = await engine.start(wf, origin=tmp_path)
        state = await engine.wait(started.id)
        assert state.status == "completed", state.error
        assert state.tasks["sub"].output == {"total": 21, "name": "child"}
        assert state.output == {"got": 21}
        child = await child_of(engine, state)
    assert child.status == "completed"
    assert child.output == {"total": 21, "name": "child"}
    assert child.parent == {"execution_id": started.id, "task_id": "sub", "depth": 1}
    assert state.to_public()["tasks"]["sub"]["child_execution_id"] == child.id
    assert child.to_public()["parent"]["execution_id"] == started.id
    on_disk = bench.store().load_execution(started.id)  # the links are durable
    assert on_disk.tasks["sub"].child_execution_id == child.id
    assert on_disk.output == {"got": 21}
    assert bench.store().load_execution(child.id).parent == child.parent


async def test_child_failure_fails_the_task_with_its_summary(
    bench: ProbeBench, tmp_path: Path
) -> None:
    failing = child_with({"message": "disk on fire"}, component="core")
    wf = files(bench, tmp_path, failing)
    async with bench.engine() as engine:
        started = await engine.start(wf, origin=tmp_path)
        state = await engine.wait(started.id)
        child = await child_of(engine, state)
    assert state.status == "failed"
    error = state.tasks["sub"].error or {}
    assert f"child execution {child.id} failed" in error["message"]
    assert "gated: disk on fire" in error["message"]
    assert error["details"]["child_execution_id"] == child.id
    assert state.tasks["after"].status == "pending"
    assert child.status == "failed"


async def test_a_retry_starts_a_new_child(bench: ProbeBench, tmp_path: Path, probe: Probe) -> None:
    flaky = child_with({"fail_times": 1})
    wf = files(bench, tmp_path, flaky, retry_policy={"max_retries": 1, **FAST_RETRY})
    async with bench.engine() as engine:
        started = await engine.start(wf, origin=tmp_path)
        state = await engine.wait(started.id)
        history = state.tasks["sub"].history
        first, second = (h["child_execution_id"] for h in history)
        assert state.status == "completed"
        assert first != second
        assert (await engine.get(first)).status == "failed"
        assert (await engine.get(second)).status == "completed"
        assert state.tasks["sub"].child_execution_id == second
    assert [c.attempt for c in probe.calls_of("gated")] == [1, 1]  # one attempt in each child


async def test_cancel_goes_down_to_the_child(bench: ProbeBench, tmp_path: Path) -> None:
    async with child_task_waiting(bench, tmp_path, "never") as (engine, started):
        canceled = await engine.cancel(started.id)
        child = await child_of(engine, canceled)
        assert canceled.status == "canceled"
        assert child.status == "canceled"
        assert child.tasks["gated"].status == "canceled"


async def test_pause_and_resume_go_down_to_the_child(
    bench: ProbeBench, tmp_path: Path, probe: Probe
) -> None:
    later = task("probe.work", "gated")
    async with child_task_waiting(bench, tmp_path, later=later) as (engine, started):
        paused = await engine.pause(started.id)
        child_id = paused.tasks["sub"].child_execution_id
        assert child_id is not None
        assert (await engine.get(child_id)).status == "paused"
        probe.open("g")  # the child's running task finishes; nothing new starts in it
        await wait_for(lambda: probe.counts.get("gated") == 1 and probe.running == 0)
        child = await engine.wait(child_id)
        assert child.status == "paused"
        assert child.tasks["later"].status == "pending"
        await engine.resume(started.id)
        state = await engine.wait(started.id)
        assert state.status == "completed"
        assert (await engine.get(child_id)).status == "completed"


async def test_depth_is_bounded_at_run_time(bench: ProbeBench, tmp_path: Path) -> None:
    # the path is an input: the load-time recursion check cannot follow it
    doc = {
        "name": "deep",
        "input": {"me": {"type": "string"}},
        "tasks": {
            "again": task(
                "workflow.run", input={"workflow": "${input.me}", "input": {"me": "${input.me}"}}
            )
        },
    }
    wf = load_workflow_file(write(tmp_path, "deep.json", doc), bench.registry)
    async with bench.engine() as engine:
        engine.children.max_depth = 3
        started = await engine.start(wf, {"me": "deep.json"}, origin=tmp_path)
        state = await engine.wait(started.id)
        chain = [state]
        while chain[-1].tasks["again"].child_execution_id is not None:
            chain.append(await child_of(engine, chain[-1], "again"))
    assert [c.status for c in chain] == ["failed"] * 4
    assert [(c.parent or {}).get("depth", 0) for c in chain] == [0, 1, 2, 3]
    deepest = chain[-1].tasks["again"].error or {}
    assert "depth limit reached" in deepest["message"]
    assert "limit is 3" in deepest["message"]
    assert "depth limit reached" in (state.tasks["again"].error or {})["message"]


async def test_stored_ids_and_file_paths(bench: ProbeBench, tmp_path: Path) -> None:
    async with bench.engine() as engine:
        stored = WorkflowDefinitions(engine.store).add(CHILD)
        parent = load_workflow_dict(parent_doc(stored["id"]), registry=bench.registry)
        state = await engine.wait((await engine.start(parent)).id)
        assert state.status == "completed", state.tasks["sub"].error
        assert state.output == {"got": 21}

        # a path in an execution not started from a file (the daemon's case) is refused
        by_path = load_workflow_dict(parent_doc("child.json"), registry=bench.registry)
        state = await engine.wait((await engine.start(by_path)).id)
        message = (state.tasks["sub"].error or {})["message"]
        assert "not started from a workflow file" in message
        assert state.tasks["sub"].child_execution_id is None

        missing = load_workflow_dict(parent_doc("wf-000000000000"), registry=bench.registry)
        state = await engine.wait((await engine.start(missing)).id)
        assert "no stored workflow 'wf-000000000000'" in (state.tasks["sub"].error or {})["message"]


async def test_bad_child_input_fails_the_task_without_a_child(
    bench: ProbeBench, tmp_path: Path
) -> None:
    doc = parent_doc()
    doc["tasks"]["sub"]["input"]["input"] = {"n": "not a number"}
    write(tmp_path, "child.json", CHILD)
    wf = load_workflow_file(write(tmp_path, "parent.json", doc), bench.registry)
    async with bench.engine() as engine:
        state = await engine.wait((await engine.start(wf, origin=tmp_path)).id)
    error = state.tasks["sub"].error or {}
    assert error["kind"] == "invalid_input"
    assert "input 'n': expected integer" in error["message"]
    assert state.tasks["sub"].child_execution_id is None


async def test_an_output_that_cannot_be_rendered_fails_the_execution(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {"a": {}, "b": {"when": "false"}},
        output={"a": "${tasks.a.output.value}", "b": "${tasks.b.output}"},
    )
    async with bench.engine() as engine:
        state = await engine.wait((await engine.start(wf)).id)
    assert state.status == "failed"
    assert state.error is not None and state.error.startswith("output: ")
    assert state.output is None


async def test_static_recursion_through_stored_ids_is_refused_at_start(
    bench: ProbeBench,
) -> None:
    from harmonia.errors import ValidationFailed

    async with bench.engine() as engine:
        definitions = WorkflowDefinitions(engine.store)
        first = definitions.add({"name": "a", "tasks": {"t": task("core.echo")}})
        second = definitions.add(parent_doc(first["id"]) | {"name": "b"})
        definitions.replace(first["id"], parent_doc(second["id"]) | {"name": "a"})
        wf = load_workflow_dict(parent_doc(first["id"]), registry=bench.registry)
        with pytest.raises(ValidationFailed) as caught:
            await engine.start(wf)
    text = str(caught.value)
    assert f"parent -> {first['id']} -> {second['id']} -> {first['id']}" in text
    assert "task 'sub'" in text


async def test_a_restarted_engine_reattaches_to_the_recorded_child(
    bench: ProbeBench, tmp_path: Path, probe: Probe
) -> None:
    async with child_task_waiting(bench, tmp_path) as (engine, started):
        child_id = engine.live_state(started.id).tasks["sub"].child_execution_id  # type: ignore[union-attr]
    # stopped with both running; the next engine resumes both, and the parent's task waits
    # for the child its attempt recorded rather than starting another one
    probe.open("g")
    async with bench.engine() as engine:
        assert sorted(await engine.recover()) == sorted([started.id, child_id])
        state = await engine.wait(started.id)
        assert state.status == "completed"
        assert state.tasks["sub"].child_execution_id == child_id
        assert state.tasks["sub"].attempts == 2
        assert (await engine.get(child_id)).status == "completed"  # type: ignore[arg-type]
    assert probe.counts == {"double": 1, "gated": 2}
    children = [r for r in bench.store().list_summaries() if r["workflow"] == "child"]
    assert [r["id"] for r in children] == [child_id]


async def test_resuming_only_the_parent_resumes_its_interrupted_child(
    bench: ProbeBench, tmp_path: Path, probe: Probe
) -> None:
    """`harmonia resume PARENT` after a crash of `harmonia run` resumes one execution: the
    parent's task finds its child interrupted and resumes it rather than wait forever."""
    async with child_task_waiting(bench, tmp_path) as (_, started):
        pass  # the engine stops with the child's task running, as `harmonia run` would crash
    probe.open("g")
    async with bench.engine() as engine:
        await engine.resume(started.id)
        state = await engine.wait(started.id)
        child = await child_of(engine, state)
    assert state.status == "completed"
    assert child.status == "completed"
    assert probe.counts == {"double": 1, "gated": 2}


async def test_a_restored_execution_finds_its_sub_workflow_files(
    bench: ProbeBench, tmp_path: Path, probe: Probe
) -> None:
    async with child_task_waiting(bench, tmp_path) as (engine, started):
        checkpoint = await engine.checkpoint(started.id, "mid-child")
        probe.open("g")
        await engine.wait(started.id)
        restored = await engine.restore(checkpoint["id"])
        state = await engine.wait(restored.id)
    assert restored.origin == str(tmp_path)
    assert state.status == "completed", state.tasks["sub"].error
    assert state.output == {"got": 21}
    assert state.tasks["sub"].child_execution_id != started.tasks["sub"].child_execution_id

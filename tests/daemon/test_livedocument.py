"""A running execution's document (`harmoniad.livedocument`): at every event of a run (a
`for_each` list, an approval gate, a retry of a finished run) it is the document built afresh,
byte for byte; every public field of a task is part of what its kept JSON was made from; and
what is kept is bounded and forgotten once the run ends."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from harmoniad.config import DaemonConfig
from harmoniad.context import DaemonState
from harmoniad.listing import execution_document
from harmoniad.livedocument import LiveDocuments, task_made_from
from helpers.daemon_testing import fixable_workflow
from helpers.engine_probe import engine_options
from helpers.workflows import task

from harmonia.engine import open_engine
from harmonia.events import TERMINAL_WORKFLOW_EVENTS, EventType
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState
from harmonia.state.model import TaskState
from harmonia.store.definitions import WorkflowDefinitions

WORKFLOW: dict[str, Any] = {
    "name": "live-document",
    "tasks": {
        "first": task("core.echo", input={"n": 1}),
        "items": task("core.echo", "first", for_each=["a", "b", "c"], input={"item": "${item}"}),
        "gate": task("core.approve", "items", input={"message": "go?"}),
        "last": task("core.echo", "gate"),
    },
}


def fresh(live: ExecutionState) -> bytes:
    return orjson.dumps(live.to_public(), option=orjson.OPT_NON_STR_KEYS)


async def same_as_fresh(state: DaemonState, execution_id: str) -> bool:
    """Whether the document served now is the one built afresh (nothing awaited between)."""
    live = state.engine.live_state(execution_id)
    if live is None:
        return False
    return await execution_document(state, execution_id) == fresh(live)


@asynccontextmanager
async def daemon_state(data_dir: Path) -> AsyncIterator[DaemonState]:
    """The daemon's state over an engine of its own on `data_dir`, without the HTTP server:
    what the execution route serves is called directly, between the engine's steps."""
    async with open_engine(data_dir, **engine_options()) as engine:
        yield DaemonState(
            engine, DaemonConfig(data_dir=data_dir), WorkflowDefinitions(engine.store)
        )


@pytest.mark.anyio
async def test_the_document_is_the_one_built_afresh_at_every_event(tmp_path: Path) -> None:
    async with daemon_state(tmp_path / "data") as state:
        engine = state.engine
        started = await engine.start(load_workflow_dict(WORKFLOW))
        subscription = engine.subscribe(started.id, after_seq=0)
        checked = 0
        try:
            while batch := await subscription.next_batch():
                for event in batch:
                    if event.type == EventType.TASK_WAITING:
                        assert await same_as_fresh(state, started.id)
                        await engine.approve(started.id, "gate", by="test")
                if await same_as_fresh(state, started.id):
                    checked += 1
                if not TERMINAL_WORKFLOW_EVENTS.isdisjoint(e.type for e in batch):
                    break
        finally:
            subscription.close()
        assert checked >= 2
        await engine.wait(started.id)
        finished = orjson.loads(await execution_document(state, started.id))
        assert finished["status"] == "completed"
        assert finished["tasks"]["items[2]"]["output"] == {"item": "c"}
        assert state.live_documents.kept_bytes == 0  # forgotten once the run ended


@pytest.mark.anyio
async def test_a_finished_run_retried_is_shown_from_its_new_state(tmp_path: Path) -> None:
    async with daemon_state(tmp_path / "data") as state:
        engine = state.engine
        started = await engine.start(load_workflow_dict(fixable_workflow("live-retry")))
        assert await same_as_fresh(state, started.id)  # kept for the first run's state
        assert (await engine.wait(started.id)).status == "failed"
        await engine.complete_task(started.id, "b", {"rows": 3}, by="test")
        live = engine.live_state(started.id)
        if live is not None:  # still running the rest: the document of the new state
            assert await same_as_fresh(state, started.id)
        await engine.wait(started.id)
        shown = orjson.loads(await execution_document(state, started.id))
        assert shown["status"] == "completed"
        assert shown["tasks"]["b"]["operator"]["action"] == "complete"
        assert shown["tasks"]["c"]["output"] == {"rows": 3}


CHANGES: dict[str, Any] = {
    "status": "running",
    "attempts": 7,
    "output": {"x": 1},
    "error": {"kind": "boom"},
    "started_at": 5.0,
    "finished_at": 6.0,
    "history": [{"attempt": 1}],
    "child_execution_id": "child",
    "operator": {"action": "skip"},
    "input_override": {"a": 1},
}


def test_every_public_field_of_a_task_is_compared() -> None:
    """A field added to `TaskState` must be added to `task_made_from` (or here, if not shown)."""
    not_shown = {"budget_base"}
    names = {f.name for f in dataclasses.fields(TaskState)}
    assert names == set(CHANGES) | not_shown
    execution = ExecutionState(id="e", workflow={"tasks": {}}, input={})
    for name, value in CHANGES.items():
        task = TaskState()
        before = task_made_from(execution, "t", task)
        setattr(task, name, value)
        assert task_made_from(execution, "t", task) != before, name
    task = TaskState(history=[{"attempt": 1, "started_at": 1.0}])
    before = task_made_from(execution, "t", task)
    task.history[-1]["finished_at"] = 2.0  # the fold closes the last attempt in place
    assert task_made_from(execution, "t", task) != before
    before = task_made_from(execution, "t", task)
    execution.expansions["t"] = ["a", "b"]
    assert task_made_from(execution, "t", task) != before


def test_kept_tasks_are_bounded() -> None:
    workflow = {"tasks": {f"t{i}": task("core.echo") for i in range(50)}}
    states = [ExecutionState(id=f"e{n}", workflow=workflow, input={}) for n in range(3)]
    for execution in states:
        execution.tasks = {tid: TaskState() for tid in workflow["tasks"]}
    one = len(LiveDocuments().document(states[0]))
    documents = LiveDocuments(max_bytes=int(one * 2.5))
    for execution in states:
        assert documents.document(execution) == fresh(execution)
    assert 0 < documents.kept_bytes <= documents.max_bytes  # the oldest was dropped
    documents.prune(lambda execution_id: None)  # none of them runs any more
    assert documents.kept_bytes == 0
    small = LiveDocuments(max_bytes=10)  # one execution larger than all: not kept
    assert small.document(states[0]) == fresh(states[0]) and small.kept_bytes == 0

"""A runner needs of its engine only what `RunnerHost` lists: here it runs a workflow to its end
for a host that has nothing else (no catalog, no index, no operator actions, no recovery).

Every test runs on asyncio and trio (see `anyio_backend` in conftest.py).
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.workflows import task

from harmonia.bus import EventBus
from harmonia.components import default_registry
from harmonia.components.urls import ComponentUrls
from harmonia.components.workflow import ChildRequest
from harmonia.engine.crashloop import CrashLoopGuard
from harmonia.engine.hooks import EngineHooks
from harmonia.engine.host import RunnerHost
from harmonia.engine.persistence import new_execution_id
from harmonia.engine.plan import ExecutionPlan
from harmonia.engine.runner import ExecutionRunner
from harmonia.engine.writer import DurableWriter
from harmonia.errors import TaskError
from harmonia.events import Event, EventType
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState, apply
from harmonia.store import Store

pytestmark = pytest.mark.anyio


class NoChildren:
    """A host without sub-workflows: `workflow.run` tasks fail."""

    async def run_child(self, request: ChildRequest) -> Any:
        raise TaskError("no sub-workflows here")


class BareHost:
    """Exactly the members of `RunnerHost`, and a record of what the runner asked of them."""

    def __init__(self, writer: DurableWriter) -> None:
        self.clock = time.time
        self.rng = random.Random(0)
        self.writer = writer
        self.crash_loops = CrashLoopGuard(0)
        self.hooks = EngineHooks()
        self.task_environ: dict[str, str] = {}
        self.component_urls = ComponentUrls(None)
        self.max_fanout_items = 10
        self.executor = None
        self.children = NoChildren()
        self.emitted: list[tuple[str, str | None]] = []
        self.persisted: list[bool] = []

    def emit(
        self, state: ExecutionState, type: str, task_id: str | None, data: dict[str, Any]
    ) -> Event:
        event = Event(state.last_seq + 1, type, state.id, task_id, self.clock(), data)
        apply(state, event)
        self.writer.submit(event)
        self.emitted.append((type, task_id))
        return event

    async def persist(self, state: ExecutionState, *, final: bool) -> None:
        self.persisted.append(final)
        await self.writer.flush()


async def no_replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
    return []


async def test_a_runner_runs_a_workflow_for_a_host_with_nothing_but_the_protocol(
    data_dir: Path,
) -> None:
    store = Store(data_dir)
    store.open_catalog()
    workflow = load_workflow_dict(
        {
            "name": "bare",
            "tasks": {
                "a": task("core.echo", input={"n": 1}),
                "b": task("core.echo", "a", input={"from_a": "${tasks.a.output.n}"}),
            },
        }
    )
    registry = default_registry()
    plan = ExecutionPlan.for_workflow(workflow, registry)
    execution_id, lock = store.new_execution(lambda: new_execution_id(time.time()))
    state = ExecutionState.new(execution_id, workflow.to_document(), {}, time.time())
    writer = DurableWriter(store, EventBus(no_replay))
    host = BareHost(writer)
    protocol: RunnerHost = host  # `mypy tests/engine/test_host.py` checks that it is one
    runner = ExecutionRunner(protocol, state, plan, lock, {})
    try:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(writer.run)
                await runner.run()
                writer.close()
    finally:
        lock.release()
        await registry.aclose()
        store.close()
    assert state.status == "completed"
    assert state.tasks["b"].output == {"from_a": 1}
    assert host.persisted == [True]  # once, at the end, as final
    assert host.emitted[-1] == (EventType.WORKFLOW_COMPLETED, None)
    assert not runner.interrupted and not runner.paused
    journal = [(e.type, e.task_id) for e in store.read_events(execution_id)]
    assert journal == host.emitted

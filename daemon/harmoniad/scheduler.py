"""The daemon's scheduler: `harmonia.schedules.Scheduler` over this daemon's engine.

Starts a schedule's stored workflow as `POST /api/v1/executions` would (loaded and checked off
the event loop), with the schedule's trigger recorded on the execution; finds, after a crash,
the execution a claimed run started by looking its trigger up in the engine's index.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio

from harmonia.engine.engine import Engine
from harmonia.errors import NotFound
from harmonia.events import TERMINAL_WORKFLOW_EVENTS
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.schedules.clock import Clock, SystemClock
from harmonia.schedules.loop import Scheduler
from harmonia.schedules.records import ScheduleStore
from harmonia.store.definitions import WorkflowDefinitions

__all__ = ["EngineLauncher", "daemon_scheduler"]

ACTIVE = ("pending", "running", "paused")
"""Statuses of an execution that has not finished: the overlap policy counts them (a paused
run may be resumed; a failed one only by an operator, and it is finished until then)."""


class EngineLauncher:
    """Starts and watches executions for the scheduler."""

    def __init__(self, engine: Engine, definitions: WorkflowDefinitions) -> None:
        self.engine = engine
        self.definitions = definitions
        self._loads = anyio.CapacityLimiter(2)
        self._loading: dict[str, _SharedLoad] = {}

    async def workflow(self, workflow_id: str) -> Workflow:
        """The stored workflow, read and checked in a worker thread; schedules of the same
        workflow due at once share one reading (a hundred due in one second would otherwise
        read and check it a hundred times before any run starts)."""
        shared = self._loading.get(workflow_id)
        if shared is not None:
            await shared.done.wait()
            return shared.result()
        shared = self._loading[workflow_id] = _SharedLoad()
        registry = self.engine.registry

        def load() -> Workflow:
            document = self.definitions.get(workflow_id)["document"]
            return load_workflow_dict(
                document, source=f"workflow {workflow_id}", registry=registry, stored=True
            )

        try:
            shared.value = await anyio.to_thread.run_sync(load, limiter=self._loads)
        except Exception as exc:
            shared.error = exc
        finally:
            del self._loading[workflow_id]
            shared.done.set()
        return shared.result()

    async def check(self, workflow_id: str, input: dict[str, Any]) -> None:
        """A schedule's workflow exists and takes its input (`ValidationFailed` by field)."""
        workflow = await self.workflow(workflow_id)
        workflow.validate_input(input)

    async def start(self, workflow_id: str, input: dict[str, Any], trigger: dict[str, Any]) -> str:
        workflow = await self.workflow(workflow_id)
        state = await self.engine.start(workflow, input, trigger=trigger)
        return state.id

    async def prepare(self) -> None:
        await self.engine.index.rows()  # read the catalog: rows of executions at rest

    def is_active(self, execution_id: str) -> bool:
        """From the live state, else the catalog's row: a run paused before a restart is at
        rest (nobody drives it) and has still not finished."""
        live = self.engine.live_state(execution_id)
        if live is not None:
            return str(live.status) in ACTIVE
        row = self.engine.index.peek(execution_id)
        return row is not None and str(row.get("status")) in ACTIVE

    async def find(self, trigger: dict[str, Any]) -> str | None:
        for row in await self.engine.index.rows():
            if row.get("trigger") == trigger:
                return str(row["id"])
        return None

    async def wait(self, execution_id: str) -> None:
        """Until the execution finished: by its events, so a pause (after which the engine
        stops driving it) is waited through, and a resume after a restart is seen."""
        with contextlib.suppress(NotFound):
            state = await self.engine.get(execution_id)
            if str(state.status) not in ACTIVE:
                return
            # no checkpoint since `get`: every later event reaches the subscription
            events = self.engine.subscribe(
                execution_id, after_seq=state.last_seq, until_finished=True
            )
            try:
                async for event in events:
                    if event.type in TERMINAL_WORKFLOW_EVENTS:
                        return
            finally:
                events.close()


class _SharedLoad:
    def __init__(self) -> None:
        self.done = anyio.Event()
        self.value: Workflow | None = None
        self.error: Exception | None = None

    def result(self) -> Workflow:
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


def daemon_scheduler(
    engine: Engine, definitions: WorkflowDefinitions, clock: Clock | None = None
) -> Scheduler:
    launcher = EngineLauncher(engine, definitions)
    store = ScheduleStore(engine.store.data_dir)
    return Scheduler(store, launcher, clock or SystemClock(), check=launcher.check)

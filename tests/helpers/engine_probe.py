"""A test component that records what the engine makes it do, and helpers for engine tests.

`Probe` is a real component (`probe.work`) registered next to the built-in ones. Every call is
logged with its execution, task and attempt, together with how many calls were running at that
moment, so tests can check ordering, exactly-once execution and the concurrency limit without
timing assumptions. A call can be told to fail its first N times, to hang until cancelled, or
to wait for a gate the test opens; waiting on the probe (`until`) is condition-based.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from helpers.waiting import wait_until_async
from pydantic import BaseModel, ConfigDict

from harmonia.components import ActionContext, Component, ComponentRegistry, default_registry
from harmonia.components.base import ModelAction
from harmonia.engine import Engine, open_engine
from harmonia.errors import TaskError
from harmonia.events import Event
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState
from harmonia.store import Store

FAST_RETRY = {"initial_delay": 0.01, "backoff_multiplier": 2.0, "jitter": 0.0}


@dataclass(frozen=True)
class Call:
    execution_id: str
    task_id: str
    attempt: int


class WorkInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = None
    seconds: float = 0.0
    fail_times: int = 0
    """Fail the first N calls of this task (counted per task id, across executions)."""
    kind: str = "error"
    hang_times: int = 0
    """The first N calls of this task wait until they are cancelled."""
    gate: str | None = None
    """Wait until the test opens this gate (`Probe.open`)."""
    fail_while: str | None = None
    """Fail (kind `kind`) while this flag is in `Probe.flags`: a cause an operator can fix."""


class WorkAction(ModelAction[WorkInput]):
    name = "work"
    description = "Record the call; optionally wait, hang, fail; return the value."
    input_model = WorkInput

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def run(self, ctx: ActionContext, params: WorkInput) -> Any:
        return await self.probe.work(ctx, params)


class Probe(Component):
    """`probe.work`; one instance per test, shared by every engine of that test."""

    def __init__(self) -> None:
        super().__init__("probe", "records calls for engine tests", [WorkAction(self)])
        self.calls: list[Call] = []
        self.log: list[tuple[str, str]] = []
        """("start" | "end" | "fail" | "cancel", task id), in the order it happened."""
        self.counts: dict[str, int] = {}
        self.running = 0
        self.max_running = 0
        self.flags: set[str] = set()
        self._gates: set[str] = set()
        self._changed: anyio.Event | None = None

    # ---- what tests call -----------------------------------------------------------------
    def calls_of(self, task_id: str) -> list[Call]:
        return [c for c in self.calls if c.task_id == task_id]

    def open(self, gate: str) -> None:
        self._gates.add(gate)
        self._notify()

    async def until(
        self, predicate: Callable[[], bool], within: float = 10.0, what: str = "a probe condition"
    ) -> None:
        """Wait until `predicate()` holds; it is re-checked whenever the probe records something."""
        await wait_until_async(predicate, within, what, wake=self._next_change)

    async def _next_change(self) -> None:
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()

    async def started(self, task_id: str, times: int = 1) -> None:
        await self.until(lambda: self.counts.get(task_id, 0) >= times)

    # ---- the action ----------------------------------------------------------------------
    def _notify(self) -> None:
        event, self._changed = self._changed, None
        if event is not None:
            event.set()

    async def work(self, ctx: ActionContext, params: WorkInput) -> Any:
        tid = ctx.task_id
        n = self.counts.get(tid, 0) + 1
        self.counts[tid] = n
        self.calls.append(Call(ctx.execution_id, tid, ctx.attempt))
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        self.log.append(("start", tid))
        self._notify()
        outcome = "cancel"
        try:
            await anyio.lowlevel.checkpoint()
            if n <= params.hang_times:
                await anyio.sleep_forever()
            if params.gate is not None:
                while params.gate not in self._gates:
                    await self.until(lambda: params.gate in self._gates, within=60)
            if params.seconds:
                await anyio.sleep(params.seconds)
            if n <= params.fail_times or (
                params.fail_while is not None and params.fail_while in self.flags
            ):
                outcome = "fail"
                raise TaskError(f"{tid} failed on call {n}", params.kind)
            outcome = "end"
            return {"task": tid, "attempt": ctx.attempt, "value": params.value}
        finally:
            self.running -= 1
            self.log.append((outcome, tid))
            self._notify()


def registry_with(probe: Probe) -> ComponentRegistry:
    registry = default_registry()
    registry.register(probe)
    return registry


@dataclass
class ProbeBench:
    """What an engine test sets up before anything runs: its data folder, a fresh probe, and a
    registry with the probe next to the built-in components, shared by every engine the test
    opens (one after the other, as a restarted daemon would)."""

    data_dir: Path
    probe: Probe = field(default_factory=Probe)
    registry: ComponentRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = registry_with(self.probe)

    def workflow(self, tasks: Mapping[str, Mapping[str, Any]], **fields: Any) -> Workflow:
        """`workflow(tasks, registry, **fields)` with this bench's registry."""
        return workflow(tasks, self.registry, **fields)

    def engine(self, **overrides: Any) -> AbstractAsyncContextManager[Engine]:
        """`open_engine` over this bench's folder and registry, with `engine_options`."""
        return open_engine(self.data_dir, self.registry, **engine_options(**overrides))

    async def run(
        self, wf: Workflow, input: Mapping[str, Any] | None = None, **overrides: Any
    ) -> ExecutionState:
        """`wf` run to its end in an engine opened for it (`engine(**overrides)`) and closed."""
        async with self.engine(**overrides) as engine:
            return await run_to_end(engine, wf, input)

    def store(self) -> Store:
        """A fresh view of what is on disk (no engine's memory)."""
        return Store(self.data_dir)


async def run_afresh(
    tasks: Mapping[str, Mapping[str, Any]], **fields: Any
) -> tuple[Probe, ExecutionState]:
    """`tasks` run to their end with a new probe, in an engine over a temporary folder: a
    hypothesis example gets no fixture, and each must start from nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        bench = ProbeBench(Path(tmp) / "data")
        state = await bench.run(bench.workflow(tasks, **fields))
    return bench.probe, state


def workflow(
    tasks: Mapping[str, Mapping[str, Any]],
    registry: ComponentRegistry | None = None,
    **fields: Any,
) -> Workflow:
    """A workflow from a task mapping; each task defaults to `probe.work` with no input."""
    doc_tasks: dict[str, dict[str, Any]] = {}
    for tid, spec in tasks.items():
        task = dict(spec)
        task.setdefault("component", "probe")
        task.setdefault("action", "work")
        doc_tasks[tid] = task
    doc = {"name": fields.pop("name", "test-flow"), **fields, "tasks": doc_tasks}
    return load_workflow_dict(doc, registry=registry)


def engine_options(**overrides: Any) -> dict[str, Any]:
    """Options for `open_engine` that keep tests deterministic and quiet."""
    options: dict[str, Any] = {"checkpoint_interval": None, "rng": random.Random(0)}
    options.update(overrides)
    return options


async def wait_for(
    predicate: Callable[[], bool], within: float = 10.0, what: str = "a condition"
) -> None:
    """Poll a condition that nothing notifies us about (a file, live state), with a deadline."""
    await wait_until_async(predicate, within, what, interval=0.005)


async def run_to_end(
    engine: Engine, wf: Workflow, input: Mapping[str, Any] | None = None
) -> ExecutionState:
    state = await engine.start(wf, input)
    return await engine.wait(state.id)


async def collect_until(
    engine: Engine,
    execution_id: str,
    stop: Callable[[Event], bool],
    *,
    after_seq: int | None = 0,
) -> list[Event]:
    """Events of an execution (from `after_seq`) up to and including the first that `stop`s."""
    seen: list[Event] = []
    subscription = engine.subscribe(execution_id, after_seq=after_seq)
    try:
        with anyio.fail_after(10):
            async for event in subscription:
                seen.append(event)
                if stop(event):
                    break
    finally:
        subscription.close()
    return seen


def journal_path(data_dir: Path, execution_id: str) -> Path:
    return data_dir / "executions" / execution_id / "journal.jsonl"

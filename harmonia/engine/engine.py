"""The engine: one data folder's store, durable writer and event bus, and the executions it runs.

`Engine` is the one object callers use (daemon, CLI, tests); its parts each have a module: live
executions (`live`), records (`persistence`), operator actions (`operations`), checkpoints,
recovery, storage health. Run one with `open_engine`; it tunes nothing process-wide itself.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio

import harmonia.engine.approvals as approvals
import harmonia.engine.fixes as fixes
import harmonia.engine.operations as operations
from harmonia.bus import EventBus, Subscription
from harmonia.components import ComponentRegistry, default_registry
from harmonia.engine.children import ChildLauncher, check_start_recursion
from harmonia.engine.crashloop import CrashLoopGuard
from harmonia.engine.damaged import sweep as sweep_damaged
from harmonia.engine.fanout_ops import fanout_limit, restore_items
from harmonia.engine.hooks import EngineHooks
from harmonia.engine.index import ExecutionIndex
from harmonia.engine.live import LiveExecutions
from harmonia.engine.persistence import ExecutionRecords
from harmonia.engine.plan import ExecutionPlan
from harmonia.engine.recovery import recover as recover_interrupted
from harmonia.engine.replays import SharedReplays
from harmonia.engine.retry_plan import RetryPlan, preview_retry
from harmonia.engine.runner import ExecutionRunner
from harmonia.engine.storagehealth import PROBE_FIRST, PROBE_MAX, StorageHealth
from harmonia.engine.writer import DurableWriter
from harmonia.errors import Problem, StorageUnavailable, ValidationFailed
from harmonia.events import Event, EventType
from harmonia.executors.base import TaskExecutor
from harmonia.executors.placement import dask_tasks
from harmonia.gcpause import cycle_collection_paused
from harmonia.model import Workflow, load_stored_workflow
from harmonia.state import ExecutionState, TaskState, TaskStatus, apply
from harmonia.store import Store
from harmonia.store.store import ExecutionLock
from harmonia.taskenv import TaskEnvironment, secret_names

DEFAULT_CHECKPOINT_INTERVAL = 60.0


PREPARE_INLINE_TASKS = 20
"""Workflows of up to this many tasks are planned on the event loop when they start."""


class Engine:
    """Runs workflow executions durably. Use `open_engine(data_dir)` to get a running one."""

    def __init__(
        self,
        store: Store,
        registry: ComponentRegistry | None = None,
        *,
        checkpoint_interval: float | None = DEFAULT_CHECKPOINT_INTERVAL,
        rng: random.Random | None = None,
        env: Mapping[str, str] | None = None,
        secret_env: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        hooks: EngineHooks | None = None,
        crash_loop_limit: int | None = None,
        retry_storage: bool = True,
        storage_probe: tuple[float, float] = (PROBE_FIRST, PROBE_MAX),
        max_fanout_items: int | None = None,
        executor: TaskExecutor | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        """Where shell, python and http tasks run (Dask; `harmonia.executors`); None: here.
        The engine owns it: it serves it while it runs and closes it when it stops."""
        self.max_fanout_items = fanout_limit(max_fanout_items)
        """Most items one `for_each` task may expand to, unless it sets `max_items` itself."""
        self.hooks = hooks or EngineHooks()
        """Told about process-wide resources the engine's work touches (`harmonia.engine.hooks`);
        the default does nothing, `harmonia.engine.tuning.ProcessTuning` tunes the process."""
        self.crash_loops = CrashLoopGuard(crash_loop_limit)
        """A task running at `crash_loop_limit` crashes in a row (None: the environment's
        HARMONIA_CRASH_LOOP_LIMIT, else 3; 0: never) is failed as `crash_loop` rather than run
        again (see `harmonia.engine.crashloop`)."""
        self.registry = registry or default_registry()
        self.component_urls = self.registry.urls
        """What `${components.NAME.url}` reads: the registry's remote components' URLs."""
        self.checkpoint_interval = checkpoint_interval
        self.rng = rng or random.Random()
        withheld = secret_names(secret_env)
        self.env: Mapping[str, str] = TaskEnvironment(
            env if env is not None else os.environ, withheld
        )
        """What `${env.NAME}` reads: never one of Harmonia's secrets (`harmonia.taskenv`)."""
        self.task_environ: Mapping[str, str] = TaskEnvironment(os.environ, withheld)
        """The environment of the processes tasks start: this one's, without the secrets."""
        self.clock = clock
        self.replays = SharedReplays(store.read_events, self._published_seq)
        """Journal pages read for subscribers that fell behind, shared between them."""
        self.bus = EventBus(self.replays)
        self.writer = DurableWriter(store, self.bus, hooks=self.hooks)
        self.storage = StorageHealth(
            self,
            retry=retry_storage,
            probe_first=storage_probe[0],
            probe_max=storage_probe[1],
            clock=clock,
        )
        """Whether durable writes work; after a failure, brings stopped executions back
        (`retry_storage`) or leaves them stopped (see `harmonia.engine.storagehealth`)."""
        self.index = ExecutionIndex(store)
        """Every execution's summary row, kept current here: listings read it, not the disk."""
        self.records = ExecutionRecords(store, self.writer, self.index, self.storage, clock)
        self.live = LiveExecutions(self)
        """The executions this engine holds, each with its runner."""
        self.children = ChildLauncher(self)
        """Starts and awaits the child executions of `workflow.run` tasks (sub-workflows);
        `children.max_depth` bounds their nesting."""
        self.approvals = approvals.ApprovalGates(self)
        """The timers of tasks waiting at approval gates (`harmonia.engine.approvals`)."""

    # ---- events ----------------------------------------------------------------------------
    def emit(
        self, state: ExecutionState, type: str, task_id: str | None, data: dict[str, Any]
    ) -> Event:
        """Record a state change: applied in memory now, published once durable.

        The event is serialised first, so data that is not JSON raises TypeError here and
        leaves the state untouched."""
        event = Event(state.last_seq + 1, type, state.id, task_id, self.clock(), data)
        event.to_journal_line()
        apply(state, event)
        self.writer.submit(event)
        return event

    def subscribe(
        self,
        execution_id: str | None = None,
        *,
        after_seq: int | None = None,
        until_finished: bool = False,
        maxsize: int = 10_000,
    ) -> Subscription:
        """Live events (see `EventBus.subscribe`). A caller following an execution that has
        already finished should call `end_after_replay()` on the subscription: no terminal
        event will come to end it."""
        return self.bus.subscribe(
            execution_id, after_seq=after_seq, until_finished=until_finished, maxsize=maxsize
        )

    def _published_seq(self, execution_id: str) -> int | None:
        """How far replays may read an execution's journal: what the bus published, or, for one
        this engine holds but has published nothing of yet, what was on disk when it was loaded
        (the lines its writer appends are not durable until published). None: not held here."""
        published = self.bus.published_seq(execution_id)
        if published is None and execution_id in self.live:
            return self.live.loaded_seq(execution_id)
        return published

    async def persist(self, state: ExecutionState, *, final: bool) -> None:
        """Write the execution's snapshot and catalog row; return once they and all its events
        are on disk (`StorageUnavailable` if a write failed)."""
        await self.records.persist(state, final=final)

    # ---- starting executions -------------------------------------------------------------
    async def start(
        self,
        workflow: Workflow,
        input: Mapping[str, Any] | None = None,
        *,
        origin: str | Path | None = None,
        parent: dict[str, Any] | None = None,
        announce: Callable[[str], Awaitable[None]] | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> ExecutionState:
        """Validate the input, record the execution and start it; returns its live state.

        `origin`: the folder of the workflow's file, where its sub-workflow paths are found
        (None: stored ids only). `parent` and `announce` are for child executions
        (`harmonia.engine.children`): the link to the parent task, and a call that records the
        new id in the parent's journal before the child starts. `trigger` says what started
        it (a schedule), kept with it and on `workflow_started`."""
        self.storage.check()
        given = workflow.validate_input(input or {})
        if self.executor is None and (wanting := dask_tasks(workflow)):
            raise ValidationFailed(
                [
                    Problem(
                        "executor 'dask' needs an engine started with --executor dask",
                        task=tid,
                        field="executor",
                    )
                    for tid in wanting[:10]
                ]
            )
        origin = None if origin is None else str(origin)  # callers give it absolute
        if parent is None:  # a child's chain was checked when its root started
            await check_start_recursion(self, workflow, origin)

        def prepare() -> tuple[ExecutionPlan, dict[str, Any]]:
            return ExecutionPlan.for_workflow(workflow, self.registry), workflow.to_document()

        with cycle_collection_paused():
            if len(workflow.tasks) > PREPARE_INLINE_TASKS:
                # a large workflow takes a while: in a worker thread, the loop goes on serving
                plan, document = await anyio.to_thread.run_sync(prepare)
            else:  # cheaper than the trip to a thread and back (a burst of webhook starts)
                plan, document = prepare()
            execution_id, lock = await self.records.new_execution()
            state = ExecutionState.new(
                execution_id,
                document,
                given,
                self.clock(),
                parent=parent,
                origin=origin,
                trigger=trigger,
            )
            self.hooks.execution_built(state.id, len(state.tasks))
        if announce is not None:
            try:
                await announce(execution_id)
            except BaseException:
                self.hooks.execution_released(state.id)
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self.store.abandon_execution, execution_id, lock)
                raise
        started: dict[str, Any] = {"workflow": workflow.name, "version": workflow.version}
        if parent is not None:
            started["parent"] = parent
        if trigger is not None:
            started["trigger"] = trigger
        await self._create(state, plan, started, lock)
        return state

    async def restore(self, checkpoint_id: str) -> ExecutionState:
        """A new execution from a checkpoint: completed and skipped results are kept, every
        other task runs."""
        self.storage.check()
        record = await anyio.to_thread.run_sync(self.store.load_checkpoint, checkpoint_id)
        meta, source_execution = record["meta"], record["execution_id"]
        with cycle_collection_paused():
            workflow = load_stored_workflow(meta["workflow"])
            plan = ExecutionPlan.for_workflow(workflow, self.registry)
            tasks: dict[str, TaskState] = {}
            for tid in workflow.tasks:
                saved = TaskState.from_record(record["tasks"].get(tid, {}))
                kept = saved.status in (TaskStatus.COMPLETED, TaskStatus.SKIPPED)
                tasks[tid] = saved if kept else TaskState()
            expansions = restore_items(meta, record["tasks"], tasks)
            execution_id, lock = await self.records.new_execution()
            state = ExecutionState.new(
                execution_id,
                meta["workflow"],
                meta["input"],
                self.clock(),
                restored_from=checkpoint_id,
                tasks=tasks,
                expansions=expansions,
                origin=meta.get("origin"),  # its sub-workflow paths start where they did
            )
            del record, tasks  # the checkpoint's copy: only what the state took is kept
            self.hooks.execution_built(state.id, len(state.tasks))
        started = {
            "workflow": workflow.name,
            "version": workflow.version,
            "restored_from": checkpoint_id,
            "source_execution": source_execution,
        }
        await self._create(state, plan, started, lock)
        return state

    async def _create(
        self,
        state: ExecutionState,
        plan: ExecutionPlan,
        started: dict[str, Any],
        lock: ExecutionLock,
    ) -> None:
        try:
            await self.records.create(state, lock)
            runner = ExecutionRunner(self, state, plan, lock, self.env)
            self.live.add(runner)
            data = {**started, "input": state.input, "task_count": len(state.tasks)}
            self.emit(state, EventType.WORKFLOW_STARTED, None, data)
            self.records.save_summary(state)
            self.live.spawn(runner)
        except BaseException:
            self.hooks.execution_released(state.id)
            raise

    # ---- reading ---------------------------------------------------------------------------
    async def get(self, execution_id: str) -> ExecutionState:
        """The live state if this process runs it, else the recovered state from disk."""
        runner = self.live.get(execution_id)
        if runner is not None:
            return runner.state
        return await anyio.to_thread.run_sync(self.store.load_execution, execution_id)

    async def wait(self, execution_id: str) -> ExecutionState:
        """Wait until the execution stops running here (finished, paused or interrupted) and
        everything about it is durable."""
        runner = self.live.get(execution_id)
        if runner is None:
            return await self.get(execution_id)
        while runner.active and not runner.finished.is_set():
            await runner.finished.wait()
        return runner.state

    def is_live(self, execution_id: str) -> bool:
        """Whether this engine holds the execution (running it, or loaded for an action)."""
        return execution_id in self.live

    def live_ids(self) -> list[str]:
        """The executions this engine holds right now (see `is_live`)."""
        return self.live.ids()

    def live_state(self, execution_id: str) -> ExecutionState | None:
        """The state of an execution this process drives, without waiting; None otherwise."""
        runner = self.live.get(execution_id)
        return None if runner is None else runner.state

    # ---- operator actions (`harmonia.engine.operations`) -------------------------------------
    async def resume(
        self, execution_id: str, *, reason: str = "resume", from_damaged: bool = False
    ) -> ExecutionState:
        """Go on with a paused, failed, canceled or interrupted execution.

        Tasks that were running when their process died run again (attempt numbers carried
        on); failed and canceled tasks get fresh attempts; completed tasks never run again.
        `from_damaged`: the operator resumes a damaged execution from the readable part of its
        journal (anything after the damage is set aside; see `harmonia.engine.damaged`).
        """
        return await operations.resume(self, execution_id, reason=reason, from_damaged=from_damaged)

    async def retry_task(
        self,
        execution_id: str,
        task_id: str,
        *,
        input: dict[str, Any] | None = None,
        by: str | None = None,
    ) -> list[str]:
        """Run `task_id` and everything downstream of it again; keep every other result.
        `input` is merged over the task's rendered input for its next attempts. Returns the
        tasks that will run again (exactly `retry_plan(...).reset`)."""
        return await operations.retry_task(self, execution_id, task_id, input=input, by=by)

    async def retry_plan(self, execution_id: str, task_id: str) -> RetryPlan:
        """What `retry_task` would reset now, and whether it would be refused; changes nothing."""
        return await preview_retry(self, execution_id, task_id)

    async def complete_task(
        self, execution_id: str, task_id: str, output: Any, *, by: str = "operator"
    ) -> list[str]:
        """Mark a failed, pending, waiting or canceled task completed with `output`; what is
        below it runs as if the task had returned it. Returns the tasks below it decided again."""
        return await fixes.complete_task(self, execution_id, task_id, output, by=by)

    async def skip_task(
        self, execution_id: str, task_id: str, *, by: str = "operator", reason: str | None = None
    ) -> list[str]:
        """Mark a failed, pending, waiting or canceled task skipped; what is below it goes on by its
        rules for a skipped parent. Returns the tasks below it decided again."""
        return await fixes.skip_task(self, execution_id, task_id, by=by, reason=reason)

    async def pause(self, execution_id: str) -> ExecutionState:
        """Start nothing new; running tasks finish. `resume` goes on."""
        return await operations.pause(self, execution_id)

    async def cancel(
        self, execution_id: str, *, reason: str = "canceled by operator"
    ) -> ExecutionState:
        """Cancel running tasks and record the execution as canceled."""
        return await operations.cancel(self, execution_id, reason=reason)

    async def checkpoint(self, execution_id: str, name: str | None = None) -> dict[str, Any]:
        """A named snapshot of the execution as it is now; `restore` starts from it."""
        return await operations.checkpoint(self, execution_id, name)

    async def approve(
        self, execution_id: str, task_id: str, *, by: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Approve a task waiting at an approval gate: it completes with the decision."""
        return await approvals.decide(
            self, execution_id, task_id, approve=True, by=by, reason=reason
        )

    async def reject(
        self, execution_id: str, task_id: str, *, by: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Reject a task waiting at an approval gate: it fails with kind `rejected`."""
        return await approvals.decide(
            self, execution_id, task_id, approve=False, by=by, reason=reason
        )

    # ---- recovery and shutdown -------------------------------------------------------------
    async def recover(self) -> list[str]:
        """Resume every execution that was running when its process died (daemon start)."""
        return await recover_interrupted(self)

    async def find_damaged(self) -> tuple[int, list[ExecutionState]]:
        """Check every stored execution not running here; see `harmonia.engine.damaged.sweep`."""
        return await sweep_damaged(self)

    async def shutdown(self) -> None:
        """Stop every runner without recording an end (they resume on the next start)."""
        with anyio.CancelScope(shield=True):
            self.storage.stop()
            self.approvals.stop()
            runners = self.live.runners()
            for runner in runners:
                if runner.active:
                    runner.request_interrupt()
            for runner in runners:
                while runner.active:
                    await runner.finished.wait()
                # a failed storage: what is not durable stays so; they resume from the journal
                with suppress(StorageUnavailable):
                    await self.live.release_if_idle(runner)
                self.live.forget(runner)
            with suppress(StorageUnavailable):
                await self.writer.flush()
            await self.registry.aclose()  # worker processes go with the engine
            if self.executor is not None:
                await self.executor.aclose()
            self.bus.close_all()
            self.writer.close()


@asynccontextmanager
async def open_engine(
    data_dir: str | Path,
    registry: ComponentRegistry | None = None,
    **options: Any,
) -> AsyncIterator[Engine]:
    """Run an engine for the body of the `async with`; on exit, running executions are
    interrupted (not canceled) and everything is flushed to disk. `hooks=` (see `Engine`) is
    how a program that owns its process tunes it (`harmonia.engine.tuning`)."""
    store = Store(data_dir)
    try:
        await anyio.to_thread.run_sync(store.open_catalog)
        engine = Engine(store, registry, **options)
    except BaseException:
        executor: TaskExecutor | None = options.get("executor")
        if executor is not None:  # given to an engine that never came to be: closed here
            with anyio.CancelScope(shield=True):
                await executor.aclose()
        raise
    try:
        # The writer and the storage health live outside the executions' task group: when an
        # execution's run fails (a bug), that group is cancelled, and the shutdown that follows
        # still needs the writer to flush (`shutdown` ends both).
        async with anyio.create_task_group() as infrastructure:
            infrastructure.start_soon(engine.writer.run, name="harmonia writer")
            infrastructure.start_soon(engine.storage.run, name="harmonia storage health")
            infrastructure.start_soon(engine.approvals.run, name="harmonia approval timers")
            if engine.executor is not None:
                infrastructure.start_soon(engine.executor.serve, name="harmonia executor")
            try:
                async with anyio.create_task_group() as tg:
                    engine.live.run_in(tg)
                    try:
                        yield engine
                    finally:
                        await engine.shutdown()
            finally:
                engine.storage.stop()
                engine.approvals.stop()
                engine.writer.close()
    finally:
        store.close()

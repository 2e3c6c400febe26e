"""The engine: starts executions, applies operator actions, and recovers after crashes.

One `Engine` owns one data folder's store, one durable writer and one event bus. It runs inside
an anyio task group (see `open_engine`); each execution gets an `ExecutionRunner` in that group.
Operator actions (pause, resume, cancel, retry a task, checkpoint, restore) are methods here;
each records an event first, so a crash at any moment leaves a journal that says what happened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

import harmonia.engine.damaged as damaged
from harmonia.bus import EventBus, Subscription
from harmonia.components import ComponentRegistry, default_registry
from harmonia.engine.crashloop import CrashLoopGuard
from harmonia.engine.gcpolicy import (
    DEFAULT_FREEZE_MIN_TASKS,
    cycle_collection_paused,
    heap_freezer,
)
from harmonia.engine.index import ExecutionIndex
from harmonia.engine.plan import ExecutionPlan
from harmonia.engine.runner import ExecutionRunner
from harmonia.engine.storagehealth import PROBE_FIRST, PROBE_MAX, StorageHealth
from harmonia.engine.writer import DurableWriter, unavailable
from harmonia.errors import InvalidOperation, NotFound, StorageUnavailable
from harmonia.events import Event, EventType
from harmonia.model import LOADER_CONTEXT_KEY, Workflow
from harmonia.state import (
    EXECUTION_FINISHED,
    TASK_ACTIVE,
    ExecutionState,
    ExecutionStatus,
    TaskState,
    TaskStatus,
    apply,
)
from harmonia.store import Store
from harmonia.store.storage import STORAGE_ERRNOS, CorruptDatabase
from harmonia.store.store import ExecutionLock, snapshot_of, snapshot_rows
from harmonia.taskenv import TaskEnvironment, secret_names

DEFAULT_CHECKPOINT_INTERVAL = 60.0

logger = logging.getLogger("harmonia.engine")


def load_stored_workflow(doc: Mapping[str, Any]) -> Workflow:
    """The workflow document an execution keeps, as a model again: the same as
    `harmonia.loader.load_stored_workflow`, without importing the loader (and its YAML parser),
    which resuming an execution does not need."""
    return Workflow.model_validate(doc, context={LOADER_CONTEXT_KEY: True})


def new_execution_id(now: float) -> str:
    """Sortable by creation time and readable: `20261126-133005-3fa9c1d2e4` (40 random bits).
    The store creates each execution's folder exclusively and asks again for an id already
    taken, so a repeat never overwrites anything (`Store.new_execution`)."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(5)


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
        freeze_gc_min_tasks: int | None = DEFAULT_FREEZE_MIN_TASKS,
        crash_loop_limit: int | None = None,
        retry_storage: bool = True,
        storage_probe: tuple[float, float] = (PROBE_FIRST, PROBE_MAX),
    ) -> None:
        self.store = store
        self.crash_loops = CrashLoopGuard(crash_loop_limit)
        """A task running at `crash_loop_limit` crashes in a row (None: the environment's
        HARMONIA_CRASH_LOOP_LIMIT, else 3; 0: never) is failed as `crash_loop` rather than run
        again (see `harmonia.engine.crashloop`)."""
        self.freeze_gc_min_tasks = freeze_gc_min_tasks
        """Executions of at least this many tasks freeze the heap while they are live (see
        `harmonia.engine.gcpolicy`); None never freezes."""
        self.registry = registry or default_registry()
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
        self.bus = EventBus(self._replay)
        self.writer = DurableWriter(store, self.bus)
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
        self._runners: dict[str, ExecutionRunner] = {}
        self._loaded_at: dict[str, int] = {}
        """The seq at which each execution was loaded from disk for an operator action."""
        self._tg: anyio.abc.TaskGroup | None = None

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

    async def _replay(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]:
        events = await anyio.to_thread.run_sync(
            self.store.read_events, execution_id, after_seq, limit
        )
        published = self.bus.published_seq(execution_id)
        if published is not None:
            # lines may be on disk but not yet fsynced: never hand those out early
            events = [e for e in events if e.seq <= published]
        return events

    # ---- starting executions -------------------------------------------------------------
    async def start(
        self, workflow: Workflow, input: Mapping[str, Any] | None = None
    ) -> ExecutionState:
        """Validate the input, record the execution and start it; returns its live state."""
        self.storage.check()
        given = workflow.validate_input(input or {})

        def prepare() -> tuple[ExecutionPlan, dict[str, Any]]:
            return ExecutionPlan.for_workflow(workflow, self.registry), workflow.to_document()

        with cycle_collection_paused():
            # a large workflow takes a while: in a worker thread, the loop goes on serving
            plan, document = await anyio.to_thread.run_sync(prepare)
            execution_id, lock = await self._new_execution()
            now = self.clock()
            state = ExecutionState.new(execution_id, document, given, now)
            self._freeze_if_large(state)
        try:
            await self._create(
                state, plan, {"workflow": workflow.name, "version": workflow.version}, lock
            )
        except BaseException:
            heap_freezer.release(self._freeze_key(state))
            raise
        return state

    async def _new_execution(self) -> tuple[str, ExecutionLock]:
        """A fresh id, its folder created exclusively and locked (see `Store.new_execution`)."""
        clock = self.clock
        try:
            return await anyio.to_thread.run_sync(
                self.store.new_execution, lambda: new_execution_id(clock())
            )
        except OSError as exc:
            if exc.errno not in STORAGE_ERRNOS:
                raise
            self.storage.report(exc)
            raise unavailable(exc) from None

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
                if saved.status in (TaskStatus.COMPLETED, TaskStatus.SKIPPED):
                    tasks[tid] = saved
                else:
                    tasks[tid] = TaskState()
            execution_id, lock = await self._new_execution()
            now = self.clock()
            state = ExecutionState.new(
                execution_id,
                meta["workflow"],
                meta["input"],
                now,
                restored_from=checkpoint_id,
                tasks=tasks,
            )
            del record, tasks  # the checkpoint's copy: only what the state took is kept
            self._freeze_if_large(state)
        try:
            await self._create(
                state,
                plan,
                {
                    "workflow": workflow.name,
                    "version": workflow.version,
                    "restored_from": checkpoint_id,
                    "source_execution": source_execution,
                },
                lock,
            )
        except BaseException:
            heap_freezer.release(self._freeze_key(state))
            raise
        return state

    async def _create(
        self,
        state: ExecutionState,
        plan: ExecutionPlan,
        started: dict[str, Any],
        lock: ExecutionLock,
    ) -> None:
        store = self.store
        if state.restored_from is None:
            # all pending: recovery rebuilds the task rows from the workflow document
            meta, tasks = state.meta_record(), dict[str, dict[str, Any]]()
        else:
            meta, tasks = snapshot_of(state)
        summary = state.summary()
        self.writer.submit_op(lambda: _create_or_undo(store, meta, tasks, summary))
        try:
            await self.writer.flush()
        except BaseException:
            await anyio.to_thread.run_sync(store.abandon_execution, state.id, lock)
            raise
        self.index.put(summary)
        runner = ExecutionRunner(self, state, plan, lock, self.env)
        self._runners[state.id] = runner
        self.emit(
            state,
            EventType.WORKFLOW_STARTED,
            None,
            {**started, "input": state.input, "task_count": len(state.tasks)},
        )
        self._save_summary(state)
        self._spawn(runner)

    def _save_summary(self, state: ExecutionState) -> None:
        """Refresh the execution's catalog row (status, counts) so listings are not stale.
        Queued behind the events it reflects; nobody waits for it."""
        store = self.store
        summary = state.summary()
        self.index.put(summary)
        self.writer.submit_op(lambda: store.put_summary(summary))

    def _spawn(self, runner: ExecutionRunner) -> None:
        if self._tg is None:
            raise RuntimeError("the engine is not running; use `async with open_engine(...)`")
        if not self.storage.available:  # failed since it was recorded: it starts on recovery
            self.storage.hold(runner.state.id)
            self._forget(runner)
            return
        runner.active = True
        runner.finished = anyio.Event()
        self._tg.start_soon(self._drive, runner, name=f"execution {runner.state.id}")

    async def _drive(self, runner: ExecutionRunner) -> None:
        while True:
            async with anyio.create_task_group() as tg:
                if self.checkpoint_interval:
                    tg.start_soon(self._periodic_checkpoints, runner, self.checkpoint_interval)
                await runner.run()
                tg.cancel_scope.cancel()
            # A resume or a task retry that arrived while the run was concluding (its outcome
            # already recorded, no task group left to pump) set the execution running again:
            # run again rather than leave it "running" with nothing driving it.
            if runner.state.status != ExecutionStatus.RUNNING or runner._interrupt:
                break
        runner.active = False
        if runner.state.status in EXECUTION_FINISHED or runner._interrupt:
            self._forget(runner)
        # Only now: a waiter that acts next (resume, retry, cancel) must find the runner at rest.
        runner.finished.set()

    def _forget(self, runner: ExecutionRunner) -> None:
        if self._runners.get(runner.state.id) is runner:  # not a successor loaded from disk
            del self._runners[runner.state.id]
            self._loaded_at.pop(runner.state.id, None)
        heap_freezer.release(self._freeze_key(runner.state))
        runner.lock.release()

    def _freeze_if_large(self, state: ExecutionState) -> None:
        """Keep the collector off a large execution's long-lived objects while it is here
        (see `harmonia.engine.gcpolicy`). Called once its workflow, plan and task states are
        built, and by its runner once a run's schedule is built; released by `_forget`."""
        limit = self.freeze_gc_min_tasks
        if limit is not None and len(state.tasks) >= limit:
            heap_freezer.hold(self._freeze_key(state))

    def _freeze_key(self, state: ExecutionState) -> tuple[int, str]:
        """Who holds the freeze: this engine's execution (engines share the one collector)."""
        return (id(self), state.id)

    async def _periodic_checkpoints(self, runner: ExecutionRunner, interval: float) -> None:
        """Snapshot a long execution now and then, so recovery replays a short journal."""
        written = runner.state.last_seq
        while True:
            await anyio.sleep(interval)
            # once the run's task group is gone the outcome is being recorded: a checkpoint
            # now would land after the execution's terminal event
            if runner.is_running and runner.state.last_seq != written:
                try:
                    record = await self._checkpoint(runner.state, name=None, kind="periodic")
                except StorageUnavailable:
                    return  # the runner is being stopped
                # its own checkpoint_created event (the next seq) is no news
                written = record["seq"] + 1

    async def persist(self, runner: ExecutionRunner, *, final: bool) -> None:
        """Write the snapshot and the catalog row; wait until they and all events are on disk
        (`StorageUnavailable` if a write failed)."""
        with anyio.CancelScope(shield=True):
            store = self.store
            state = runner.state
            meta, rows = snapshot_rows(state)
            summary = state.summary()
            self.index.put(summary)
            self.writer.submit_op(lambda: store.write_snapshot_rows(meta, rows))
            self.writer.submit_op(lambda: store.put_summary(summary))
            if final:
                self.writer.submit_op(lambda: store.close_journal(state.id))
            await self.writer.flush()

    # ---- reading ---------------------------------------------------------------------------
    async def get(self, execution_id: str) -> ExecutionState:
        """The live state if this process runs it, else the recovered state from disk."""
        runner = self._runners.get(execution_id)
        if runner is not None:
            return runner.state
        return await anyio.to_thread.run_sync(self.store.load_execution, execution_id)

    async def wait(self, execution_id: str) -> ExecutionState:
        """Wait until the execution stops running here (finished, paused or interrupted) and
        everything about it is durable."""
        runner = self._runners.get(execution_id)
        if runner is None:
            return await self.get(execution_id)
        while runner.active and not runner.finished.is_set():
            await runner.finished.wait()
        return runner.state

    def is_live(self, execution_id: str) -> bool:
        return execution_id in self._runners

    def live_state(self, execution_id: str) -> ExecutionState | None:
        """The state of an execution this process drives, without waiting; None otherwise."""
        runner = self._runners.get(execution_id)
        return None if runner is None else runner.state

    # ---- operator actions ------------------------------------------------------------------
    async def _attach(self, execution_id: str, *, from_damaged: bool = False) -> ExecutionRunner:
        """The runner of an execution, loading it from disk (and locking it) if needed.
        A damaged one is refused unless `from_damaged` (see `harmonia.engine.damaged`)."""
        runner = self._runners.get(execution_id)
        if runner is not None:
            if from_damaged:
                raise InvalidOperation(f"execution {execution_id} is not damaged")
            return runner
        store = self.store
        lock = await anyio.to_thread.run_sync(store.lock_execution, execution_id)
        try:
            with cycle_collection_paused():
                state = await anyio.to_thread.run_sync(
                    lambda: store.load_execution(execution_id, repair=True)
                )
                workflow = await damaged.usable_workflow(self, state, from_damaged=from_damaged)
                plan = ExecutionPlan.for_workflow(workflow, self.registry)
                # while the collector is still off: what was just built is never scanned
                self._freeze_if_large(state)
        except BaseException:
            lock.release()
            raise
        if not self.storage.available:  # failed while it loaded: it would be stopped at once
            heap_freezer.release(self._freeze_key(state))
            lock.release()
            self.storage.check()
        runner = ExecutionRunner(self, state, plan, lock, self.env)
        self._runners[execution_id] = runner
        self._loaded_at[execution_id] = state.last_seq
        return runner

    async def _release_if_idle(self, runner: ExecutionRunner) -> None:
        if not runner.active and self._runners.get(runner.state.id) is runner:
            state = runner.state
            try:
                if self._loaded_at.get(state.id) != state.last_seq:
                    await self.persist(runner, final=state.status in EXECUTION_FINISHED)
                elif await self._row_lags(state):
                    # its process died before recording its last row: the journal knows better
                    self._save_summary(state)
                    await self.writer.flush()
                # else: loaded for an action that was refused; nothing changed, nothing to write
            finally:
                self._forget(runner)

    async def _row_lags(self, state: ExecutionState) -> bool:
        try:
            row = await anyio.to_thread.run_sync(self.store.get_summary, state.id)
        except NotFound:
            return True
        return (row.get("last_seq"), row.get("status")) != (state.last_seq, str(state.status))

    async def resume(
        self, execution_id: str, *, reason: str = "resume", from_damaged: bool = False
    ) -> ExecutionState:
        """Go on with a paused, failed, canceled or interrupted execution.

        Tasks that were running when their process died run again (attempt numbers carried
        on); failed and canceled tasks get fresh attempts; completed tasks never run again.
        `from_damaged`: the operator resumes a damaged execution from the readable part of its
        journal (anything after the damage is set aside; see `harmonia.engine.damaged`).
        """
        self.storage.check()
        runner = await self._attach(execution_id, from_damaged=from_damaged)
        if from_damaged:
            reason = "from_damaged"
        state = runner.state
        if state.status == ExecutionStatus.COMPLETED:
            await self._release_if_idle(runner)
            if from_damaged:
                return state  # its readable part had completed: readable again, nothing to run
            raise InvalidOperation(f"execution {execution_id} already completed; nothing to resume")
        interrupted = (
            [] if runner.active else [t for t, s in state.tasks.items() if s.status in TASK_ACTIVE]
        )
        reset = [
            t
            for t, s in state.tasks.items()
            if s.status in (TaskStatus.FAILED, TaskStatus.CANCELED)
        ]
        live_running = runner.active and state.status == ExecutionStatus.RUNNING
        if live_running and not reset:
            raise InvalidOperation(f"execution {execution_id} is running; nothing to resume")
        if reason in ("recovered", "storage_recovered"):
            reset = []
        loops = self.crash_loops.find(state, interrupted)
        self.emit(
            state,
            EventType.WORKFLOW_RESUMED,
            None,
            {"reason": reason, "reset": reset, "interrupted": interrupted},
        )
        self.crash_loops.fail(self, state, loops)
        self._save_summary(state)
        # Commit now, while the loop is idle: once the workers run, the writer's thread gets
        # the GIL only when they pause (see `DurableWriter.make_room`), and the first new
        # task_started would queue behind this commit.
        await self.writer.flush()
        self._continue(runner, summary_saved=True)
        return state

    def _continue(self, runner: ExecutionRunner, *, summary_saved: bool = False) -> None:
        if not summary_saved:
            self._save_summary(runner.state)
        if runner.is_running:
            runner.request_resume()
        else:
            runner._paused = False
            if runner.active:
                runner.request_resume()
            else:
                self._spawn(runner)

    async def retry_task(self, execution_id: str, task_id: str) -> list[str]:
        """Run `task_id` and everything downstream of it again; keep every other result.
        Returns the tasks that will run again."""
        self.storage.check()
        runner = await self._attach(execution_id)
        state = runner.state
        if task_id not in state.tasks:
            await self._release_if_idle(runner)
            raise NotFound(f"execution {execution_id} has no task {task_id!r}")
        reset = [task_id, *runner.plan.downstream(task_id)]
        busy = [t for t in reset if state.tasks[t].status in TASK_ACTIVE and runner.active]
        if busy:
            await self._release_if_idle(runner)
            raise InvalidOperation(
                f"cannot retry {task_id!r}: task(s) {', '.join(busy)} are running right now"
            )
        if state.tasks[task_id].status == TaskStatus.PENDING and runner.active:
            raise InvalidOperation(f"task {task_id!r} has not run yet; nothing to retry")
        interrupted = (
            []
            if runner.active
            else [t for t, s in state.tasks.items() if s.status in TASK_ACTIVE and t not in reset]
        )
        loops = self.crash_loops.find(state, interrupted)
        self.emit(
            state,
            EventType.WORKFLOW_RESUMED,
            task_id,
            {"reason": "retry", "task_id": task_id, "reset": reset, "interrupted": interrupted},
        )
        self.crash_loops.fail(self, state, loops)
        self._continue(runner)
        await self.writer.flush()  # a retry answered is a retry recorded
        return reset

    async def pause(self, execution_id: str) -> ExecutionState:
        """Start nothing new; running tasks finish. `resume` goes on."""
        self.storage.check()
        runner = self._runners.get(execution_id)
        if runner is None or not runner.active or runner.state.status != ExecutionStatus.RUNNING:
            status = runner.state.status if runner else await self._status(execution_id)
            raise InvalidOperation(
                f"execution {execution_id} is {status}; only a running one can pause"
            )
        self.emit(runner.state, EventType.WORKFLOW_PAUSED, None, {"reason": "operator"})
        runner.request_pause()
        await self.writer.flush()  # a pause answered is a pause recorded
        return runner.state

    async def cancel(
        self, execution_id: str, *, reason: str = "canceled by operator"
    ) -> ExecutionState:
        """Cancel running tasks and record the execution as canceled."""
        self.storage.check()
        runner = await self._attach(execution_id)
        state = runner.state
        if state.status in EXECUTION_FINISHED:
            await self._release_if_idle(runner)
            raise InvalidOperation(f"execution {execution_id} already {state.status}")
        if runner.active:
            # running, or spawned and about to run: the runner records the end itself
            runner.request_cancel(reason)
            await self.wait(execution_id)
            await self.writer.flush(upto=runner.outcome_position)  # raises if it was not recorded
        if state.status not in EXECUTION_FINISHED:
            # at rest (paused, or loaded from disk): nothing runs, record the end here
            self.emit(state, EventType.WORKFLOW_CANCELED, None, {"reason": reason})
            await self._release_if_idle(runner)
        return state

    async def checkpoint(self, execution_id: str, name: str | None = None) -> dict[str, Any]:
        """A named snapshot of the execution as it is now; `restore` starts from it."""
        self.storage.check()
        runner = await self._attach(execution_id)
        try:
            return await self._checkpoint(runner.state, name=name, kind="manual")
        finally:
            await self._release_if_idle(runner)

    async def _checkpoint(
        self, state: ExecutionState, *, name: str | None, kind: str
    ) -> dict[str, Any]:
        meta, tasks = snapshot_of(state)
        # unique as the execution id is, and no two checkpoints of one execution share a seq
        # (each records an event); one recorded at this seq before a crash was never announced
        checkpoint_id = f"ckpt-{state.id}-{state.last_seq}"
        record = {
            "id": checkpoint_id,
            "execution_id": state.id,
            "name": name or f"{kind} at seq {state.last_seq}",
            "kind": kind,
            "created_at": self.clock(),
            "seq": state.last_seq,
            "meta": meta,
            "tasks": tasks,
        }
        store = self.store
        self.writer.submit_op(lambda: store.write_snapshot(meta, tasks))
        self.writer.submit_op(lambda: store.add_checkpoint(record))
        self._save_summary(state)
        self.emit(
            state,
            EventType.CHECKPOINT_CREATED,
            None,
            {"checkpoint_id": checkpoint_id, "name": record["name"], "kind": kind},
        )
        await self.writer.flush()
        return {k: v for k, v in record.items() if k not in ("meta", "tasks")}

    async def _status(self, execution_id: str) -> str:
        summary = await anyio.to_thread.run_sync(self.store.get_summary, execution_id)
        return str(summary["status"])

    async def recover(self) -> list[str]:
        """Resume every execution that was running when its process died (daemon start)."""
        try:
            summaries = await anyio.to_thread.run_sync(self.store.list_summaries)
        except CorruptDatabase as exc:
            logger.error("%s: no execution resumed (harmonia doctor reports damaged files)", exc)
            return []
        resumed = []
        for row in summaries:
            if row["interrupted"] and row["id"] not in self._runners:
                try:
                    await self.resume(row["id"], reason="recovered")
                except (InvalidOperation, NotFound):
                    continue  # damaged ones included: set aside and left for an operator
                except StorageUnavailable:  # the disk is full: resumed once it is not
                    self.storage.hold(row["id"])
                    continue
                except Exception:
                    # one execution that cannot be resumed must not stop the others
                    logger.exception("could not resume execution %s", row["id"])
                    continue
                resumed.append(row["id"])
        return resumed

    async def find_damaged(self) -> tuple[int, list[ExecutionState]]:
        """Check every stored execution not running here; see `harmonia.engine.damaged.sweep`."""
        return await damaged.sweep(self)

    async def shutdown(self) -> None:
        """Stop every runner without recording an end (they resume on the next start)."""
        with anyio.CancelScope(shield=True):
            self.storage.stop()
            for runner in list(self._runners.values()):
                if runner.active:
                    runner.request_interrupt()
            for runner in list(self._runners.values()):
                while runner.active:
                    await runner.finished.wait()
                # a failed storage: what is not durable stays so; they resume from the journal
                with contextlib.suppress(StorageUnavailable):
                    await self._release_if_idle(runner)
                self._forget(runner)
            with contextlib.suppress(StorageUnavailable):
                await self.writer.flush()
            await self.registry.aclose()  # worker processes go with the engine
            self.bus.close_all()
            self.writer.close()


@asynccontextmanager
async def open_engine(
    data_dir: str | Path,
    registry: ComponentRegistry | None = None,
    **options: Any,
) -> AsyncIterator[Engine]:
    """Run an engine for the body of the `async with`; on exit, running executions are
    interrupted (not canceled) and everything is flushed to disk."""
    store = Store(data_dir)
    await anyio.to_thread.run_sync(store.open_catalog)
    engine = Engine(store, registry, **options)
    try:
        async with anyio.create_task_group() as tg:
            engine._tg = tg
            tg.start_soon(engine.writer.run, name="harmonia writer")
            tg.start_soon(engine.storage.run, name="harmonia storage health")
            try:
                yield engine
            finally:
                await engine.shutdown()
    finally:
        store.close()


def _create_or_undo(
    store: Store, meta: dict[str, Any], tasks: dict[str, dict[str, Any]], summary: dict[str, Any]
) -> None:
    """`Store.create_execution`, leaving no snapshot behind if a write fails: the execution was
    refused, and a rebuilt catalog must not find it (`Store.abandon_execution` then removes the
    claimed folder)."""
    try:
        store.create_execution(meta, tasks, summary)
    except BaseException:
        with contextlib.suppress(OSError):
            store.state_path(meta["id"]).unlink()
        raise

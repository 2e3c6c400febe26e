"""The executions this process holds: one runner each, from start or load until it is forgotten.

An execution is held under its lock from its start, or from its load for an operator action,
until its runner is at rest and forgotten; reads of a held execution come from memory, never
from its files, which may trail it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from harmonia.engine.approvals import waits_for_approval
from harmonia.engine.checkpoints import take_periodic_checkpoints
from harmonia.engine.damaged import usable_workflow
from harmonia.engine.plan import ExecutionPlan
from harmonia.engine.runner import ExecutionRunner
from harmonia.errors import InvalidOperation
from harmonia.gcpause import cycle_collection_paused
from harmonia.state import EXECUTION_FINISHED, ExecutionStatus

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine

__all__ = ["LiveExecutions"]


class LiveExecutions:
    """The runners of one engine, by execution id; spawns their runs in the engine's group."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._runners: dict[str, ExecutionRunner] = {}
        self._loaded_at: dict[str, int] = {}
        """The seq at which each execution was loaded from disk for an operator action."""
        self._tg: anyio.abc.TaskGroup | None = None

    def run_in(self, tg: anyio.abc.TaskGroup) -> None:
        """Spawn runs in `tg` from now on (`open_engine`'s group: runs end with the engine)."""
        self._tg = tg

    def __contains__(self, execution_id: object) -> bool:
        return execution_id in self._runners

    def get(self, execution_id: str) -> ExecutionRunner | None:
        return self._runners.get(execution_id)

    def ids(self) -> list[str]:
        return list(self._runners)

    def runners(self) -> list[ExecutionRunner]:
        return list(self._runners.values())

    def loaded_seq(self, execution_id: str) -> int:
        """The last seq of a held execution when it was loaded from disk (0 if this engine
        created it): every event up to it is durable."""
        return self._loaded_at.get(execution_id, 0)

    def add(self, runner: ExecutionRunner) -> None:
        """Hold an execution this engine just created (its lock taken with its folder)."""
        self._runners[runner.state.id] = runner

    def detach_all(self) -> list[ExecutionRunner]:
        """Stop holding every runner at once (their memory may be ahead of the disk): reads
        go to disk from now on. The caller interrupts or `forget`s each one."""
        runners = list(self._runners.values())
        self._runners.clear()
        self._loaded_at.clear()
        return runners

    # ---- runs ------------------------------------------------------------------------------
    def spawn(self, runner: ExecutionRunner) -> None:
        engine = self._engine
        if self._tg is None:
            raise RuntimeError("the engine is not running; use `async with open_engine(...)`")
        if not engine.storage.available:  # failed since it was recorded: it starts on recovery
            engine.storage.hold(runner.state.id)
            self.forget(runner)
            return
        runner.active = True
        runner.finished = anyio.Event()
        self._tg.start_soon(self._drive, runner, name=f"execution {runner.state.id}")

    async def _drive(self, runner: ExecutionRunner) -> None:
        interval = self._engine.checkpoint_interval
        try:
            while True:
                self._engine.approvals.rearm(runner.state)  # a recovered gate's timer runs on
                async with anyio.create_task_group() as tg:
                    if interval:
                        tg.start_soon(take_periodic_checkpoints, self._engine, runner, interval)
                    await runner.run()
                    tg.cancel_scope.cancel()
                # A resume or a task retry that arrived while the run was concluding (its
                # outcome already recorded, no task group left to pump) set the execution
                # running again: run again rather than leave it "running" with nothing driving it.
                if runner.state.status != ExecutionStatus.RUNNING or runner.interrupted:
                    break
                if waits_for_approval(runner.state):
                    break  # at rest, "running": a decision (`approvals.decide`) runs it again
        finally:
            # Also when the run raised (a bug): the error reaches the engine's owner, and a
            # shutdown waiting for this runner must not wait forever.
            runner.active = False
            if runner.state.status in EXECUTION_FINISHED or runner.interrupted:
                self.forget(runner)
            # Only now: a waiter that acts next (resume, retry, cancel) finds the runner at rest.
            runner.finished.set()

    def forget(self, runner: ExecutionRunner) -> None:
        """Let go of the execution: its lock, and its state as far as the hooks know."""
        if self._runners.get(runner.state.id) is runner:  # not a successor loaded from disk
            del self._runners[runner.state.id]
            self._loaded_at.pop(runner.state.id, None)
        self._engine.hooks.execution_released(runner.state.id)
        runner.lock.release()

    # ---- loading for an operator action -----------------------------------------------------
    async def attach(self, execution_id: str, *, from_damaged: bool = False) -> ExecutionRunner:
        """The runner of an execution, loading it from disk (and locking it) if needed.
        A damaged one is refused unless `from_damaged` (see `harmonia.engine.damaged`)."""
        runner = self._runners.get(execution_id)
        if runner is not None:
            if from_damaged:
                raise InvalidOperation(f"execution {execution_id} is not damaged")
            return runner
        engine = self._engine
        store = engine.store
        lock = await anyio.to_thread.run_sync(store.lock_execution, execution_id)
        try:
            with cycle_collection_paused():
                state = await anyio.to_thread.run_sync(
                    lambda: store.load_execution(execution_id, repair=True)
                )
                workflow = await usable_workflow(engine, state, from_damaged=from_damaged)
                plan = ExecutionPlan.for_workflow(workflow, engine.registry)
                # while the collector is still off: what was just built is never scanned
                engine.hooks.execution_built(state.id, len(state.tasks))
        except BaseException:
            lock.release()
            raise
        if not engine.storage.available:  # failed while it loaded: it would be stopped at once
            engine.hooks.execution_released(state.id)
            lock.release()
            engine.storage.check()
        runner = ExecutionRunner(engine, state, plan, lock, engine.env)
        self._runners[execution_id] = runner
        self._loaded_at[execution_id] = state.last_seq
        return runner

    async def release_if_idle(self, runner: ExecutionRunner) -> None:
        """Forget a runner that is not running, writing first what changed since its load."""
        if runner.active or self._runners.get(runner.state.id) is not runner:
            return
        records = self._engine.records
        state = runner.state
        try:
            if self._loaded_at.get(state.id) != state.last_seq:
                await records.persist(state, final=state.status in EXECUTION_FINISHED)
            elif await records.row_lags(state):
                # its process died before recording its last row: the journal knows better
                records.save_summary(state)
                await self._engine.writer.flush()
            # else: loaded for an action that was refused; nothing changed, nothing to write
        finally:
            self.forget(runner)

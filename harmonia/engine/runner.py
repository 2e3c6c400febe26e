"""Drives one execution: schedules ready tasks, runs their attempts and retries, concludes.

One runner per execution, one anyio task group per run; a `Schedule` (graphlib's contract,
lighter) gives the order and a fixed pool of `max_concurrency` workers the limit. It needs
only `RunnerHost` of its engine, and every state change goes through `RunnerHost.emit` (in
memory now, durable soon).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio

from harmonia.components.approve import AwaitApproval
from harmonia.components.base import ActionContext
from harmonia.engine.approvals import begin_wait
from harmonia.engine.clock import loop_clock
from harmonia.engine.dispatch import Dispatcher
from harmonia.engine.fanout import FanOut
from harmonia.engine.joins import JoinGate
from harmonia.engine.outcome import Verdict, decide, record_outcome
from harmonia.engine.outputs import render_output
from harmonia.engine.overrides import merge_override
from harmonia.engine.plan import TaskResults
from harmonia.engine.schedule import Schedule
from harmonia.errors import ErrorKind, StorageUnavailable, TaskError
from harmonia.events import EventType
from harmonia.expressions import ReferenceMissing
from harmonia.gcpause import cycle_collection_paused
from harmonia.protocol import split_item_id
from harmonia.state import (
    EXECUTION_FINISHED,
    TASK_DONE,
    ExecutionState,
    ExecutionStatus,
    TaskStatus,
)

if TYPE_CHECKING:
    from harmonia.engine.host import RunnerHost
    from harmonia.engine.plan import ExecutionPlan, TaskPlan
    from harmonia.store.store import ExecutionLock


Dispatch = tuple[str, "Schedule"]
"""A task id handed to a worker, with the schedule it was taken from."""


class ExecutionRunner:
    """The live side of one execution in this process."""

    def __init__(
        self,
        host: RunnerHost,
        state: ExecutionState,
        plan: ExecutionPlan,
        lock: ExecutionLock,
        env: Mapping[str, str],
    ) -> None:
        self.host = host
        self.state = state
        self.plan = plan
        self.lock = lock
        self.finished = anyio.Event()
        """Set by the engine once the run has come to rest (`LiveExecutions`)."""
        self.active = False
        """Spawned and not yet at rest (set by the engine, which drives the runs)."""
        self._paused = state.status == ExecutionStatus.PAUSED
        self._cancel_reason: str | None = None
        self._interrupt = False
        self._scope: anyio.CancelScope | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._sorter = Schedule()
        self._ready: deque[str] = deque()
        self._parked: deque[str] = deque()
        """Tasks whose retry backoff a pause cut short: the next attempt waits for resume."""
        self._pause_signal: anyio.Event | None = None
        self._inflight: set[str] = set()
        self._running = 0
        self._max = plan.workflow.max_concurrency
        self._rebuild = True
        self._joins = JoinGate.for_plan(plan, state)
        """Trigger rules other than all_success (None when the workflow has none)."""
        self._fanout = FanOut(host, state, plan)
        """The `for_each` tasks: their items run through the same workers (`fanout`)."""
        self._dispatch: Dispatcher[Dispatch] | None = None
        self._clock: Callable[[], float] = anyio.current_time  # `loop_clock()` once a run
        self.outcome_position = 0
        """Writer position of the last outcome event: waiting for it means the end is durable."""
        self._context: dict[str, Any] = {
            "input": state.input,
            "tasks": None,  # set in run()
            "workflow": {"name": plan.workflow.name, "version": plan.workflow.version},
            "execution": {"id": state.id},
            "env": env,
            "components": host.component_urls,
        }

    # ---- operator requests ---------------------------------------------------------------
    def request_pause(self) -> None:
        self._paused = True
        if self._pause_signal is not None:
            self._pause_signal.set()  # tasks waiting out a retry backoff park now
            self._pause_signal = None

    def request_resume(self) -> None:
        """Tasks were reset or the execution unpaused: rebuild the schedule and go on."""
        self._paused = False
        self._rebuild = True
        if self._tg is not None:
            self._pump()

    def request_rebuild(self) -> None:
        """Task states changed under a paused schedule (an operator fix): re-read them later."""
        self._rebuild = True

    def dispatched(self, tid: str) -> bool:
        """Handed to a worker (or running): its status is about to change by itself."""
        return tid in self._inflight

    def request_cancel(self, reason: str) -> None:
        self._cancel_reason = reason
        if self._scope is not None:
            self._scope.cancel()

    def request_interrupt(self) -> None:
        """Stop without recording an end (shutdown): the execution resumes on the next start."""
        self._interrupt = True
        if self._scope is not None:
            self._scope.cancel()

    @property
    def is_running(self) -> bool:
        """A run's task group is up: requests reach its workers at once."""
        return self._tg is not None

    @property
    def interrupted(self) -> bool:
        """Asked to stop without an end (`request_interrupt`): it must not run again here."""
        return self._interrupt

    @property
    def paused(self) -> bool:
        """Starts nothing new until `request_resume`."""
        return self._paused

    # ---- the run ---------------------------------------------------------------------------
    async def run(self) -> None:
        """Run until nothing more can start; then record the outcome (unless paused)."""
        self._context["tasks"] = TaskResults(self.state.tasks)
        self._clock = loop_clock()
        self.finished = anyio.Event() if self.finished.is_set() else self.finished
        self._rebuild = True
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                if self._cancel_reason is not None or self._interrupt:
                    scope.cancel()
                async with anyio.create_task_group() as tg:
                    self._tg = tg
                    dispatch = self._dispatch = Dispatcher[Dispatch]()
                    workers = self._max if self._fanout.parents else len(self.state.tasks)
                    for _ in range(min(self._max, workers)):
                        tg.start_soon(self._worker, dispatch)
                    self._pump()
        finally:
            self._dispatch = None
            self._tg = None
            self._scope = None
            self._inflight.clear()
            self._running = 0
            self._ready.clear()
            # at rest, a parked task is "retrying": resume runs it again as interrupted
            self._parked.clear()
            self._fanout.clear()
        await self._conclude()

    async def _conclude(self) -> None:
        if self._rebuild and not (self._interrupt or self._paused or self._cancel_reason):
            return  # a decision or a reset came while it concluded: `_drive` runs it again
        with anyio.CancelScope(shield=True):
            record_outcome(
                self.host,
                self.state,
                interrupted=self._interrupt,
                paused=self._paused,
                cancel_reason=self._cancel_reason,
                output=(
                    partial(render_output, self.plan.workflow, self._context)
                    if self.plan.workflow.output
                    else None
                ),
            )
            self.outcome_position = self.host.writer.submitted
            try:
                await self.host.persist(self.state, final=self.state.status in EXECUTION_FINISHED)
            except StorageUnavailable:
                # stopped by the failure (`StorageHealth`): recovery reloads it
                self._interrupt = True

    # ---- scheduling ------------------------------------------------------------------------
    def _rebuild_sorter(self) -> None:
        """A fresh sorter from the current task states (start, resume, retry of a task).

        Tasks that are done (completed or skipped) are left out, and so are the edges to them:
        a resumed execution schedules only what is left, so its first task starts sooner.
        Anything that makes a done task pending again (a reset by resume or retry) asks for a
        rebuild."""
        tasks = self.state.tasks
        done = {tid for tid, task in tasks.items() if task.status in TASK_DONE}
        with cycle_collection_paused():
            if self._joins is None:
                sorter = Schedule.remaining(self.plan.graph(), done)
            else:
                graph = self.plan.graph()
                if done:
                    graph = {
                        tid: tuple(d for d in deps if d not in done)
                        for tid, deps in graph.items()
                        if tid not in done
                    }
                sorter = Schedule(self._joins.rebuilt(graph))
            # the schedule lives as long as the run: long-lived state, as the hooks see it
            self.host.hooks.execution_built(self.state.id, len(tasks))
        self._sorter = sorter
        self._ready.clear()
        self._rebuild = False

    def _pump(self, *, keep: bool = False) -> None:
        """Move ready tasks into the ready queue and dispatch as many as capacity allows
        (`keep`: called by a worker, which takes one of them itself).

        When nothing is in flight and nothing more can be dispatched, close the dispatch
        queue: the workers finish and the run concludes (completed, failed or paused)."""
        dispatch = self._dispatch
        if dispatch is None:
            return
        if self._rebuild:
            self._rebuild_sorter()
        host, state, plan, context = self.host, self.state, self.plan.tasks, self._context
        tasks = state.tasks
        sorter = self._sorter
        joins = self._joins
        fanout = self._fanout
        while True:
            progressed = False
            if fanout.concluded and not fanout.settle(sorter):
                self._rebuild_sorter()  # a for_each task ended that this schedule never gave
                sorter = self._sorter
            for tid in sorter.get_ready():
                progressed = True
                status = tasks[tid].status
                if status in TASK_DONE:
                    sorter.done(tid)
                elif tid in self._inflight:
                    continue  # running since before a rebuild; it calls done() itself
                elif tid in fanout.parents:
                    self._offer_fanout(tid, sorter)  # its items run, not the task itself
                elif status == TaskStatus.PENDING:
                    verdict: Verdict | None
                    if joins is None:
                        verdict = decide(host, state, tid, plan[tid], context)
                    else:
                        verdict = joins.decide(host, tid, context)
                    if verdict is Verdict.RUN:
                        self._ready.append(tid)
                    elif verdict is Verdict.SKIPPED:
                        sorter.done(tid)
                # failed or canceled: stays blocked, its downstream waits for an operator
            if joins is not None:  # tasks with a trigger rule that a parent's end decided
                for tid in fanout.ended:  # a for_each task that ended wakes ruled tasks too
                    joins.settled(tid)
                for tid in joins.woken():
                    progressed = True
                    if tid in fanout.parents:
                        self._offer_fanout(tid, sorter)
                        continue
                    verdict = joins.decide(host, tid, context)
                    if verdict is Verdict.RUN:
                        self._ready.append(tid)
                    elif verdict is Verdict.SKIPPED:
                        sorter.done(tid)
            fanout.ended.clear()
            if not progressed:
                break
        if not (self._paused or self._cancel_reason is not None):
            while self._parked and self._running < self._max:
                tid = self._parked.popleft()
                self._running += 1
                self._inflight.add(tid)
                dispatch.send_nowait((tid, sorter))
            while self._ready and self._running < self._max:
                tid = self._ready.popleft()
                if tasks[tid].status != TaskStatus.PENDING:
                    continue
                self._running += 1
                self._inflight.add(tid)
                dispatch.send_nowait((tid, sorter))
            while (
                fanout.parents  # (no `for_each` task, no items: skip the look at every pump)
                and self._running < self._max
                and (item := fanout.take(context)) is not None
            ):
                self._running += 1
                self._inflight.add(item)
                dispatch.send_nowait((item, sorter))
        if fanout.concluded or (joins is not None and fanout.ended):
            # items skipped by their `when` ended their task just now
            self._pump(keep=keep)
            return
        dispatch.ready(keep=keep)
        if self._running == 0:
            self._dispatch = None
            dispatch.close()

    def _offer_fanout(self, tid: str, sorter: Schedule) -> None:
        """A ready `for_each` task: its trigger rule first (before its list is expanded),
        then `FanOut.begin`, which expands it or picks its items up again."""
        joins, state = self._joins, self.state
        ruled = joins is not None and tid in joins.ruled
        if joins is not None and ruled and tid not in state.expansions:
            if state.tasks[tid].status != TaskStatus.PENDING:
                return
            verdict = joins.admit(self.host, tid)
            if verdict is None:
                return  # waits for more parents, or blocked
            if verdict is Verdict.SKIPPED:
                sorter.done(tid)
                return
        if self._fanout.begin(tid, self._context, ruled=ruled):
            sorter.done(tid)

    async def _worker(self, dispatch: Dispatcher[Dispatch]) -> None:
        """Run dispatched tasks one at a time until the dispatch queue closes. A fixed pool
        rather than an anyio task per workflow task: handing a task id to a waiting worker
        costs a fraction of spawning a task, and the pool size is the concurrency limit."""
        writer = self.host.writer
        crash_loops = self.host.crash_loops
        tasks = self.state.tasks
        while (got := await dispatch.get()) is not None:
            tid, sorter = got
            if writer.needs_room():
                await writer.make_room()
            if crash_loops.suspect(tasks[tid]) and not self._waits_on_engine(tid):
                completed = await self._attempts_on_probation(tid)
            else:
                completed = await self._attempts(tid)
            self._running -= 1
            self._inflight.discard(tid)
            if completed is not None and self._joins is not None and tid[-1] != "]":
                self._joins.settled(tid)  # (an item's end settles its task, in `fanout`)
            if completed is None:
                self._parked.append(tid)  # paused during its backoff
            elif tid[-1] == "]":
                self._fanout.finished(tid)  # an item: its task may be over
            elif completed and sorter is self._sorter:
                sorter.done(tid)
            elif completed:
                self._rebuild = True  # rebuilt while it ran; let the schedule re-read states
            self._pump(keep=True)

    def _waits_on_engine(self, tid: str) -> bool:
        """Whether the task's action waits on other executions (`workflow.run`): it may not
        hold the engine-wide probation turn that a child's suspect task needs. An item
        (`ID[i]`) runs its task's action."""
        split = split_item_id(tid)
        return self.plan.tasks[tid if split is None else split[0]].action.waits_on_engine

    async def _attempts_on_probation(self, tid: str) -> bool | None:
        """A task whose last attempt a crash cut short runs alone among such tasks, its start
        on disk before its code runs (see `harmonia.engine.crashloop`)."""
        async with self.host.crash_loops.probation:
            if self._paused:
                return None  # paused while it waited its turn: it starts after resume
            return await self._attempts(tid, careful=True)

    async def _attempts(self, tid: str, *, careful: bool = False) -> bool | None:
        """Run attempts until success, a final failure or the end of the retry budget; None
        when a pause came during a retry's backoff (the next attempt waits for resume).
        `careful`: each attempt's start is on disk before the action runs. One coroutine for
        the whole loop, attempts inlined: this is the per-task hot path."""
        host, clock = self.host, self._clock
        state = self.state
        task = state.tasks[tid]
        plan: TaskPlan = self.plan.tasks.get(tid) or self._fanout.plan_of(tid)
        action = plan.action
        timeout = plan.timeout
        # the engine's executor (Dask) runs the task's attempts if it may leave the engine
        elsewhere = host.executor if plan.placement is not None else None
        while True:
            attempt = task.attempts + 1
            # Rendered first so that task_started records what the task really runs with; a
            # reference without a value still starts (and fails) it, with `"input": null`.
            error: TaskError | None = None
            try:
                if plan.components:  # remote components' URLs: found before rendering
                    await host.component_urls.prepare(plan.components)
                payload = plan.render(self._context)
                shown = plan.shown(self._context, payload)
                if (extra := task.input_override) is not None:  # an operator retry's input
                    payload, shown = merge_override(payload, extra), merge_override(shown, extra)
            except ReferenceMissing as exc:
                error = TaskError(str(exc), ErrorKind.REFERENCE)
                payload = shown = None
            except TaskError as exc:  # a component's URL could not be found (yet)
                error = exc
                payload = shown = None
            except Exception as exc:  # a broken value in the context fails the task only
                error = TaskError(f"{type(exc).__name__}: {exc}", ErrorKind.EXCEPTION)
                payload = shown = None
            host.emit(state, EventType.TASK_STARTED, tid, {"attempt": attempt, "input": shown})
            started = clock()  # the clock time-outs run on (tests jump it)
            if error is None:
                try:
                    recorded = partial(host.writer.flush, host.writer.submitted)
                    if careful:
                        await recorded()
                    ctx = ActionContext(
                        state.id,
                        tid,
                        attempt,
                        environ=host.task_environ,
                        start_recorded=recorded,
                        children=host.children,
                    )
                    call = (
                        action.invoke(ctx, payload)
                        if elsewhere is None
                        else elsewhere.invoke(ctx, plan, payload)
                    )
                    if timeout is None:
                        value = await call
                    else:
                        with anyio.fail_after(timeout):
                            value = await call
                except AwaitApproval as gate:  # waits for a person, in no worker: not done yet
                    begin_wait(host, state, tid, attempt, gate)
                    return False
                except TaskError as exc:
                    error = exc
                except TimeoutError:
                    error = TaskError.timed_out(attempt, timeout)
                except Exception as exc:  # a component bug must fail the task, not the engine
                    error = TaskError(f"{type(exc).__name__}: {exc}", ErrorKind.EXCEPTION)
            duration = round(clock() - started, 6)
            if error is None:
                try:
                    host.emit(
                        state,
                        EventType.TASK_COMPLETED,
                        tid,
                        {"attempt": attempt, "output": value, "duration": duration},
                    )
                    return True
                except TypeError as exc:
                    error = TaskError(f"output is not JSON-serialisable: {exc}", ErrorKind.OUTPUT)
            used = attempt - task.budget_base
            error_doc = error.journal_doc()
            if used < plan.policy.max_attempts and plan.policy.should_retry(
                error.kind, error.retryable
            ):
                delay = plan.policy.delay(used, host.rng)
                host.emit(
                    state,
                    EventType.RETRY_ATTEMPTED,
                    tid,
                    {
                        "attempt": attempt,
                        "next_attempt": attempt + 1,
                        "delay": round(delay, 6),
                        "error": error_doc,
                        "duration": duration,
                    },
                )
                if await self._backoff(delay):
                    continue
                return None
            host.emit(
                state,
                EventType.TASK_FAILED,
                tid,
                {"attempt": attempt, "error": error_doc, "duration": duration},
            )
            return False

    async def _backoff(self, delay: float) -> bool:
        """Wait out a retry's backoff. False if the execution is paused first: a pause starts
        nothing new, and the next attempt is something new."""
        if self._paused:
            return False
        if self._pause_signal is None:
            self._pause_signal = anyio.Event()
        paused = self._pause_signal
        with anyio.move_on_after(delay):
            await paused.wait()
        return not self._paused

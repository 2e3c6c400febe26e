"""Approval gates: a `core.approve` task waits, holding no worker, until a person decides.

The wait is state, not a coroutine: `task_waiting` (with its deadline, from the engine's
clock) is in the journal, so a restart finds the task still waiting and its timer where it
was. A decision is two events (`approval_decided`, then the task's completion or failure),
durable before the caller hears back; a paused execution keeps it and goes on at resume.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio

from harmonia.components.approve import AwaitApproval
from harmonia.errors import ErrorKind, InvalidOperation, NotFound, StorageUnavailable
from harmonia.events import EventType, iso_time
from harmonia.state import ExecutionState, ExecutionStatus, TaskState, TaskStatus

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.host import RunnerHost
    from harmonia.engine.runner import ExecutionRunner

__all__ = [
    "ApprovalGates",
    "at_rest_at_a_gate",
    "begin_wait",
    "decide",
    "gate_of",
    "waits_for_approval",
]

logger = logging.getLogger("harmonia.engine")

MAX_NAP = 30.0
"""The longest the timer sleeps between looks at the clock (a clock set forward is noticed)."""
RETRY_AFTER = 5.0
"""Seconds before a timeout that could not be recorded (storage down) is tried again."""


def begin_wait(
    host: RunnerHost, state: ExecutionState, tid: str, attempt: int, gate: AwaitApproval
) -> None:
    """Record that the attempt waits for a decision (the runner's side of a gate)."""
    request = gate.request
    host.emit(
        state,
        EventType.TASK_WAITING,
        tid,
        {
            "attempt": attempt,
            "message": request.message,
            "timeout": request.timeout,
            "on_timeout": request.on_timeout,
        },
    )
    host.approvals.arm(state, tid)


def waits_for_approval(state: ExecutionState) -> bool:
    """Whether a task of the execution waits at a gate: then its run is at rest but the
    execution is not over. Counted statuses when kept, else one pass (once per run)."""
    counted = state.counted
    if counted is not None:
        return counted.get(TaskStatus.WAITING, 0) > 0
    return any(task.status == TaskStatus.WAITING for task in state.tasks.values())


def at_rest_at_a_gate(runner: ExecutionRunner) -> bool:
    """The execution's run is at rest only because a task waits at a gate: it is still
    `running`, and a pause or a cancel is recorded without a run to stop."""
    return not runner.active and waits_for_approval(runner.state)


def gate_of(task: TaskState) -> dict[str, Any] | None:
    """What a waiting task asks (message, timeout, deadline, since), None if it does not wait."""
    if task.status != TaskStatus.WAITING or not task.history:
        return None
    gate = task.history[-1].get("waiting")
    return gate if isinstance(gate, dict) else None


async def decide(
    engine: Engine,
    execution_id: str,
    task_id: str,
    *,
    approve: bool,
    by: str,
    reason: str | None = None,
    timed_out: bool = False,
) -> dict[str, Any]:
    """`Engine.approve`/`Engine.reject`: end a waiting task with a person's decision.

    Refused (`InvalidOperation`, nothing recorded) unless the task waits at a gate right now.
    Approved: the task completes with the decision as its output; rejected: it fails, kind
    `rejected`. Downstream goes on at once, or at resume if the execution is paused."""
    engine.storage.check()
    live = engine.live
    runner = await live.attach(execution_id)
    state = runner.state
    task = state.tasks.get(task_id)
    gate = None if task is None else gate_of(task)
    if task is None or gate is None:
        await live.release_if_idle(runner)
        if task is None:
            raise NotFound(f"execution {execution_id} has no task {task_id!r}")
        raise InvalidOperation(
            f"task {task_id!r} of execution {execution_id} is {task.status}, not waiting for "
            "approval; nothing to decide"
        )
    decision = "approved" if approve else "rejected"
    attempt = task.attempts
    event = engine.emit(
        state,
        EventType.APPROVAL_DECIDED,
        task_id,
        {
            "attempt": attempt,
            "decision": decision,
            "by": by,
            "reason": reason,
            "timed_out": timed_out,
        },
    )
    record = {
        "decision": decision,
        "by": by,
        "reason": reason,
        "decided_at": iso_time(event.timestamp),
        "timed_out": timed_out,
    }
    waited = round(max(event.timestamp - float(gate.get("since") or event.timestamp), 0.0), 6)
    if approve:
        output = {"approved": True, **record}
        engine.emit(
            state,
            EventType.TASK_COMPLETED,
            task_id,
            {"attempt": attempt, "output": output, "duration": waited},
        )
    else:
        message = f"rejected by {by}" + (f": {reason}" if reason else "")
        error = {"message": message, "kind": str(ErrorKind.REJECTED), "details": record}
        engine.emit(
            state,
            EventType.TASK_FAILED,
            task_id,
            {"attempt": attempt, "error": error, "duration": waited},
        )
    engine.approvals.disarm(execution_id, task_id)
    engine.records.save_summary(state)
    if state.status == ExecutionStatus.PAUSED or runner.paused:
        await live.release_if_idle(runner)  # kept: the run goes on at resume
    else:
        runner.request_resume()  # its downstream runs now (the same run, or a new one)
        if not runner.is_running and not runner.active:
            live.spawn(runner)
    await engine.writer.flush()  # a decision answered is a decision recorded
    return {"execution_id": execution_id, "task_id": task_id, **record}


class ApprovalGates:
    """The timers of the waiting gates that have a timeout, on the engine's clock.

    Deadlines are wall times from `task_waiting`, so they are counted from the start of the
    wait across restarts; `wake` makes the timer look at the clock now (a test moved it)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._deadlines: dict[tuple[str, str], tuple[float, int]] = {}
        """(execution, task) -> (deadline, attempt): an older attempt's timer never fires."""
        self._wake = anyio.Event()
        self._stopped = False

    def arm(self, state: ExecutionState, task_id: str) -> None:
        """Time the gate of `task_id` if it waits with a deadline."""
        task = state.tasks.get(task_id)
        gate = None if task is None else gate_of(task)
        if task is None or gate is None or gate.get("deadline") is None:
            return
        self._deadlines[state.id, task_id] = (float(gate["deadline"]), task.attempts)
        self._wake.set()

    def rearm(self, state: ExecutionState) -> None:
        """Time every waiting gate of an execution (its run starts: a load, a recovery)."""
        if waits_for_approval(state):
            for tid, task in state.tasks.items():
                if task.status == TaskStatus.WAITING:
                    self.arm(state, tid)

    def disarm(self, execution_id: str, task_id: str) -> None:
        self._deadlines.pop((execution_id, task_id), None)

    def wake(self) -> None:
        """Look at the clock now rather than at the next planned look."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    @property
    def armed(self) -> int:
        """How many gates wait with a deadline (for tests and diagnostics)."""
        return len(self._deadlines)

    async def run(self) -> None:
        """Decide each gate whose deadline passed by its `on_timeout`, until `stop`."""
        clock = self._engine.clock
        while not self._stopped:
            self._wake = anyio.Event()
            now = clock()
            for key, (deadline, attempt) in list(self._deadlines.items()):
                if deadline <= now and self._deadlines.get(key) == (deadline, attempt):
                    await self._expire(key, attempt)
            if self._stopped:
                break
            upcoming = [d for d, _ in self._deadlines.values()]
            if not upcoming:  # no timer at all: nothing to look at until one is armed
                await self._wake.wait()
                continue
            with anyio.move_on_after(min(max(min(upcoming) - clock(), 0.0), MAX_NAP)):
                await self._wake.wait()

    async def _expire(self, key: tuple[str, str], attempt: int) -> None:
        execution_id, task_id = key
        engine = self._engine
        runner = engine.live.get(execution_id)
        task = None if runner is None else runner.state.tasks.get(task_id)
        gate = None if task is None else gate_of(task)
        if task is None or gate is None or task.attempts != attempt:
            self.disarm(execution_id, task_id)  # decided, reset or let go meanwhile
            return
        if runner is not None and runner.state.status == ExecutionStatus.PAUSED:
            self.disarm(execution_id, task_id)  # a pause holds the timer: re-armed at resume
            return
        timeout = gate.get("timeout")
        try:
            await decide(
                engine,
                execution_id,
                task_id,
                approve=gate.get("on_timeout") == "approve",
                by="timeout",
                reason=f"no decision within {timeout:g}s" if timeout else "no decision in time",
                timed_out=True,
            )
        except (InvalidOperation, NotFound):
            self.disarm(execution_id, task_id)
        except StorageUnavailable:
            deadline = engine.clock() + RETRY_AFTER
            self._deadlines[key] = (deadline, attempt)
            logger.warning("approval timeout of %s/%s not recorded yet", execution_id, task_id)

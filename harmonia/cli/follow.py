"""Drive an embedded engine for one execution and watch it to the end.

`run`, `resume` and `retry` differ only in how the execution gets going; then all three show the
same progress, cancel on Ctrl+C the same way and return the final, durable state. The engine
runs on anyio's default (asyncio) backend; nothing here needs a daemon.

Ctrl+C (or SIGTERM) once: the execution is canceled through the engine, so it is recorded as
`canceled` and can be resumed later. Twice: the process exits at once with 130, leaving the
execution interrupted (also resumable: a finished task is never lost, see DESIGN.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import anyio
from anyio.abc import TaskStatus

from harmonia.bus import Subscription
from harmonia.cli.errors import EXIT_INTERRUPTED, EXIT_STORAGE, CliError
from harmonia.cli.gates import DecisionSignal, gate_notice, undecidable_here
from harmonia.cli.progress import ProgressTracker, ProgressView
from harmonia.cli.style import Style
from harmonia.components import ComponentRegistry
from harmonia.engine import Engine, open_engine
from harmonia.engine.approvals import waits_for_approval
from harmonia.engine.engine import DEFAULT_CHECKPOINT_INTERVAL
from harmonia.engine.tuning import ProcessTuning
from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import EventType
from harmonia.executors.base import ExecutorSettings, open_executor
from harmonia.model import Workflow
from harmonia.state import EXECUTION_FINISHED, ExecutionState

__all__ = ["Watch", "resume_execution", "retry_task", "run_sync", "start_execution"]

T = TypeVar("T")

TICK_SECONDS = 0.5
"""How often the status line's elapsed time is redrawn on a terminal."""


@dataclass
class Watch:
    """How to show an execution while it runs: where, in colour or not, how much."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    style: Style = field(default_factory=lambda: Style(False))
    events: bool = True
    """One line per event; off with --quiet."""
    live: bool = False
    """The self-rewriting status line; only on a terminal, and never with --quiet."""
    view: ProgressView | None = None

    def attach(self, state: ExecutionState) -> ProgressView:
        # ProgressTracker makes each status a plain str itself: one pass over the tasks
        tracker = ProgressTracker({tid: t.status for tid, t in state.tasks.items()})
        self.view = ProgressView(
            self.stream, tracker, style=self.style, live=self.live, show_events=self.events
        )
        return self.view

    def notice(self, line: str) -> None:
        """A line about what the CLI itself does (cancel, retry): shown even with --quiet."""
        if self.view is not None:
            self.view.message(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.view is not None:
            self.view.close()


class Interrupts:
    """Turns SIGINT/SIGTERM into a cancel request, and a second one into an immediate exit."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.requested = anyio.Event()
        self.count = 0

    async def listen(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            task_status.started()
            async for _signum in signals:
                self.count += 1
                if self.count == 1:
                    self.requested.set()
                else:
                    self._exit_now()

    def _exit_now(self) -> None:
        """No cleanup on purpose: the user asked twice. The journal is already durable up to
        the last event, so the execution is merely interrupted and `resume` continues it."""
        self.watch.close()
        self.watch.stream.write("harmonia: interrupted again; exiting without waiting\n")
        self.watch.stream.flush()
        sys.stdout.flush()
        os._exit(EXIT_INTERRUPTED)


Begin = Callable[[Engine], Awaitable[tuple[ExecutionState, Subscription]]]


@dataclass(frozen=True)
class EngineSettings:
    """Where and how the embedded engine runs for one command."""

    data_dir: Path
    checkpoint_interval: float | None = DEFAULT_CHECKPOINT_INTERVAL
    registry: ComponentRegistry | None = None
    """What tasks may call (`--component`, `--hermes`); None: `default_registry()`."""
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    """Where shell, python and http tasks run (`--executor`)."""


async def _drive(settings: EngineSettings, watch: Watch, begin: Begin) -> ExecutionState:
    interrupts = Interrupts(watch)
    # No waiting for a failed disk to come back: the execution stops, the command says why.
    try:
        executor = await open_executor(settings.executor)
    except ConnectionError as exc:
        raise CliError(str(exc)) from None
    engine_cm = open_engine(
        settings.data_dir,
        settings.registry,
        checkpoint_interval=settings.checkpoint_interval,
        retry_storage=False,
        hooks=ProcessTuning(),  # the command owns its process: tune it for the run
        executor=executor,
    )
    async with engine_cm as engine, anyio.create_task_group() as tg:
        # Listen before the execution exists: a Ctrl+C during start-up must cancel it too,
        # not kill the process half-way through creating it.
        await tg.start(interrupts.listen)
        state, subscription = await begin(engine)
        final = await _follow(engine, state, subscription, watch, interrupts)
        tg.cancel_scope.cancel()
        failure = engine.storage.failure
        if failure is not None:
            raise CliError(failure.message, _stopped_by_storage(final), code=EXIT_STORAGE)
    return final


def _stopped_by_storage(final: ExecutionState) -> str:
    """What a storage failure left of the execution (`final` is what its journal holds)."""
    if final.status in EXECUTION_FINISHED:
        return (
            f"execution {final.id} {final.status} (that is recorded), but its final snapshot "
            f"could not be written; `harmonia resume {final.id}` writes it once there is space"
        )
    return (
        f"execution {final.id} stopped; what it recorded is kept, and `harmonia resume "
        f"{final.id}` continues it once the data folder can be written again"
    )


async def _follow(
    engine: Engine,
    state: ExecutionState,
    subscription: Subscription,
    watch: Watch,
    interrupts: Interrupts,
) -> ExecutionState:
    view = watch.view or watch.attach(state)
    first_event = anyio.Event()
    decided = DecisionSignal()

    async def cancel_on_interrupt() -> None:
        await interrupts.requested.wait()
        # Only once the execution is under way (its first event is out): then the cancel
        # meets a runner that runs, not one still being set up, whatever the engine version.
        await first_event.wait()
        watch.notice(
            f"harmonia: canceling execution {state.id} (press Ctrl+C again to exit at once)"
        )
        with contextlib.suppress(InvalidOperation, NotFound):  # it ended meanwhile
            await engine.cancel(state.id, reason="canceled from the command line")

    async def close_when_stopped() -> None:
        # A paused or interrupted execution publishes no final event: end the loop anyway.
        await engine.wait(state.id)
        while waits_for_approval(state):  # at rest but not over: a gate's timeout goes on
            decided.clear()
            watch.notice(gate_notice(state))
            if undecidable_here(state):
                break
            await decided.wait()
            await engine.wait(state.id)
        subscription.close()

    async def tick() -> None:
        while True:
            await anyio.sleep(TICK_SECONDS)
            view.redraw()

    try:
        async with anyio.create_task_group() as helpers:
            helpers.start_soon(cancel_on_interrupt)
            helpers.start_soon(close_when_stopped)
            if view.live:
                helpers.start_soon(tick)
            while batch := await subscription.next_batch():
                view.events(batch)
                first_event.set()
                if any(event.type == EventType.APPROVAL_DECIDED for event in batch):
                    decided.set()
            helpers.cancel_scope.cancel()
        return await engine.wait(state.id)
    finally:
        view.close()


async def start_execution(
    settings: EngineSettings,
    workflow: Workflow,
    given: dict[str, Any],
    watch: Watch,
    *,
    origin: str | None = None,
) -> ExecutionState:
    """Run a new execution of `workflow` to its end; `origin` is its file's folder, where
    its sub-workflow paths are found."""

    async def begin(engine: Engine) -> tuple[ExecutionState, Subscription]:
        state = await engine.start(workflow, given, origin=origin)
        # From seq 0: the journal is replayed first, so no early event can slip by.
        return state, engine.subscribe(state.id, after_seq=0, until_finished=True)

    return await _drive(settings, watch, begin)


async def resume_execution(
    settings: EngineSettings, execution_id: str, watch: Watch, *, from_damaged: bool = False
) -> ExecutionState:
    """Continue an interrupted, failed, paused or canceled execution to its end (a damaged
    one from the readable part of its journal, with `from_damaged`)."""

    async def begin(engine: Engine) -> tuple[ExecutionState, Subscription]:
        # Subscribed before resuming and live only: the events of earlier runs are history.
        subscription = engine.subscribe(execution_id, until_finished=True)
        state = await engine.resume(execution_id, from_damaged=from_damaged)
        return state, subscription

    return await _drive(settings, watch, begin)


async def retry_task(
    settings: EngineSettings,
    execution_id: str,
    task_id: str,
    watch: Watch,
    announce: Callable[[Sequence[str]], str],
    *,
    input: dict[str, Any] | None = None,
) -> ExecutionState:
    """Run `task_id` and everything downstream again (`input`: an override merged over its
    rendered input), then follow the execution to its end."""

    async def begin(engine: Engine) -> tuple[ExecutionState, Subscription]:
        subscription = engine.subscribe(execution_id, until_finished=True)
        reset = await engine.retry_task(execution_id, task_id, input=input, by="cli")
        state = await engine.get(execution_id)
        watch.attach(state)
        watch.notice(announce(reset))
        return state, subscription

    return await _drive(settings, watch, begin)


def run_sync(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`anyio.run`, with the lone error of a task group unwrapped.

    The engine lives in task groups, which wrap whatever the body raises in exception groups;
    a `NotFound` or `ExecutionLocked` must reach the CLI's error handling as itself.
    """
    try:
        return anyio.run(func, *args)
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if len(leaves) == 1:
            raise leaves[0] from None
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            found.extend(_leaves(exc))
        else:
            found.append(exc)
    return found

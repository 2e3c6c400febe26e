"""The single writer: group commit of journal appends and file operations, then publication.

One writer, one commit thread: no two writes race on a file, the loop never blocks on a disk,
and an event reaches subscribers only once its batch is fsynced. A failed write stops the
writer, not the engine: what it dropped is never published, and waiters get StorageUnavailable.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio

from harmonia.bus import EventBus
from harmonia.engine.committhread import CommitThread
from harmonia.engine.hooks import EngineHooks
from harmonia.errors import StorageUnavailable
from harmonia.events import Event
from harmonia.store import Store
from harmonia.store.storage import AtomicWrites
from harmonia.store.store import JournalLines

FileOp = Callable[[], None]


class CatalogRow:
    """A queued catalog row. The rows of one commit go into one catalog write, made with the
    grouped file writes before the next barrier (see `GroupOp`): the catalog is rewritten
    whole, so one write per row made starting executions cost a rewrite and an fsync each
    (12 starts/s on a loaded disk)."""

    __slots__ = ("summary",)

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary

    def __call__(self) -> None:
        raise RuntimeError("a CatalogRow is written by the writer's commit, never called")


class GroupOp:
    """A queued operation that need not wait for the file writes queued before it: what it
    writes goes into the commit's `AtomicWrites`, made durable with its neighbours' (new
    executions' first snapshots; not fsynced, the states runs stopped with: `latest.json`), or
    it writes nothing (closing a journal).

    Any other operation is a barrier: the group and the catalog rows queued before it are made
    durable first. A commit of N new executions thus costs two rounds of fsyncs, not 2N."""

    __slots__ = ("write",)

    def __init__(self, write: Callable[[AtomicWrites], None]) -> None:
        self.write = write

    def __call__(self) -> None:
        raise RuntimeError("a GroupOp is run by the writer's commit with its group")


class AfterCommit:
    """A queued operation that writes nothing and runs once its commit is over, failed or
    not (closing a finished execution's journal): a commit's journal lines are written in
    its group's first round, after its operations were queued, so a journal closed at its
    place in the queue would be closed under its own last lines."""

    __slots__ = ("run",)

    def __init__(self, run: Callable[[], None]) -> None:
        self.run = run

    def __call__(self) -> None:
        raise RuntimeError("an AfterCommit is run by the writer once its commit is over")


FailureHandler = Callable[[BaseException], None]

PublishGate = Callable[[list[Event]], Awaitable[None]]
"""Awaited with a batch's events between their commit and their publication (tests only)."""

DEFAULT_MAX_BACKLOG = 2_000
"""About a thousand tasks' worth of events: large enough that a commit (one fsync and a trip to
the worker thread) is shared by many events, small enough that the journal never trails the
engine by more than a fraction of a second."""

DEFAULT_MAX_LAG = 0.05
"""Seconds a commit may wait for its thread before the workers pause to let it run: short, so
that an event is durable (and published) within a few milliseconds, yet long enough for the
loop to do a useful amount of work between commits."""


class DurableWriter:
    """Batches events and file operations; run it with `run()` inside the engine's task group."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        *,
        hooks: EngineHooks | None = None,
        commit_window: float = 0.0,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        max_lag: float = DEFAULT_MAX_LAG,
    ) -> None:
        self._store = store
        self._bus = bus
        self._hooks = hooks or EngineHooks()
        self._events: list[Event] = []
        self._ops: list[FileOp] = []
        self._wakeup = anyio.Event()
        self._submitted = 0
        self._done = 0
        self._waiters: list[_Waiter] = []
        self._closing = False
        self.failure: BaseException | None = None
        """The error of the write that failed, until `resume_writes()`; None while healthy."""
        self._failed_from = 0
        """The queue position of the first item dropped since the failure."""
        self.on_failure: FailureHandler | None = None
        """Called on the event loop when a write fails, with its error."""
        self.commit_window = commit_window
        """Seconds to wait for more events before a commit (latency traded for throughput)."""
        self.max_backlog = max_backlog
        """Events and operations that may wait for their commit before `make_room` holds
        the engine's workers back."""
        self.max_lag = max_lag
        """Seconds a commit may wait for its thread before `make_room` holds the workers back."""
        self._commit_started: float | None = None
        """When the commit now in its thread was handed over (monotonic), else None."""
        self._committing_upto = 0
        self._in_flight = 0
        """Items of the commit now in its thread."""
        self.batches = 0
        """How many group commits ran (for benchmarks and tests)."""
        self.before_publish: PublishGate | None = None
        """For tests: awaited with each batch's events once they are durable, before they are
        published (None: no wait). Holding one batch there shows what readers make of journal
        lines that are on disk but that nobody was told of yet; batches without events (a
        new execution's files) pass, so `Engine.start` still returns."""

    def submit(self, event: Event) -> None:
        self._submitted += 1
        if self.failure is not None:
            self._done += 1  # dropped: see the module docstring
            return
        self._events.append(event)
        self._wakeup.set()

    def submit_op(self, op: FileOp) -> None:
        """Queue a file operation; it runs after every event submitted before it is durable."""
        self._submitted += 1
        if self.failure is not None:
            self._done += 1
            return
        self._ops.append(op)
        self._wakeup.set()

    def resume_writes(self) -> None:
        """Take submissions again after a failure (the storage was found to work again)."""
        self.failure = None

    @property
    def backlog(self) -> int:
        """Submitted but not yet durable."""
        return self._submitted - self._done

    def needs_room(self) -> bool:
        """Whether the engine's workers should wait for the journal (`make_room`) before they
        start another task: the backlog is over `max_backlog`, or a commit has been waiting
        for its thread longer than `max_lag` seconds."""
        if self._submitted - self._done > self.max_backlog:
            return True
        since = self._commit_started
        return since is not None and time.monotonic() - since > self.max_lag

    async def make_room(self) -> None:
        """Wait until the commit in flight is durable, or, with no commit in flight, until
        half of an over-long backlog is.

        Without this a busy loop, which hands the GIL over only when it runs out of work, would
        pile a whole run's events behind one commit (all lost to a crash). Pausing the workers
        lets the commit through; a failed commit ends the wait (see `on_failure`)."""
        try:
            if self._commit_started is not None:
                await self.flush(upto=self._committing_upto)
            elif self._submitted - self._done > self.max_backlog:
                await self.flush(upto=self._submitted - self.max_backlog // 2)
        except StorageUnavailable:
            return

    @property
    def submitted(self) -> int:
        """A position in the queue, for `flush(upto=...)`."""
        return self._submitted

    async def flush(self, upto: int | None = None) -> None:
        """Return once everything submitted so far (or up to position `upto`) is on disk, and
        its events published; raise `StorageUnavailable` if some of it was dropped because a
        write failed."""
        target = self._submitted if upto is None else upto
        if self.failure is not None and target >= self._failed_from:
            raise unavailable(self.failure)
        if self._done >= target:
            return
        waiters = self._waiters
        if waiters and waiters[-1].target == target:
            # the workers held back by `make_room` all wait for the same commit: one waiter
            waiter = waiters[-1]
        else:
            waiter = _Waiter(target)
            waiters.append(waiter)
        await waiter.done.wait()
        if waiter.error is not None:
            raise unavailable(waiter.error)

    async def run(self) -> None:
        """Write batches until `close()` is called and the queue is empty.

        The hooks hear when it starts and stops: a tuned process lets the commit thread have
        the GIL sooner meanwhile (`harmonia.engine.tuning`)."""
        self._hooks.writer_started()
        try:
            async with CommitThread("harmonia journal") as thread:
                await self._commit_until_closed(thread)
        finally:
            self._hooks.writer_stopped()

    async def _commit_until_closed(self, thread: CommitThread) -> None:
        while True:
            if not self._events and not self._ops:
                if self._closing:
                    return
                self._wakeup = anyio.Event()
                await self._wakeup.wait()
                continue
            if self.commit_window:
                # Let a group gather: each commit is a round trip to the worker thread, and
                # every one of those makes the loop hand over the GIL.
                await anyio.sleep(self.commit_window)
            events, self._events = self._events, []
            ops, self._ops = self._ops, []
            # Serialise here, on the loop: the commit thread then only calls write() and
            # fsync(), which release the GIL. Python work in the thread would make the loop
            # wait for the GIL (up to the switch interval) every time it polls.
            lines = self._store.journal_lines(events)
            self._committing_upto = self._done + len(events) + len(ops)
            self._commit_started = time.monotonic()
            self._in_flight = len(events) + len(ops)
            failed: _WriteFailed | None = None
            try:
                await thread.run(partial(self._write, lines, ops))
            except _WriteFailed as exc:
                failed = exc
            finally:
                self._commit_started = None
                self._in_flight = 0
            self.batches += 1
            if failed is None or failed.events_durable:
                if self.before_publish is not None and events:
                    await self.before_publish(events)
                for event in events:
                    self._bus.publish(event)
            if failed is None:
                self._done += len(events) + len(ops)
            else:
                self._done += (len(events) if failed.events_durable else 0) + failed.ops_done
            # Drop the batch before waiting for the next one: these locals would otherwise keep
            # the last batch alive while the writer idles - after an execution's end, that is
            # its final snapshot (every task's record) and its last few thousand events.
            del events, ops, lines
            if failed is not None:
                self._fail(failed.error)
            self._wake_waiters()

    def _wake_waiters(self) -> None:
        if self._waiters:
            still = []
            for waiter in self._waiters:
                if waiter.target <= self._done:
                    waiter.done.set()
                else:
                    still.append(waiter)
            self._waiters = still

    def fail(self, error: BaseException) -> None:
        """A durable write elsewhere failed (a catalog write for the API): treat the storage as
        failed here too, as if a commit had failed with `error`."""
        if self.failure is None:
            self._fail(error)

    def _fail(self, error: BaseException) -> None:
        """Drop everything queued, tell its waiters, refuse submissions, report. A commit in
        its thread (after `fail`) is left to finish: it is published if it succeeds."""
        self.failure = error
        self._failed_from = self._done + self._in_flight + 1
        self._events, self._ops = [], []
        self._done = self._submitted - self._in_flight
        still = []
        for waiter in self._waiters:
            if waiter.target >= self._failed_from:
                waiter.error = error
                waiter.done.set()
            else:
                still.append(waiter)  # waits for the commit in flight
        self._waiters = still
        if self.on_failure is not None:
            self.on_failure(error)

    def close(self) -> None:
        """Let `run()` return once the queue is drained."""
        self._closing = True
        self._wakeup.set()

    def _write(self, lines: JournalLines, ops: list[FileOp]) -> None:
        """The commit, in the thread: the events' lines (all or nothing), then the operations
        in order; a failure says how far it got.

        The lines are fsynced in the same round as the group's temporary copies (`sync_first`),
        and nothing is renamed, no catalog row appended and no barrier run before they are
        durable: a crash at any point leaves what a crash between the two rounds of old left
        (durable lines and unrenamed copies, or neither), one round of fsyncs sooner."""
        group = AtomicWrites()
        lines_durable = not lines
        try:
            if lines:
                jobs, settle_appends = self._store.journal_round(lines)

                def settle(answers: list[Any]) -> None:
                    nonlocal lines_durable
                    settle_appends(answers)
                    lines_durable = True

                group.sync_first(jobs, settle)
        except Exception as exc:
            raise _WriteFailed(exc, events_durable=False, ops_done=0) from exc
        after: list[AfterCommit] = []
        try:
            self._write_ops(group, ops, after)
        except _WriteFailed as failed:
            failed.events_durable = lines_durable
            raise
        finally:
            for op in after:
                op.run()

    def _write_ops(self, group: AtomicWrites, ops: list[FileOp], after: list[AfterCommit]) -> None:
        """The operations, grouped up to each barrier (the last group commits the journal
        lines even with no operation); `_WriteFailed` says how many ran. The `AfterCommit`s
        go to `after`."""
        rows: list[dict[str, Any]] = []
        durable = 0
        """How many of `ops` are durable: those before the last barrier."""
        try:
            for index, op in enumerate(ops):
                if isinstance(op, CatalogRow):
                    rows.append(op.summary)
                elif isinstance(op, GroupOp):
                    op.write(group)
                elif isinstance(op, AfterCommit):
                    after.append(op)
                else:
                    self._settle(group, rows)
                    rows, durable = [], index
                    op()
                    durable = index + 1
            self._settle(group, rows)
        except Exception as exc:
            group.discard()
            raise _WriteFailed(exc, events_durable=True, ops_done=durable) from exc

    def _settle(self, group: AtomicWrites, rows: list[dict[str, Any]]) -> None:
        """Make the grouped file writes durable with the catalog rows queued with them (all in
        one catalog write, in the same rounds of fsyncs; the catalog is replaced last, so a
        row never names an execution whose snapshot a reader cannot find)."""
        if rows:
            self._store.put_summaries(rows, group)
        else:
            group.commit()


class _Waiter:
    """A `flush` waiting for queue position `target`; `error` if it was dropped instead."""

    __slots__ = ("done", "error", "target")

    def __init__(self, target: int) -> None:
        self.target = target
        self.done = anyio.Event()
        self.error: BaseException | None = None


class _WriteFailed(Exception):
    """A commit that failed part-way: were its events made durable, how many operations ran."""

    def __init__(self, error: Exception, *, events_durable: bool, ops_done: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.events_durable = events_durable
        self.ops_done = ops_done


def unavailable(error: BaseException) -> StorageUnavailable:
    """The exception that tells a caller its write was not made durable because of `error`."""
    path = getattr(error, "filename", None)
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    where = f"cannot write {path}" if path else "a write to the data folder failed"
    return StorageUnavailable(
        f"storage unavailable: {where}: {reason}",
        path=None if path is None else str(path),
        error=reason,
    )

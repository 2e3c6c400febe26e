"""What the engine does when the storage fails (disk full, I/O error, read-only), and after.

A failed write leaves the runners' memory ahead of the disk. Rather than patch that memory,
every runner is stopped and forgotten (the disk is the truth) and writes are refused. The daemon
(`retry=True`) probes until a write works, cuts the journals back to what was durable and resumes
the stopped executions as after a crash; `harmonia run` (`retry=False`) stops and says why.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

from harmonia.engine.writer import unavailable
from harmonia.errors import NotFound, StorageUnavailable
from harmonia.protocol import backoff_delay
from harmonia.state import ExecutionStatus
from harmonia.store.store import ExecutionLocked

if TYPE_CHECKING:
    from harmonia.engine.engine import Engine
    from harmonia.engine.runner import ExecutionRunner

logger = logging.getLogger("harmonia.storage")

PROBE_FIRST = 0.2
"""Seconds before the first probe of a failed storage; each failed probe doubles the wait."""
PROBE_MAX = 5.0
"""The longest wait between two probes: space freed is noticed within about this long."""


class StorageHealth:
    """The storage's state as the engine sees it, and the loop that brings it back; it stops
    and reloads the engine's executions through `Engine.live`."""

    def __init__(
        self,
        engine: Engine,
        *,
        retry: bool = True,
        probe_first: float = PROBE_FIRST,
        probe_max: float = PROBE_MAX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._store = engine.store
        self._writer = engine.writer
        self.retry = retry
        """Probe and resume by itself (the daemon); else stay stopped (`harmonia run`)."""
        self.probe_first = probe_first
        self.probe_max = probe_max
        self._clock = clock
        self.failure: StorageUnavailable | None = None
        """Why writes are refused now; None while the storage works."""
        self.since: float | None = None
        """When (wall clock) the storage failed."""
        self.stopped: dict[str, None] = {}
        """Executions stopped by the failure and not resumed yet, in the order they stopped."""
        self._retiring: list[ExecutionRunner] = []
        self._redo: list[Callable[[], None]] = []
        """Writes that failed outside the engine, to make again before resuming anything."""
        self._failed = anyio.Event()
        self._scope = anyio.CancelScope()
        """Cancelled by `stop()`, even before `run()` enters it."""
        engine.writer.on_failure = self._writer_failed

    @property
    def available(self) -> bool:
        return self.failure is None

    def check(self) -> None:
        """Raise `StorageUnavailable` while the storage is failed (before any change)."""
        failure = self.failure
        if failure is not None:
            raise StorageUnavailable(failure.message, path=failure.path, error=failure.error)

    def report(self, error: BaseException) -> None:
        """A durable write outside the writer failed (a catalog write for the API): the
        storage is failed for everything, as when a commit fails."""
        self._writer.fail(error)

    def redo_when_back(self, write: Callable[[], None]) -> None:
        """A write the caller could not make (`report` it first): made again, in a worker
        thread, as part of the probe that finds the storage back."""
        self._redo.append(write)

    def hold(self, execution_id: str) -> None:
        """An execution that could not start because the storage failed meanwhile: resume it
        with the others."""
        self.stopped[execution_id] = None

    def _writer_failed(self, error: BaseException) -> None:
        """On the event loop, from the writer: stop everything and say so once."""
        first = self.failure is None
        self.failure = unavailable(error)
        runners = self._stop_runners()
        for runner in runners:
            self.stopped[runner.state.id] = None
        self._failed.set()
        if not first:
            return
        self.since = self._clock()
        if not self.retry:
            return  # the caller (`harmonia run`) reports the error itself
        names = ", ".join(list(self.stopped)[:10]) + ("..." if len(self.stopped) > 10 else "")
        logger.error(
            "%s; stopped %d execution(s)%s; writes are refused (503) until a write succeeds "
            "again (retrying every %g-%gs)",
            self.failure.message,
            len(self.stopped),
            f" ({names})" if names else "",
            self.probe_first,
            self.probe_max,
            exc_info=None if isinstance(error, OSError) else error,
        )

    def _stop_runners(self) -> list[ExecutionRunner]:
        """Stop every runner and forget it now, since its memory may hold events the disk
        does not: reads go to disk from here on, and recovery loads them afresh."""
        live = self._engine.live
        runners = live.detach_all()
        for runner in runners:
            self._engine.index.hold(runner.state.id)
            if runner.active:
                runner.request_interrupt()  # its drive releases its lock once it is at rest
                self._retiring.append(runner)
            else:
                live.forget(runner)
        return runners

    # ---- coming back -------------------------------------------------------------------------
    async def run(self) -> None:
        """Bring the storage back after each failure, until `stop()` (run it in the engine's
        task group)."""
        if not self.retry:
            return
        with self._scope:
            while True:
                await self._failed.wait()
                await self._retired()
                await self._probe_until_writable()
                await self._come_back()

    def stop(self) -> None:
        self._scope.cancel()

    async def _retired(self) -> None:
        """Wait until every stopped runner is at rest: none may submit anything once writes
        are taken again (its memory is not what the disk holds)."""
        while self._retiring:
            runner = self._retiring[-1]
            while runner.active:
                await runner.finished.wait()
            self._retiring.pop()

    async def _probe_until_writable(self) -> None:
        for attempt in itertools.count(1):
            await anyio.sleep(
                backoff_delay(attempt, initial=self.probe_first, maximum=self.probe_max)
            )
            try:
                await anyio.to_thread.run_sync(self._probe)
            except Exception:  # the storage still refuses: wait longer
                continue
            return

    def _probe(self) -> None:
        self._store.probe_writes()
        self._store.cut_back_journals()  # before anything reads those journals again
        while self._redo:
            self._redo[0]()
            del self._redo[0]

    async def _come_back(self) -> None:
        since = self.since or self._clock()
        self.failure = None
        self.since = None
        self._failed = anyio.Event()
        self._writer.resume_writes()
        waiting = list(self.stopped)
        logger.info(
            "storage available again after %.1fs; resuming %d stopped execution(s)%s",
            self._clock() - since,
            len(waiting),
            f": {', '.join(waiting)}" if waiting else "",
        )
        for execution_id in waiting:
            if self.failure is not None:
                return  # failed again: the ones left wait for the next recovery
            try:
                await self._restart(execution_id)
            except StorageUnavailable:
                return
            except Exception:
                logger.exception("cannot resume execution %s after the outage", execution_id)
            self.stopped.pop(execution_id, None)

    async def _restart(self, execution_id: str) -> None:
        """Load a stopped execution from disk (its journal cut back to what was durable) and
        resume it if it was running; else just write its files (its end was recorded, its
        snapshot perhaps not)."""
        engine = self._engine
        engine.index.release(execution_id)
        try:
            runner = await engine.live.attach(execution_id)
        except (NotFound, ExecutionLocked) as exc:
            logger.warning("not resuming execution %s after the outage: %s", execution_id, exc)
            return
        if runner.state.status in (ExecutionStatus.RUNNING, ExecutionStatus.PENDING):
            await engine.resume(execution_id, reason="storage_recovered")
        else:
            await engine.live.release_if_idle(runner)

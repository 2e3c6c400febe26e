"""The scheduler: wakes at the next planned time, claims the runs due, then starts them.

Order of writes, for crash safety: the planned times a wake-up deals with (cursor, queue,
runs as `starting`) are written durably BEFORE any execution starts, and the execution ids
after. So a planned time is never started twice (the cursor moved before it ran); and a
`starting` run found at start-up is settled: the execution it started is looked up by its
trigger, and started only if there is none (never lost).
"""

from __future__ import annotations

import builtins
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup

from harmonia.errors import InvalidOperation, NotFound
from harmonia.schedules.clock import Clock
from harmonia.schedules.policy import decide, plan_fires
from harmonia.schedules.records import ScheduleRecord, ScheduleStore
from harmonia.schedules.spec import ScheduleSpec

__all__ = ["RETRY_AFTER", "Launcher", "Scheduler", "trigger_of"]

logger = logging.getLogger("harmonia.schedules")

RETRY_AFTER = 5.0
"""Seconds before the loop tries again after a wake-up failed (the schedules file could not
be written: a full disk)."""


class Launcher(Protocol):
    """How the scheduler starts and watches executions (the daemon's engine, or a fake)."""

    async def start(self, workflow_id: str, input: dict[str, Any], trigger: dict[str, Any]) -> str:
        """Start the workflow; returns the execution id."""

    def is_active(self, execution_id: str) -> bool:
        """Whether the execution has not finished (pending, running or paused)."""

    async def find(self, trigger: dict[str, Any]) -> str | None:
        """The execution started with this trigger, if one was (crash recovery)."""

    async def wait(self, execution_id: str) -> None:
        """Return once the execution finished (a pause is not an end)."""

    async def prepare(self) -> None:
        """Before the first wake-up: read what `is_active` needs (the executions' rows)."""


def trigger_of(
    record: ScheduleRecord, planned_at: float, *, manual: bool = False
) -> dict[str, Any]:
    """What an execution records about the schedule that started it."""
    trigger: dict[str, Any] = {
        "kind": "schedule",
        "schedule_id": record.id,
        "planned_at": planned_at,
    }
    if manual:
        trigger["manual"] = True
    return trigger


class Scheduler:
    """Owns the schedules of one daemon: API operations and the loop share one lock, so a
    wake-up and an operator's change never interleave."""

    def __init__(
        self,
        store: ScheduleStore,
        launcher: Launcher,
        clock: Clock,
        *,
        check: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.launcher = launcher
        self.clock = clock
        self.check = check
        """Validates (workflow id, input) when a schedule is created (`ValidationFailed`)."""
        self._lock = anyio.Lock()
        self._wake = anyio.Event()
        self._watched: set[str] = set()
        self._tg: TaskGroup | None = None
        self.wakeups = 0
        self.idle = False
        """True while the loop sleeps with nothing left to do (tests wait for it)."""

    # ---- the loop ------------------------------------------------------------------------
    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        async with anyio.create_task_group() as tg:
            self._tg = tg
            await anyio.to_thread.run_sync(self.store.load)
            await self.launcher.prepare()
            async with self._lock:
                await self._settle_starting()
            task_status.started()
            while True:
                self._wake = anyio.Event()
                try:
                    async with self._lock:
                        await self._tick()
                except Exception:
                    logger.exception(
                        "schedules: a wake-up failed; trying again in %gs", RETRY_AFTER
                    )
                    await self._recover()
                    await self._sleep_until(self.clock.now() + RETRY_AFTER)
                    self.idle = False
                    continue
                await self._sleep_until(self._next_due())
                self.idle = False

    async def _recover(self) -> None:
        """Back to what the file holds (the claim that failed to be written never happened;
        runs claimed but not recorded are settled as after a crash)."""
        async with self._lock:
            try:
                await anyio.to_thread.run_sync(self.store.load)
                await self._settle_starting()
            except Exception:
                logger.exception("schedules: could not read the schedules back")

    def wake(self) -> None:
        self.idle = False
        self._wake.set()

    def next_planned(self, record: ScheduleRecord) -> float | None:
        """The next planned time of a schedule (None while paused)."""
        if record.paused:
            return None
        return record.spec.next_after(record.cursor, record.created_at)

    def _next_due(self) -> float:
        times = [self.next_planned(r) for r in self.store.records.values()]
        return min((t for t in times if t is not None), default=math.inf)

    async def _sleep_until(self, deadline: float) -> None:
        wake = self._wake
        if wake.is_set():
            return
        async with anyio.create_task_group() as tg:

            async def nap() -> None:
                self.idle = not wake.is_set()  # no checkpoint before the clock has the deadline
                await self.clock.sleep_until(deadline)
                tg.cancel_scope.cancel()

            tg.start_soon(nap)
            await wake.wait()
            tg.cancel_scope.cancel()

    async def _tick(self) -> None:
        self.wakeups += 1
        now = self.clock.now()
        launches: list[tuple[ScheduleRecord, dict[str, Any]]] = []
        changed = False
        for record in list(self.store.records.values()):
            if record.paused:
                continue
            fires = plan_fires(record.spec, record.created_at, record.cursor, now)
            active = self._active(record)
            if not fires.run and not (record.queue and not active):
                if fires.cursor != record.cursor:
                    record.cursor, record.skipped, changed = (
                        fires.cursor,
                        record.skipped + fires.dropped,
                        True,
                    )
                continue
            decision = decide(record.spec.overlap, fires.run, active, record.queue)
            record.cursor = fires.cursor
            record.queue = decision.queue
            record.skipped += fires.dropped + decision.skipped
            changed = True
            launches += [(record, record.add_run(t)) for t in decision.start]
            if record.queue and active:
                self._watch(record)
        if changed:
            await self.store.save()  # the claim: durable before anything starts
        await self._launch(launches)

    # ---- starting runs ---------------------------------------------------------------------
    async def _launch(self, launches: list[tuple[ScheduleRecord, dict[str, Any]]]) -> None:
        """Start the claimed runs concurrently, then record their execution ids."""
        if not launches:
            return
        async with anyio.create_task_group() as tg:
            for record, run in launches:
                tg.start_soon(self._start_one, record, run)
        await self.store.save()
        for record, run in launches:
            if record.queue and run["state"] == "started":
                self._watch(record)

    async def _start_one(self, record: ScheduleRecord, run: dict[str, Any]) -> None:
        trigger = trigger_of(record, run["planned_at"], manual=run.get("manual", False))
        try:
            run["execution_id"] = await self.launcher.start(
                record.workflow_id, dict(record.spec.input), trigger
            )
        except NotFound as exc:  # its workflow was deleted (by another process, or before
            run["state"], run["error"] = "failed", str(exc) or type(exc).__name__
            self._disable(record)  # deletions disabled its schedules): it cannot run again
        except Exception as exc:  # an input the workflow no longer takes
            run["state"], run["error"] = "failed", str(exc) or type(exc).__name__
        else:
            run["state"] = "started"

    async def _settle_starting(self) -> None:
        """After a crash: a run claimed but without an execution id either started (found by
        its trigger: record it) or did not (start it now)."""
        launches = []
        for record in self.store.records.values():
            for run in record.runs:
                if run["state"] != "starting":
                    continue
                found = await self.launcher.find(
                    trigger_of(record, run["planned_at"], manual=run.get("manual", False))
                )
                if found is None:
                    launches.append((record, run))
                else:
                    run["execution_id"], run["state"] = found, "started"
        await self._launch(launches)
        if any(r["state"] != "starting" for rec in self.store.records.values() for r in rec.runs):
            await self.store.save()

    def _disable(self, record: ScheduleRecord) -> None:
        """Stop a schedule whose workflow is gone: paused, with the reason shown (the caller
        saves). It is kept, not deleted, so that an operator sees what happened to it."""
        if record.disabled is not None:
            return
        record.paused = True
        record.queue = []
        record.disabled = f"its workflow {record.workflow_id} was deleted"
        logger.warning(
            "schedule %s disabled: its workflow %s was deleted (delete the schedule, or "
            "store the workflow again and make a new one)",
            record.id,
            record.workflow_id,
        )

    def _active(self, record: ScheduleRecord) -> bool:
        return any(
            run["execution_id"] is not None and self.launcher.is_active(run["execution_id"])
            for run in record.runs
            if run["state"] == "started"
        )

    def _watch(self, record: ScheduleRecord) -> None:
        """Wake the loop when the running run of a `queue` schedule ends (at once if it
        already has: it may end before it is watched)."""
        assert self._tg is not None
        for run in record.runs:
            eid = run["execution_id"]
            if run["state"] != "started" or eid in self._watched:
                continue
            if self.launcher.is_active(eid):
                self._watched.add(eid)
                self._tg.start_soon(self._await_end, eid)
        if not self._active(record):
            self.wake()

    async def _await_end(self, execution_id: str) -> None:
        try:
            await self.launcher.wait(execution_id)
        finally:
            self._watched.discard(execution_id)
            self.wake()

    # ---- operations (the API's) ------------------------------------------------------------
    def list(self) -> list[ScheduleRecord]:
        return sorted(self.store.records.values(), key=lambda r: (r.created_at, r.id))

    def get(self, schedule_id: str) -> ScheduleRecord:
        return self.store.get(schedule_id)

    async def create(
        self, workflow_id: str, spec: ScheduleSpec, *, paused: bool = False
    ) -> ScheduleRecord:
        if self.check is not None:
            await self.check(workflow_id, spec.input)
        async with self._lock:
            now = self.clock.now()
            record = ScheduleRecord(self.store.new_id(), workflow_id, spec, now, now, paused=paused)
            await self.store.add(record)
        self.wake()
        return record

    async def sync_workflow(
        self, workflow_id: str, specs: Sequence[ScheduleSpec]
    ) -> builtins.list[str]:
        """Make the `document` schedules of a stored workflow its file's `schedules:` (none
        once it is deleted). One whose spec did not change keeps its record (where it stands,
        its runs); the others are replaced. The ids of the removed ones, for the answer."""
        async with self._lock:
            now = self.clock.now()
            old = [
                r
                for r in self.store.records.values()
                if r.origin == "document" and r.workflow_id == workflow_id
            ]
            if not old and not specs:
                return []
            kept: dict[str, ScheduleRecord] = {}
            for spec in specs:
                same = next((r for r in old if r.spec == spec and r.id not in kept), None)
                record = same or ScheduleRecord(
                    self.store.new_id(), workflow_id, spec, now, now, origin="document"
                )
                kept[record.id] = record
            removed = [r.id for r in old if r.id not in kept]
            for schedule_id in removed:
                del self.store.records[schedule_id]
            self.store.records.update(kept)
            await self.store.save()
        self.wake()
        return removed

    async def workflow_deleted(self, workflow_id: str) -> builtins.list[str]:
        """Disable the schedules of a deleted workflow at once (those of its file are already
        removed with it: `sync_workflow`); the ids of those it disabled, for the answer."""
        async with self._lock:
            found = [
                r
                for r in self.store.records.values()
                if r.workflow_id == workflow_id and r.disabled is None
            ]
            for record in found:
                self._disable(record)
            if found:
                await self.store.save()
        self.wake()
        return [r.id for r in found]

    async def delete(self, schedule_id: str) -> None:
        async with self._lock:
            await self.store.remove(schedule_id)
        self.wake()

    async def set_paused(self, schedule_id: str, paused: bool) -> ScheduleRecord:
        """Pause or unpause. Unpausing starts counting from now: the planned times of the
        pause are not missed runs (nothing was down), they were not wanted."""
        async with self._lock:
            record = self.store.get(schedule_id)
            if not paused:
                _refuse_disabled(record)
            if record.paused != paused:
                record.paused = paused
                if not paused:
                    record.cursor = max(record.cursor, self.clock.now())
                await self.store.save()
        self.wake()
        return record

    async def run_now(self, schedule_id: str) -> dict[str, Any]:
        """Start one run now, whatever the overlap policy says (an operator asked for it)."""
        async with self._lock:
            record = self.store.get(schedule_id)
            _refuse_disabled(record)  # before a run is recorded: a refusal writes nothing
            run = record.add_run(self.clock.now(), manual=True)
            await self.store.save()
            await self._launch([(record, run)])
        if run["state"] == "failed":
            raise InvalidOperation(
                f"schedule {schedule_id} could not start its run: {run['error']}"
            )
        return run


def _refuse_disabled(record: ScheduleRecord) -> None:
    """A disabled schedule neither unpauses nor runs now: its workflow is gone."""
    if record.disabled is not None:
        raise InvalidOperation(f"schedule {record.id} is disabled: {record.disabled} (delete it)")

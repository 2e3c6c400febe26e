"""The scheduler's loop over a fake clock and a fake launcher, on asyncio and trio: missed runs
after a simulated downtime, overlap policies, pause/unpause, run-now, and crash recovery of a
claimed run. No real waits: the clock moves when the test says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.fake_clock import FakeClock, until

from harmonia.errors import InvalidOperation, NotFound, ValidationFailed
from harmonia.schedules import parse_spec
from harmonia.schedules.loop import Scheduler
from harmonia.schedules.records import ScheduleRecord, ScheduleStore

pytestmark = pytest.mark.anyio

HOUR = 3600.0
T0 = 1_780_000_000.0 - (1_780_000_000.0 % HOUR)


class FakeLauncher:
    """Records each start; executions stay active until the test ends them."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self.active: set[str] = set()
        self.ended: dict[str, anyio.Event] = {}
        self.fail_with: Exception | None = None

    async def start(self, workflow_id: str, input: dict[str, Any], trigger: dict[str, Any]) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        execution_id = f"ex-{len(self.started) + 1}"
        self.started.append((workflow_id, input, trigger))
        self.active.add(execution_id)
        self.ended[execution_id] = anyio.Event()
        return execution_id

    async def prepare(self) -> None:
        pass

    def is_active(self, execution_id: str) -> bool:
        return execution_id in self.active

    async def find(self, trigger: dict[str, Any]) -> str | None:
        for i, (_, _, t) in enumerate(self.started):
            if t == trigger:
                return f"ex-{i + 1}"
        return None

    async def wait(self, execution_id: str) -> None:
        await self.ended[execution_id].wait()

    def end(self, execution_id: str) -> None:
        self.active.discard(execution_id)
        self.ended[execution_id].set()

    def planned(self) -> list[float]:
        return [t["planned_at"] for _, _, t in self.started]


@asynccontextmanager
async def running(
    data_dir: Path, clock: FakeClock, launcher: FakeLauncher
) -> AsyncIterator[Scheduler]:
    scheduler = Scheduler(ScheduleStore(data_dir), launcher, clock)
    async with anyio.create_task_group() as tg:
        await tg.start(scheduler.run)
        yield scheduler
        tg.cancel_scope.cancel()


async def idle(scheduler: Scheduler, clock: FakeClock) -> None:
    """Until the loop has dealt with everything and sleeps again."""
    await until(lambda: scheduler.idle)


async def step(scheduler: Scheduler, clock: FakeClock, seconds: float) -> None:
    """Move the clock on (once the loop sleeps); when that wakes the loop, wait until it
    sleeps again."""
    await until(lambda: scheduler.idle)
    seen = scheduler.wakeups
    if clock.advance(seconds):
        await until(lambda: scheduler.wakeups > seen and scheduler.idle)


async def test_interval_fires_on_time_with_its_input(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        spec = parse_spec({"interval": 60, "input": {"n": 3}})
        record = await scheduler.create("wf-1", spec)
        await idle(scheduler, clock)
        assert launcher.started == []
        await step(scheduler, clock, 59.9)
        assert launcher.started == []
        await step(scheduler, clock, 0.1)
        assert launcher.started == [
            (
                "wf-1",
                {"n": 3},
                {"kind": "schedule", "schedule_id": record.id, "planned_at": T0 + 60},
            )
        ]
        assert record.runs[-1]["execution_id"] == "ex-1" and record.runs[-1]["state"] == "started"


@pytest.mark.parametrize(
    ("missed", "expected_hours"),
    [("skip", []), ("run_once", [5]), ("run_all", [3, 4, 5])],
)
async def test_missed_runs_after_downtime(
    tmp_path: Path, missed: str, expected_hours: list[int]
) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    spec = parse_spec({"cron": "0 * * * *", "missed": missed, "max_missed": 3, "overlap": "allow"})
    async with running(tmp_path, clock, launcher) as scheduler:
        await scheduler.create("wf-1", spec)
    # the daemon is down from T0 to 5 h 10 min later; a new scheduler reads the same file
    clock.advance(5 * HOUR + 600)
    async with running(tmp_path, clock, launcher) as scheduler:
        await idle(scheduler, clock)
        assert sorted(launcher.planned()) == [T0 + h * HOUR for h in expected_hours]
        record = scheduler.list()[0]
        assert record.cursor == T0 + 5 * HOUR
        assert record.skipped == 5 - len(expected_hours)
        assert scheduler.next_planned(record) == T0 + 6 * HOUR


async def test_restart_never_starts_a_planned_time_twice(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    spec = parse_spec({"interval": 10, "overlap": "allow"})
    async with running(tmp_path, clock, launcher) as scheduler:
        await scheduler.create("wf-1", spec)
        await step(scheduler, clock, 10)
        assert launcher.planned() == [T0 + 10]
    async with running(tmp_path, clock, launcher) as scheduler:
        await idle(scheduler, clock)
        await step(scheduler, clock, 5)
        assert launcher.planned() == [T0 + 10]
        await step(scheduler, clock, 5)
        assert launcher.planned() == [T0 + 10, T0 + 20]


async def test_claimed_run_is_settled_after_a_crash(tmp_path: Path) -> None:
    """A run written as `starting` (the crash came before its id was recorded) is started at
    the next start if no execution carries its trigger, and only recorded if one does."""
    clock, launcher = FakeClock(T0), FakeLauncher()
    spec = parse_spec({"interval": 10, "overlap": "allow"})
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await scheduler.create("wf-1", spec)
        await step(scheduler, clock, 10)
    store = ScheduleStore(tmp_path)
    store.load()
    # as if the crash came right after the claims of two planned times
    stored = store.records[record.id]
    stored.cursor = T0 + 30
    stored.add_run(T0 + 20)
    stored.add_run(T0 + 30)
    store.write(store.snapshot())
    launcher.started.append(("wf-1", {}, {**launcher.started[0][2], "planned_at": T0 + 20}))
    async with running(tmp_path, clock, launcher) as scheduler:
        await idle(scheduler, clock)
        assert launcher.planned() == [T0 + 10, T0 + 20, T0 + 30]  # 20 found, 30 started
        runs = scheduler.get(record.id).runs
        assert [(r["planned_at"], r["execution_id"], r["state"]) for r in runs] == [
            (T0 + 10, "ex-1", "started"),
            (T0 + 20, "ex-2", "started"),
            (T0 + 30, "ex-3", "started"),
        ]
    reread = ScheduleStore(tmp_path)
    reread.load()
    assert [r["state"] for r in reread.records[record.id].runs] == ["started"] * 3


async def test_overlap_skip_and_allow(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        skip = await scheduler.create("skip", parse_spec({"interval": 10, "overlap": "skip"}))
        allow = await scheduler.create("allow", parse_spec({"interval": 10, "overlap": "allow"}))
        for _ in range(3):
            await step(scheduler, clock, 10)
        by_workflow = [w for w, _, _ in launcher.started]
        assert by_workflow.count("skip") == 1 and by_workflow.count("allow") == 3
        assert scheduler.get(skip.id).skipped == 2 and scheduler.get(allow.id).skipped == 0


async def test_overlap_queue_starts_when_the_running_one_ends(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await scheduler.create("wf", parse_spec({"interval": 10, "overlap": "queue"}))
        for _ in range(3):
            await step(scheduler, clock, 10)
        assert launcher.planned() == [T0 + 10]
        assert record.queue == [T0 + 20, T0 + 30]
        seen = scheduler.wakeups
        launcher.end("ex-1")  # no clock move: the end of the run wakes the loop
        await until(lambda: scheduler.wakeups > seen and len(launcher.started) == 2)
        assert launcher.planned() == [T0 + 10, T0 + 20] and record.queue == [T0 + 30]
        launcher.end("ex-2")
        await until(lambda: len(launcher.started) == 3)
        assert launcher.planned() == [T0 + 10, T0 + 20, T0 + 30] and record.queue == []


async def test_pause_and_unpause(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await scheduler.create("wf", parse_spec({"interval": 10, "overlap": "allow"}))
        await scheduler.set_paused(record.id, True)
        assert scheduler.next_planned(record) is None
        await step(scheduler, clock, 35)
        assert launcher.started == []
        await scheduler.set_paused(record.id, False)
        await idle(scheduler, clock)
        assert launcher.started == []  # the paused period's times were not wanted
        assert scheduler.next_planned(record) == T0 + 40
        await step(scheduler, clock, 5)
        assert launcher.planned() == [T0 + 40]


async def test_run_now_ignores_overlap_and_keeps_the_plan(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await scheduler.create("wf", parse_spec({"interval": 10, "overlap": "skip"}))
        await step(scheduler, clock, 3)
        run = await scheduler.run_now(record.id)
        run2 = await scheduler.run_now(record.id)
        assert run["execution_id"] == "ex-1" and run2["execution_id"] == "ex-2"
        assert launcher.started[0][2] == {
            "kind": "schedule",
            "schedule_id": record.id,
            "planned_at": T0 + 3,
            "manual": True,
        }
        assert scheduler.next_planned(record) == T0 + 10


async def failed_start(
    scheduler: Scheduler, clock: FakeClock, launcher: FakeLauncher, error: Exception
) -> ScheduleRecord:
    """An every-10-s schedule of "wf" whose first start (10 s on) fails with `error`: its
    record, the failed run checked in it."""
    record = await scheduler.create("wf", parse_spec({"interval": 10}))
    launcher.fail_with = error
    await step(scheduler, clock, 10)
    assert record.runs[-1]["state"] == "failed"
    return record


async def test_a_failed_start_is_recorded_not_retried(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await failed_start(scheduler, clock, launcher, LookupError("no workflow 'wf'"))
        assert "no workflow 'wf'" in record.runs[-1]["error"]
        launcher.fail_with = None
        await step(scheduler, clock, 10)
        assert launcher.planned() == [T0 + 20]


async def test_a_schedule_whose_workflow_is_gone_is_disabled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A start refused because the workflow does not exist (deleted by another process, or
    before deletions disabled schedules) disables the schedule: it fires no more, says why,
    and cannot be unpaused; deleting the workflow in this daemon disables it at once."""
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        record = await failed_start(scheduler, clock, launcher, NotFound("no workflow 'wf'"))
        assert record.paused and record.disabled == "its workflow wf was deleted"
        assert "schedule " + record.id + " disabled" in caplog.text
        assert scheduler.next_planned(record) is None
        launcher.fail_with = None
        await step(scheduler, clock, 30)
        assert launcher.started == []
        with pytest.raises(InvalidOperation, match="disabled"):
            await scheduler.set_paused(record.id, False)
        other = await scheduler.create("wf-2", parse_spec({"interval": 10}))
        await scheduler.workflow_deleted("wf-2")
        assert other.disabled is not None
        await step(scheduler, clock, 30)
        assert launcher.started == []
    reloaded = ScheduleStore(tmp_path)
    reloaded.load()
    assert reloaded.get(record.id).disabled == "its workflow wf was deleted"


async def test_refused_schedule_is_not_stored(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()

    async def check(workflow_id: str, input: dict[str, Any]) -> None:
        raise ValidationFailed([])

    scheduler = Scheduler(ScheduleStore(tmp_path), launcher, clock, check=check)
    async with anyio.create_task_group() as tg:
        await tg.start(scheduler.run)
        with pytest.raises(ValidationFailed):
            await scheduler.create("wf", parse_spec({"interval": 10}))
        assert scheduler.list() == []
        tg.cancel_scope.cancel()
    assert not (tmp_path / "schedules.json").exists()


class FlakyStore(ScheduleStore):
    """A schedules file whose writes fail while `full` (a full disk)."""

    full = False

    def write(self, payload: bytes) -> None:
        if self.full:
            raise OSError(28, "No space left on device")
        super().write(payload)


async def test_a_failed_claim_starts_nothing_and_is_tried_again(tmp_path: Path) -> None:
    clock, launcher = FakeClock(T0), FakeLauncher()
    store = FlakyStore(tmp_path)
    scheduler = Scheduler(store, launcher, clock)
    async with anyio.create_task_group() as tg:
        await tg.start(scheduler.run)
        record = await scheduler.create("wf", parse_spec({"interval": 60, "overlap": "allow"}))
        store.full = True
        await step(scheduler, clock, 60)
        assert launcher.started == []  # the claim was not durable: nothing ran
        store.full = False
        await step(scheduler, clock, 5)  # the retry
        assert launcher.planned() == [T0 + 60]
        assert scheduler.get(record.id).runs[-1]["state"] == "started"
        await step(scheduler, clock, 60)
        assert launcher.planned() == [T0 + 60, T0 + 120]
        tg.cancel_scope.cancel()


async def test_a_damaged_file_is_kept_aside(tmp_path: Path) -> None:
    (tmp_path / "schedules.json").write_bytes(b'{"version": 1, "schedules": [{"id": 3')
    clock, launcher = FakeClock(T0), FakeLauncher()
    async with running(tmp_path, clock, launcher) as scheduler:
        assert scheduler.list() == []
        await scheduler.create("wf", parse_spec({"interval": 60}))
    assert kept_aside(tmp_path) == [b'{"version": 1, "schedules": [{"id": 3']
    reread = ScheduleStore(tmp_path)
    reread.load()
    assert len(reread.records) == 1


def kept_aside(folder: Path) -> list[bytes]:
    return [p.read_bytes() for p in folder.glob("schedules.json.damaged-*")]

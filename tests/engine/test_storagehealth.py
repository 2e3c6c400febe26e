"""A durable write that fails (disk full, I/O error, read-only): the engine stops what it must,
publishes nothing that is not on disk, refuses writes, and goes on once writes work again.

The disk is injected (`diskfull.InjectedDisk`, a write budget every durable write consults),
so these run everywhere; the last test does the same on a real small tmpfs where the machine
lets the test mount one.
"""

from __future__ import annotations

import errno
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import orjson
import pytest
from helpers.diskfull import TmpfsDisk, injected_disk, mounted_tmpfs
from helpers.engine_probe import ProbeBench, journal_path, wait_for

from harmonia.bus import EventBus
from harmonia.engine import Engine
from harmonia.engine.writer import DurableWriter
from harmonia.errors import StorageUnavailable
from harmonia.events import Event, EventType
from harmonia.model import Workflow
from harmonia.store import Store
from harmonia.store.journal import JournalAppender

pytestmark = pytest.mark.anyio

FAST_PROBE = {"storage_probe": (0.01, 0.05)}


@asynccontextmanager
async def published_events(engine: Engine) -> AsyncIterator[list[Event]]:
    """Every event the engine publishes (to any subscriber) while the body runs."""
    seen: list[Event] = []
    subscription = engine.subscribe()
    async with anyio.create_task_group() as tg:

        async def collect() -> None:
            async for event in subscription:
                seen.append(event)

        tg.start_soon(collect)
        try:
            yield seen
        finally:
            subscription.close()


def journal_events(data_dir: Path, execution_id: str) -> list[Event]:
    return Store(data_dir).read_events(execution_id)


def assert_journal_is_whole(data_dir: Path, execution_id: str) -> None:
    """No torn tail, seqs from 1 without gaps."""
    raw = journal_path(data_dir, execution_id).read_bytes()
    assert raw.endswith(b"\n")
    seqs = [orjson.loads(line)["seq"] for line in raw.splitlines()]
    assert seqs == list(range(1, len(seqs) + 1))


def same(events: list[Event]) -> list[tuple[int, str, str | None]]:
    return [(e.seq, e.type, e.task_id) for e in events]


def gated(bench: ProbeBench) -> Workflow:
    """a -> b (waits for gate g) -> c, and d (waits for gate d) beside them."""
    return bench.workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"], "input": {"gate": "g", "value": "x" * 20_000}},
            "c": {"depends_on": ["b"]},
            "d": {"input": {"gate": "d"}},
        }
    )


def leftovers(data_dir: Path) -> tuple[int, list[str]]:
    """How many execution folders there are, and the temporary files left anywhere."""
    folders = len(list((data_dir / "executions").iterdir()))
    return folders, [p.name for p in data_dir.rglob("*.tmp")]


def recorded(data_dir: Path, execution_id: str, event_type: str) -> list[str | None]:
    return [e.task_id for e in journal_events(data_dir, execution_id) if e.type == event_type]


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EIO, errno.EROFS])
async def test_a_failed_write_stops_the_run_which_resumes_once_writes_work(
    data_dir: Path, error: int
) -> None:
    bench = ProbeBench(data_dir)
    wf = gated(bench)
    with injected_disk(data_dir) as disk:
        async with bench.engine(**FAST_PROBE) as engine, published_events(engine) as published:
            state = await engine.start(wf)
            execution_id = state.id
            await bench.probe.started("b")
            await bench.probe.started("d")
            await wait_for(lambda: "b" in recorded(data_dir, execution_id, "task_started"))
            disk.fill(error)
            bench.probe.open("g")  # b completes: that event cannot be written

            await wait_for(lambda: not engine.storage.available)
            failure = engine.storage.failure
            assert failure is not None and failure.path is not None
            assert failure.path.endswith(f"{execution_id}/journal.jsonl")
            assert failure.error == os.strerror(error)
            await wait_for(lambda: not engine.is_live(execution_id))
            assert list(engine.storage.stopped) == [execution_id]
            # nothing published that is not on disk; no torn line left behind
            assert_journal_is_whole(data_dir, execution_id)
            on_disk = journal_events(data_dir, execution_id)
            assert same(published) == same(on_disk)
            assert "b" not in recorded(data_dir, execution_id, "task_completed")
            # reads work; writes are refused before they change anything
            assert (await engine.get(execution_id)).status == "running"
            for write in (
                engine.start(wf),
                engine.cancel(execution_id),
                engine.resume(execution_id),
                engine.checkpoint(execution_id),
                engine.retry_task(execution_id, "a"),
            ):
                with pytest.raises(StorageUnavailable, match=r"journal\.jsonl"):
                    await write
            assert len(list((data_dir / "executions").iterdir())) == 1

            disk.free()
            bench.probe.open("d")
            await wait_for(lambda: engine.storage.available)
            await wait_for(lambda: any(e.type == EventType.WORKFLOW_COMPLETED for e in published))
            await engine.wait(execution_id)

    events = journal_events(data_dir, execution_id)
    assert same(published) == same(events)  # every event exactly once, nothing unrecorded
    assert_journal_is_whole(data_dir, execution_id)
    assert sorted(recorded(data_dir, execution_id, "task_completed")) == ["a", "b", "c", "d"]
    durable_before = {e.task_id for e in on_disk if e.type == EventType.TASK_COMPLETED}
    assert durable_before == {"a"}
    assert len(bench.probe.calls_of("a")) == 1  # completed before the failure: never again
    assert len(bench.probe.calls_of("b")) == 2  # its completion was lost with the write
    resumed = [e for e in events if e.type == EventType.WORKFLOW_RESUMED]
    assert [e.data["reason"] for e in resumed] == ["storage_recovered"]
    assert sorted(resumed[0].data["interrupted"]) == ["b", "d"]
    assert bench.store().get_summary(execution_id)["status"] == "completed"


async def test_harmonia_run_mode_stops_and_exits_and_a_later_resume_completes(
    data_dir: Path,
) -> None:
    """`retry_storage=False` (what `harmonia run` uses): no probing; the execution stops, the
    engine closes promptly, and the next process resumes it as after a crash."""
    bench = ProbeBench(data_dir)
    wf = gated(bench)
    with injected_disk(data_dir) as disk:
        with anyio.fail_after(10):
            async with bench.engine(retry_storage=False) as engine:
                state = await engine.start(wf)
                await bench.probe.started("b")
                await wait_for(lambda: "b" in recorded(data_dir, state.id, "task_started"))
                disk.fill()
                bench.probe.open("g")
                await engine.wait(state.id)
                assert engine.storage.failure is not None
                assert not engine.is_live(state.id)
        assert_journal_is_whole(data_dir, state.id)
        disk.free()
        bench.probe.open("d")
        async with bench.engine() as engine:
            await engine.resume(state.id)
            final = await engine.wait(state.id)
    assert final.status == "completed"
    assert len(bench.probe.calls_of("a")) == 1
    assert sorted(recorded(data_dir, state.id, "task_completed")) == ["a", "b", "c", "d"]


async def test_a_failed_final_snapshot_keeps_the_recorded_end_and_writes_it_on_recovery(
    data_dir: Path,
) -> None:
    """The journal took the end (published: it is durable); only the snapshot after it failed.
    Recovery finds the execution completed and writes its snapshot and catalog row."""
    bench = ProbeBench(data_dir)
    wf = bench.workflow({"a": {"input": {"gate": "g"}}})
    with injected_disk(data_dir) as disk:
        async with bench.engine(**FAST_PROBE) as engine, published_events(engine) as published:
            state = await engine.start(wf)
            await bench.probe.started("a")
            await wait_for(lambda: "a" in recorded(data_dir, state.id, "task_started"))
            disk.fill(only="latest.json")
            bench.probe.open("g")
            await wait_for(lambda: not engine.storage.available)
            assert engine.storage.failure is not None
            assert engine.storage.failure.path.endswith("latest.json")  # type: ignore[union-attr]
            await wait_for(
                lambda: bool(published) and published[-1].type == EventType.WORKFLOW_COMPLETED
            )
            disk.free()
            await wait_for(lambda: bench.store().get_summary(state.id)["status"] == "completed")
    assert same(published) == same(journal_events(data_dir, state.id))
    assert bench.store().load_execution(state.id).status == "completed"
    assert not [e for e in published if e.type == EventType.WORKFLOW_RESUMED]
    assert len(bench.probe.calls_of("a")) == 1


async def test_starting_on_a_full_disk_leaves_nothing_and_works_once_space_is_back(
    data_dir: Path,
) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow({"a": {}})
    with injected_disk(data_dir) as disk:
        async with bench.engine(**FAST_PROBE) as engine:
            first = await engine.start(wf)  # the catalog exists
            await engine.wait(first.id)
            disk.fill()
            with pytest.raises(StorageUnavailable, match="No space left on device"):
                await engine.start(wf)
            assert leftovers(data_dir) == (1, [])
            disk.free()
            await wait_for(lambda: engine.storage.available)
            assert not engine.storage.stopped
            state = await engine.start(wf)
            assert (await engine.wait(state.id)).status == "completed"


async def test_the_writer_publishes_only_what_it_wrote_and_drops_what_follows_a_failure(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)

    async def no_replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return []

    bus = EventBus(no_replay)
    writer = DurableWriter(store, bus)
    failures: list[BaseException] = []
    writer.on_failure = failures.append
    subscription = bus.subscribe("e1")

    def event(seq: int) -> Event:
        return Event(seq, "task_started", "e1", "t", float(seq), {"pad": "x" * 100})

    with injected_disk(tmp_path) as disk:
        async with anyio.create_task_group() as tg:
            tg.start_soon(writer.run)
            writer.submit(event(1))
            await writer.flush()
            disk.fill()
            writer.submit(event(2))
            with pytest.raises(StorageUnavailable, match=r"journal\.jsonl: No space left"):
                await writer.flush()
            assert len(failures) == 1
            writer.submit(event(3))  # dropped at once: the storage is failed
            with pytest.raises(StorageUnavailable):
                await writer.flush()
            assert writer.backlog == 0
            disk.free()
            store.cut_back_journals()
            writer.resume_writes()
            writer.submit(event(2))
            await writer.flush()
            writer.close()
    subscription.close()
    got = [e.seq async for e in subscription]
    assert got == [1, 2]
    assert [e.seq for e in store.read_events("e1")] == [1, 2]
    store.close()


def test_a_torn_append_is_cut_back_and_the_next_append_continues_the_journal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    appender = JournalAppender()
    appender.append([(path, [b'{"seq":1}\n'])])
    with injected_disk(tmp_path) as disk:
        disk.fill()
        with pytest.raises(OSError, match="No space left") as raised:
            appender.append([(path, [b'{"seq":2,"x":"' + b"y" * 100 + b'"}\n'])])
        assert raised.value.filename == str(path)
    assert path.read_bytes() == b'{"seq":1}\n'  # cut back at once: shrinking needs no space
    appender.append([(path, [b'{"seq":2}\n'])])
    assert path.read_bytes() == b'{"seq":1}\n{"seq":2}\n'
    appender.close_all()


def test_a_torn_append_that_cannot_be_cut_at_once_is_cut_before_the_next_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    appender = JournalAppender()
    appender.append([(path, [b'{"seq":1}\n'])])
    real_truncate = os.ftruncate

    def refuse(fd: int, size: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "ftruncate", refuse)
    with injected_disk(tmp_path) as disk:
        disk.fill()
        with pytest.raises(OSError):
            appender.append([(path, [b'{"seq":2,"x":"' + b"y" * 100 + b'"}\n'])])
    assert path.read_bytes().startswith(b'{"seq":1}\n{"seq":2')  # torn, still there
    assert appender.needs_cut_back
    with pytest.raises(OSError, match="Input/output error"):
        appender.append([(path, [b'{"seq":2}\n'])])  # refused: the torn line is not cut yet
    monkeypatch.setattr(os, "ftruncate", real_truncate)
    appender.append([(path, [b'{"seq":2}\n'])])
    assert path.read_bytes() == b'{"seq":1}\n{"seq":2}\n'
    appender.close_all()


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[TmpfsDisk]:
    with mounted_tmpfs(tmp_path / "tmpfs") as disk:
        if disk is None:
            pytest.skip("cannot mount a tmpfs here (needs root); the injected tests still run")
        yield disk


async def test_a_real_full_tmpfs_stops_the_run_and_it_resumes_when_space_is_freed(
    tmpfs: TmpfsDisk,
) -> None:
    data_dir = tmpfs.data_dir
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"], "input": {"gate": "g", "value": "x" * 64_000}},
            "c": {"depends_on": ["b"]},
        }
    )
    async with bench.engine(**FAST_PROBE) as engine, published_events(engine) as published:
        state = await engine.start(wf)
        await bench.probe.started("b")
        await wait_for(lambda: "b" in recorded(data_dir, state.id, "task_started"))
        tmpfs.fill()
        bench.probe.open("g")
        await wait_for(lambda: not engine.storage.available)
        assert "No space left on device" in str(engine.storage.failure)
        await wait_for(lambda: not engine.is_live(state.id))
        assert_journal_is_whole(data_dir, state.id)
        assert same(published) == same(journal_events(data_dir, state.id))
        with pytest.raises(StorageUnavailable):
            await engine.start(wf)
        tmpfs.free()
        await wait_for(lambda: any(e.type == EventType.WORKFLOW_COMPLETED for e in published))
        await engine.wait(state.id)
    assert same(published) == same(journal_events(data_dir, state.id))
    assert len(bench.probe.calls_of("a")) == 1
    assert sorted(recorded(data_dir, state.id, "task_completed")) == ["a", "b", "c"]

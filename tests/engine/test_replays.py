"""Subscribers that fall behind share the journal pages read to catch them up
(`harmonia.engine.replays`): one read serves every one asking for events it holds, and no
subscriber misses or repeats an event because of it."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest
from helpers.engine_probe import engine_options

from harmonia.engine import open_engine
from harmonia.engine.replays import SharedReplays
from harmonia.events import Event, EventType
from harmonia.loader import load_workflow_dict

pytestmark = pytest.mark.anyio


class Journal:
    """A journal of `n` events, of which the first `published` are published; counts reads."""

    def __init__(self, n: int, published: int) -> None:
        self.events = [Event(i, "task_started", "x", "t", float(i), {}) for i in range(1, n + 1)]
        self.published = published
        self.reads = 0
        self.gate: threading.Event | None = None
        """When set, a read waits for it (after setting `reading`)."""
        self.reading = threading.Event()

    def read(self, execution_id: str, after_seq: int, limit: int | None) -> list[Event]:
        self.reads += 1
        self.reading.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        wanted = self.events[after_seq:]
        return wanted if limit is None else wanted[:limit]

    def published_seq(self, execution_id: str) -> int | None:
        return self.published if execution_id == "x" else None


async def test_subscribers_asking_for_read_events_share_one_read() -> None:
    journal = Journal(100, published=100)
    replays = SharedReplays(journal.read, journal.published_seq)
    first = await replays("x", 10, 50)
    assert [e.seq for e in first] == list(range(11, 61))
    again = await replays("x", 20, 30)  # inside what the first read holds
    assert again == first[10:40]
    assert journal.reads == 1
    beyond = await replays("x", 40, 50)  # runs past it: read, and joined to what was kept
    assert [e.seq for e in beyond] == list(range(41, 91))
    assert journal.reads == 2
    assert [e.seq for e in await replays("x", 0, None)] == list(range(1, 101))
    assert journal.reads == 3  # a whole history (no limit): not kept
    assert await replays("x", 5, 10) == journal.events[5:15]
    assert journal.reads == 4
    assert await replays("x", 7, 5) == journal.events[7:12]
    assert journal.reads == 4


async def test_only_published_events_are_handed_out() -> None:
    journal = Journal(100, published=30)  # the rest is on disk, not yet fsynced and published
    replays = SharedReplays(journal.read, journal.published_seq)
    assert [e.seq for e in await replays("x", 0, 50)] == list(range(1, 31))
    assert await replays("x", 30, 50) == []
    journal.published = 60
    page = await replays("x", 20, 50)  # kept only up to 30: read again
    assert [e.seq for e in page] == list(range(21, 61))
    assert journal.reads == 2


async def test_an_execution_published_nowhere_here_is_read_every_time() -> None:
    journal = Journal(10, published=10)
    replays = SharedReplays(journal.read, lambda _: None)
    assert len(await replays("x", 0, 20)) == 10
    assert len(await replays("x", 0, 20)) == 10
    assert journal.reads == 2 and replays.kept == 0


async def test_concurrent_misses_wait_for_the_read_under_way() -> None:
    journal = Journal(100, published=100)
    journal.gate = threading.Event()
    replays = SharedReplays(journal.read, journal.published_seq)
    pages: list[list[Event]] = []

    async def ask(after: int) -> None:
        pages.append(await replays("x", after, 40))

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask, 0)
            await anyio.to_thread.run_sync(journal.reading.wait, 10)  # it waits on the gate
            tg.start_soon(ask, 10)
            tg.start_soon(ask, 0)
            await anyio.wait_all_tasks_blocked()
            journal.gate.set()
    assert journal.reads == 2  # after 10, up to 50, is beyond the first read's 40
    assert sorted(p[0].seq for p in pages) == [1, 1, 11]
    assert all(len(p) == 40 for p in pages)


async def test_what_is_kept_is_bounded() -> None:
    journal = Journal(1000, published=1000)
    replays = SharedReplays(journal.read, journal.published_seq, keep=100)
    for after in range(0, 1000, 50):
        assert [e.seq for e in await replays("x", after, 50)] == list(range(after + 1, after + 51))
    assert replays.kept == 100
    replays.clear()
    assert replays.kept == 0


async def test_many_lagging_subscribers_of_a_run_see_every_event_once(data_dir: Path) -> None:
    tasks = {f"t{i}": {"component": "core", "action": "echo"} for i in range(300)}
    workflow = load_workflow_dict({"name": "wide", "tasks": tasks})
    async with open_engine(data_dir, **engine_options()) as engine:
        started = await engine.start(workflow)
        subscriptions = [
            engine.subscribe(started.id, maxsize=40, until_finished=True) for _ in range(8)
        ]
        state = await engine.wait(started.id)  # nobody reads: every buffer overflows
        received: list[list[int]] = []
        with anyio.fail_after(20):
            for subscription in subscriptions:
                received.append([e.seq async for e in subscription])
    assert state.status == "completed"
    assert all(seqs == list(range(1, state.last_seq + 1)) for seqs in received)
    assert all(s.lag_count for s in subscriptions)
    pages = -(-state.last_seq // 40)  # what one subscriber reads, a page of 40 at a time
    assert engine.replays.reads <= pages + 1  # the others read none of their own


async def test_lines_on_disk_of_a_held_execution_are_replayed_only_once_published(
    data_dir: Path,
) -> None:
    """The journal of an execution this engine holds is read up to what the bus published (or
    what was loaded): its writer's lines are not durable for readers until their publication.
    The writer holds the batch with `workflow_started` between its fsync and its publication."""
    workflow = load_workflow_dict(
        {"name": "one", "tasks": {"a": {"component": "core", "action": "echo"}}}
    )
    held, release = anyio.Event(), anyio.Event()

    async def hold(events: list[Event]) -> None:
        if any(e.type == EventType.WORKFLOW_STARTED for e in events):
            held.set()
            await release.wait()

    async with open_engine(data_dir, **engine_options()) as engine:
        engine.writer.before_publish = hold
        started = await engine.start(workflow)
        try:
            with anyio.fail_after(10):
                await held.wait()
            on_disk = await anyio.to_thread.run_sync(engine.store.read_events, started.id)
            assert on_disk[0].type == EventType.WORKFLOW_STARTED  # written and fsynced...
            assert engine.bus.published_seq(started.id) is None  # ...but not published
            assert await engine.replays(started.id, 0) == []
            assert await engine.replays(started.id, 0, 10) == []
        finally:
            release.set()  # a failed check must not leave the writer held (no shutdown)
        with anyio.fail_after(10):
            state = await engine.wait(started.id)
        replayed = await engine.replays(started.id, 0)
    assert state.status == "completed"
    assert [e.seq for e in replayed] == list(range(1, state.last_seq + 1))

"""Events and the bus: what each event carries, durability before publication, and slow
subscribers that catch up from the journal without missing or repeating anything."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from helpers.engine_probe import ProbeBench, engine_options, journal_path
from hypothesis import given
from hypothesis import strategies as st

from harmonia.bus import EventBus
from harmonia.engine import open_engine
from harmonia.events import Event, EventType, iso_time
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.store import journal

pytestmark = pytest.mark.anyio


def big_dag(n: int = 200) -> Workflow:
    """Task i depends on i-1 and i//2: deep and wide enough to batch many events at once."""
    tasks: dict[str, Any] = {}
    for i in range(n):
        deps = sorted({f"t{i - 1}", f"t{i // 2}"} - {f"t{i}"}) if i else []
        tasks[f"t{i}"] = {"component": "core", "action": "echo", "depends_on": deps}
    return load_workflow_dict({"name": "big", "max_concurrency": 16, "tasks": tasks})


def assert_complete_sequence(events: list[Event], execution_id: str, last_seq: int) -> None:
    assert [e.execution_id for e in events] == [execution_id] * len(events)
    assert [e.seq for e in events] == list(range(1, last_seq + 1))


# ---- what events carry ------------------------------------------------------------------------


async def test_every_event_carries_its_fields(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "ok": {"input": {"value": {"n": 1}}},
            "flaky": {
                "input": {"fail_times": 1},
                "retry_policy": {"max_retries": 1, "initial_delay": 0.01, "jitter": 0},
            },
            "bad": {"input": {"fail_times": 9, "kind": "exit_code"}},
            "skip": {"when": False},
        },
        version="4.2.0",
    )
    async with bench.engine() as engine:
        started = await engine.start(wf, {})
        events = [e async for e in engine.subscribe(started.id, after_seq=0, until_finished=True)]
    for e in events:
        assert isinstance(e.seq, int)
        assert e.type in set(EventType)
        assert e.execution_id == started.id
        assert isinstance(e.timestamp, float)
        assert isinstance(e.data, dict)
        assert (e.task_id is None) == e.type.startswith(("workflow_", "checkpoint_"))
        public = e.to_dict()
        assert set(public) == {"seq", "type", "execution_id", "task_id", "timestamp", "data"}
        assert public["timestamp"].endswith("Z")
    by_type: dict[str, list[Event]] = {}
    for e in events:
        by_type.setdefault(e.type, []).append(e)

    (begin,) = by_type[EventType.WORKFLOW_STARTED]
    assert begin.data["workflow"] == "test-flow"
    assert begin.data["version"] == "4.2.0"
    assert begin.data["task_count"] == 4
    assert begin.data["input"] == {}

    completed = {e.task_id: e for e in by_type[EventType.TASK_COMPLETED]}
    assert completed["ok"].data["output"] == {"task": "ok", "attempt": 1, "value": {"n": 1}}
    assert completed["ok"].data["attempt"] == 1
    assert all(e.data["duration"] >= 0 for e in completed.values())

    (retry,) = by_type[EventType.RETRY_ATTEMPTED]
    assert retry.task_id == "flaky"
    assert retry.data["delay"] == pytest.approx(0.01)
    assert retry.data["error"] == {"message": "flaky failed on call 1", "kind": "error"}

    (failed,) = by_type[EventType.TASK_FAILED]
    assert failed.task_id == "bad"
    assert failed.data["error"] == {"message": "bad failed on call 1", "kind": "exit_code"}
    assert failed.data["attempt"] == 1
    assert failed.data["duration"] >= 0

    (skipped,) = by_type[EventType.TASK_SKIPPED]
    assert skipped.task_id == "skip" and "condition is false" in skipped.data["reason"]

    assert events[-1].type == EventType.WORKFLOW_FAILED
    assert events[-1].data["failed"] == ["bad"]


async def test_subscribers_only_ever_see_durable_events(data_dir: Path) -> None:
    """When an event reaches a subscriber, the journal on disk already holds it."""
    wf = big_dag(60)
    async with open_engine(data_dir, **engine_options()) as engine:
        started = await engine.start(wf)
        path = journal_path(data_dir, started.id)
        checked = 0
        async for event in engine.subscribe(started.id, until_finished=True):
            on_disk = journal.read_events(path, after_seq=event.seq - 1)
            assert on_disk and on_disk[0] == event
            checked += 1
        state = await engine.wait(started.id)
    assert checked == state.last_seq


async def test_until_finished_ends_after_the_terminal_event(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        subscription = engine.subscribe(started.id, until_finished=True)
        with anyio.fail_after(10):
            events = [e async for e in subscription]
        assert events[-1].type == EventType.WORKFLOW_COMPLETED
        assert [e.type for e in events].count(EventType.WORKFLOW_COMPLETED) == 1
        assert engine.bus.subscriber_count() == 0


# ---- slow subscribers -------------------------------------------------------------------------


async def test_a_tiny_buffer_catches_up_from_the_journal(data_dir: Path) -> None:
    async with open_engine(data_dir, **engine_options()) as engine:
        started = await engine.start(big_dag())
        subscription = engine.subscribe(started.id, maxsize=2, until_finished=True)
        state = await engine.wait(started.id)  # read nothing until the end: the buffer overflows
        with anyio.fail_after(10):
            events = [e async for e in subscription]
    assert state.status == "completed"
    assert subscription.lag_count > 0
    assert_complete_sequence(events, started.id, state.last_seq)


async def test_a_tiny_buffer_read_concurrently_sees_every_event_once(data_dir: Path) -> None:
    async with open_engine(data_dir, **engine_options()) as engine:
        started = await engine.start(big_dag())
        subscription = engine.subscribe(started.id, maxsize=2, until_finished=True)
        events: list[Event] = []
        with anyio.fail_after(20):
            async for event in subscription:
                events.append(event)
                if event.seq % 7 == 0:
                    await anyio.lowlevel.checkpoint()  # a consumer that yields now and then
        state = await engine.wait(started.id)
    assert_complete_sequence(events, started.id, state.last_seq)


async def test_a_tiny_buffer_on_a_subscription_to_every_execution(data_dir: Path) -> None:
    async with open_engine(data_dir, **engine_options()) as engine:
        subscription = engine.subscribe(None, maxsize=2)
        first = await engine.start(big_dag(50))
        second = await engine.start(big_dag(30))
        one = await engine.wait(first.id)
        two = await engine.wait(second.id)
        got: dict[str, list[Event]] = {first.id: [], second.id: []}
        with anyio.fail_after(10):
            async for event in subscription:
                got[event.execution_id].append(event)
                if len(got[first.id]) + len(got[second.id]) == one.last_seq + two.last_seq:
                    break
        subscription.close()
    assert subscription.lag_count > 0
    assert_complete_sequence(got[first.id], first.id, one.last_seq)
    assert_complete_sequence(got[second.id], second.id, two.last_seq)


async def test_subscribe_after_seq_replays_history_then_goes_on_live(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    probe = bench.probe
    wf = bench.workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"]},
            "held": {"depends_on": ["b"], "input": {"gate": "g"}},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("held")
        await engine.writer.flush()  # the history so far is durable and published
        k = 3
        subscription = engine.subscribe(started.id, after_seq=k, until_finished=True)
        probe.open("g")
        with anyio.fail_after(10):
            events = [e async for e in subscription]
        state = await engine.wait(started.id)
    assert [e.seq for e in events] == list(range(k + 1, state.last_seq + 1))
    assert events[-1].type == EventType.WORKFLOW_COMPLETED

    # after the end, a new subscriber still gets the whole history from the journal
    async with bench.engine() as engine:
        with anyio.fail_after(10):
            replayed = [
                e async for e in engine.subscribe(started.id, after_seq=0, until_finished=True)
            ]
    assert [e.seq for e in replayed] == list(range(1, state.last_seq + 1))


async def test_shutdown_ends_every_subscription(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    probe = bench.probe
    wf = bench.workflow({"held": {"input": {"hang_times": 1}}})
    seen: list[Event] = []
    async with bench.engine() as engine:
        started = await engine.start(wf)
        subscription = engine.subscribe(started.id, after_seq=0)
        await probe.started("held")
    with anyio.fail_after(10):
        seen = [e async for e in subscription]  # ends: the engine closed it
    assert [e.type for e in seen][:2] == [EventType.WORKFLOW_STARTED, EventType.TASK_STARTED]


# ---- the bus on its own -----------------------------------------------------------------------


def make_events(execution_id: str, n: int) -> list[Event]:
    return [Event(i, "task_started", execution_id, "t", float(i), {}) for i in range(1, n + 1)]


async def test_bus_overflow_replays_only_what_was_missed() -> None:
    history = make_events("x", 20)
    published: list[Event] = []

    async def replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return [e for e in published if e.execution_id == execution_id and e.seq > after_seq]

    bus = EventBus(replay)
    subscription = bus.subscribe("x", maxsize=3)
    for e in history[:2]:
        published.append(e)
        bus.publish(e)
    first = [await subscription.__anext__(), await subscription.__anext__()]
    for e in history[2:]:
        published.append(e)
        bus.publish(e)
    subscription.close()
    rest = [e async for e in subscription]
    assert [e.seq for e in first + rest] == list(range(1, 21))
    assert subscription.lag_count >= 1
    assert bus.subscriber_count() == 0


async def test_bus_live_subscription_does_not_replay_what_came_before_it() -> None:
    published: list[Event] = []

    async def replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return [e for e in published if e.seq > after_seq]

    bus = EventBus(replay)
    events = make_events("x", 12)
    for e in events[:5]:
        published.append(e)
        bus.publish(e)
    subscription = bus.subscribe("x", maxsize=2)  # live from here: 6 onwards
    for e in events[5:]:
        published.append(e)
        bus.publish(e)
    subscription.close()
    got = [e.seq async for e in subscription]
    assert got == list(range(6, 13))
    assert subscription.lag_count >= 1


async def test_bus_filters_by_execution() -> None:
    async def replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return []

    bus = EventBus(replay)
    only_x = bus.subscribe("x")
    every = bus.subscribe(None)
    for e in make_events("x", 2) + make_events("y", 2):
        bus.publish(e)
    only_x.close()
    every.close()
    assert [(e.execution_id, e.seq) async for e in only_x] == [("x", 1), ("x", 2)]
    assert [(e.execution_id, e.seq) async for e in every] == [
        ("x", 1),
        ("x", 2),
        ("y", 1),
        ("y", 2),
    ]
    assert bus.published_seq("y") == 2
    assert bus.published_seq("z") is None


# ---- next_batch ------------------------------------------------------------------------


def recording_replay(published: list[Event], calls: list[tuple[int, int | None]]) -> Any:
    async def replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        calls.append((after_seq, limit))
        found = [e for e in published if e.execution_id == execution_id and e.seq > after_seq]
        return found if limit is None else found[:limit]

    return replay


async def drain(subscription: Any, limit: int = 1000) -> list[list[Event]]:
    batches = []
    while batch := await subscription.next_batch(limit):
        batches.append(batch)
    return batches


async def test_next_batch_takes_everything_buffered_up_to_the_limit() -> None:
    bus = EventBus(recording_replay([], []))
    subscription = bus.subscribe("x")
    for e in make_events("x", 5):
        bus.publish(e)
    assert [e.seq for e in await subscription.next_batch()] == [1, 2, 3, 4, 5]
    for e in make_events("x", 10)[5:]:
        bus.publish(e)
    assert [e.seq for e in await subscription.next_batch(2)] == [6, 7]
    # one by one and in batches mix, each event once
    assert (await subscription.__anext__()).seq == 8
    subscription.close()
    assert [[e.seq for e in b] for b in await drain(subscription, 1)] == [[9], [10]]


async def test_next_batch_waits_for_an_event_and_ends_on_close() -> None:
    bus = EventBus(recording_replay([], []))
    subscription = bus.subscribe("x")
    got: list[list[Event]] = []

    async def consume() -> None:
        got.append(await subscription.next_batch())
        got.append(await subscription.next_batch())

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        assert got == []
        bus.publish(make_events("x", 1)[0])
        await anyio.wait_all_tasks_blocked()
        assert [e.seq for e in got[0]] == [1]
        subscription.close()
    assert got[1] == []
    assert await subscription.next_batch() == []
    assert bus.subscriber_count() == 0


async def test_next_batch_exactly_once_across_an_overflow_and_catch_up() -> None:
    published: list[Event] = []
    bus = EventBus(recording_replay(published, []))
    subscription = bus.subscribe("x", maxsize=3)
    events = make_events("x", 50)
    for e in events[:2]:
        published.append(e)
        bus.publish(e)
    first = await subscription.next_batch()
    for e in events[2:30]:
        published.append(e)
        bus.publish(e)
    middle = await subscription.next_batch()
    for e in events[30:]:
        published.append(e)
        bus.publish(e)
    subscription.close()
    batches = [first, middle, *await drain(subscription)]
    assert [e.seq for b in batches for e in b] == list(range(1, 51))
    assert all(len(b) <= 1000 for b in batches)
    assert subscription.lag_count >= 2


async def test_catch_up_reads_the_journal_a_page_at_a_time() -> None:
    published = make_events("x", 20)
    calls: list[tuple[int, int | None]] = []
    bus = EventBus(recording_replay(published, calls))
    subscription = bus.subscribe("x", after_seq=3, maxsize=4)
    batches = [await subscription.next_batch() for _ in range(5)]
    assert [e.seq for b in batches for e in b] == list(range(4, 21))
    assert all(len(b) <= 4 for b in batches)
    assert calls[:5] == [(3, 4), (7, 4), (11, 4), (15, 4), (19, 4)]
    # then live, with no gap and no repeat
    live = Event(21, "task_started", "x", "t", 21.0, {})
    published.append(live)
    bus.publish(live)
    assert [e.seq for e in await subscription.next_batch()] == [21]
    subscription.close()
    assert await subscription.next_batch() == []


async def test_paged_catch_up_then_end_after_replay() -> None:
    published = make_events("x", 10)
    bus = EventBus(recording_replay(published, []))
    subscription = bus.subscribe("x", after_seq=0, maxsize=3)
    subscription.end_after_replay()
    batches = await drain(subscription)
    assert [e.seq for b in batches for e in b] == list(range(1, 11))
    assert bus.subscriber_count() == 0


def test_read_events_stops_after_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(e.to_journal_line() for e in make_events("x", 10)))
    assert [e.seq for e in journal.read_events(path, 2, limit=3)] == [3, 4, 5]
    assert [e.seq for e in journal.read_events(path, 8, limit=5)] == [9, 10]
    assert len(journal.read_events(path)) == 10


async def test_subscribers_share_one_bounded_log() -> None:
    """Publishing costs the same however many subscribers there are: each event is kept once,
    in a log bounded by the largest maxsize, and every subscriber gets the same objects; one
    that stalls falls off the log's end and catches up from the journal instead."""
    published: list[Event] = []
    bus = EventBus(recording_replay(published, []))
    readers = [bus.subscribe("x", maxsize=50) for _ in range(20)]
    stalled = bus.subscribe("x", maxsize=50)
    got: list[list[Event]] = [[] for _ in readers]
    for e in make_events("x", 1000):
        published.append(e)
        bus.publish(e)
        if e.seq % 10 == 0:
            for reader, into in zip(readers, got, strict=True):
                into.extend(await reader.next_batch())
        assert len(bus._by_execution["x"].events) <= 50 + 64
    for reader, into in zip(readers, got, strict=True):
        assert [e.seq for e in into] == list(range(1, 1001))
        assert all(a is b for a, b in zip(into, got[0], strict=True))
        assert reader.lag_count == 0
    stalled.close()
    assert [e.seq for b in await drain(stalled) for e in b] == list(range(1, 1001))
    assert stalled.lag_count == 1


async def test_a_global_subscription_catches_up_only_what_it_missed() -> None:
    published: list[Event] = []
    bus = EventBus(recording_replay(published, []))

    def publish(event: Event) -> None:
        published.append(event)
        bus.publish(event)

    for e in make_events("old", 5):
        publish(e)  # before the subscription: not delivered
    every = bus.subscribe(None, maxsize=4)
    later = zip(make_events("x", 30), make_events("y", 30), make_events("old", 35)[5:], strict=True)
    for x, y, old in later:
        publish(x)
        publish(y)
        publish(old)
    every.close()
    got: dict[str, list[int]] = {}
    for batch in await drain(every):
        for e in batch:
            got.setdefault(e.execution_id, []).append(e.seq)
    assert got == {"x": list(range(1, 31)), "y": list(range(1, 31)), "old": list(range(6, 36))}
    assert every.lag_count >= 1


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_iso_time_is_the_datetime_text(ts: float) -> None:
    """The cheap `iso_time` gives exactly what datetime gives, rounding included."""
    expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    assert iso_time(ts) == expected.replace("+00:00", "Z")


@pytest.mark.parametrize("ts", [0.0, 1.9999995, 1764170000.0005, 1764170000.9999996, 86399.9999999])
def test_iso_time_at_the_edges_of_a_second(ts: float) -> None:
    expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    assert iso_time(ts) == expected.replace("+00:00", "Z")
    assert iso_time(None) is None


async def test_the_log_drops_what_every_subscriber_has_read() -> None:
    """Events all present subscribers have taken are of use to nobody (a new subscriber starts
    at the log's end): the log lets them go within `TRIM_STEP` publications instead of
    keeping `maxsize` of them alive. A subscriber that has not read holds them back, up to
    its maxsize."""
    from harmonia.bus import TRIM_STEP

    published: list[Event] = []
    bus = EventBus(recording_replay(published, []))
    readers = [bus.subscribe("x", maxsize=5_000) for _ in range(3)]
    log = bus._by_execution["x"]
    for e in make_events("x", 2_000):
        published.append(e)
        bus.publish(e)
        if e.seq % 100 == 0:
            for reader in readers:
                assert [x.seq for x in await reader.next_batch()] == list(
                    range(e.seq - 99, e.seq + 1)
                )
        assert len(log.events) <= TRIM_STEP + 100
    slow = bus.subscribe("x", maxsize=5_000)
    for e in make_events("x", 3_000)[2_000:]:
        published.append(e)
        bus.publish(e)
        for reader in readers:
            await reader.next_batch()
    assert len(log.events) == 1_000  # all of them: `slow` has read none
    assert [e.seq for e in await slow.next_batch(2_000)] == list(range(2_001, 3_001))
    assert slow.lag_count == 0


async def test_a_tap_sees_every_published_event_and_its_failure_stops_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def no_replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
        return []

    bus = EventBus(no_replay)
    seen: list[int] = []

    def broken(event: Event) -> None:
        raise RuntimeError("a bug in a tap")

    untap = bus.tap(lambda event: seen.append(event.seq))
    remove_broken = bus.tap(broken)
    for seq in (1, 2):
        bus.publish(Event(seq, EventType.TASK_STARTED, "ex", "a", 1.0, {}))
    assert seen == [1, 2] and bus.published_seq("ex") == 2
    assert "an event tap failed" in caplog.text
    untap()
    remove_broken()
    bus.publish(Event(3, EventType.TASK_STARTED, "ex", "a", 1.0, {}))
    assert seen == [1, 2]

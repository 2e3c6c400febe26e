"""`JournalTail`: following a journal another process appends to, never past what is durable;
and `RelayedExecutions`, the stream relay's view of the journals, on both anyio backends."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from harmoniad.relay import RelayedExecutions
from harmoniad.relaywire import ExecutionNews
from helpers.engine_probe import Probe, engine_options, registry_with, workflow

from harmonia.engine import open_engine
from harmonia.events import Event
from harmonia.store import Store
from harmonia.store.journal import JournalTail


def event(seq: int) -> Event:
    return Event(seq, "task_started", "ex", f"t{seq}", 1_700_000_000.0 + seq, {"n": seq})


def append(path: Path, *seqs: int, torn: bytes = b"") -> None:
    with open(path, "ab") as handle:
        for seq in seqs:
            handle.write(event(seq).to_journal_line())
        handle.write(torn)


def test_reads_only_as_far_as_it_is_told_then_only_what_was_appended(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    tail = JournalTail(path)
    assert tail.read_through(3) == []  # no file yet
    append(path, 1, 2, 3, 4, 5)
    assert [e.seq for e in tail.read_through(3)] == [1, 2, 3]  # 4 and 5: not durable yet
    assert tail.read_through(3) == []
    assert [e.seq for e in tail.read_through(5)] == [4, 5]
    append(path, 6, torn=b'{"seq":7,"type":"task_st')  # a line being written
    assert [e.seq for e in tail.read_through(7)] == [6]
    with open(path, "ab") as handle:
        rest = event(7).to_journal_line()
        handle.write(rest[len(b'{"seq":7,"type":"task_st') :])
    got = tail.read_through(7)
    assert got == [event(7)] and got[0].data == {"n": 7}
    assert tail.last_seq == 7


def test_starts_after_a_seq_in_the_middle_of_a_long_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    append(path, *range(1, 2001))
    tail = JournalTail(path, after_seq=1500)
    assert [e.seq for e in tail.read_through(1503)] == [1501, 1502, 1503]
    append(path, 2001)
    assert [e.seq for e in tail.read_through(10_000)] == list(range(1504, 2002))


@pytest.mark.anyio
async def test_the_relay_view_publishes_and_replays_only_what_the_daemon_said_is_durable(
    data_dir: Path,
) -> None:
    probe = Probe()
    registry = registry_with(probe)
    wf = workflow({"a": {}, "b": {"depends_on": ["a"], "input": {"gate": "b"}}}, registry)
    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await engine.start(wf)
        await probe.started("b")
        await engine.writer.flush()
        durable = engine.bus.published_seq(state.id)
        assert durable is not None and durable >= 4
        relayed = RelayedExecutions(Store(data_dir))
        # the daemon says less is durable than is on disk: the relay must not go further
        told = durable - 2
        relayed.learn(ExecutionNews("other", 7, "running", 7, True))  # nobody streams it
        assert not relayed.is_live("other")
        relayed.learn(ExecutionNews(state.id, told, "running", state.last_seq, True), streamed=True)
        assert relayed.is_live(state.id)
        assert (await relayed.get(state.id)).status == "running"
        subscription = relayed.subscribe(state.id, after_seq=0)
        with anyio.fail_after(10):
            first = await subscription.next_batch()
        assert [e.seq for e in first] == list(range(1, told + 1))
        assert [e.seq for e in await relayed.bus.replay(state.id, 0)] == [e.seq for e in first]

        probe.open("b")
        final = await engine.wait(state.id)
        relayed.learn(ExecutionNews(state.id, told + 1, "running", final.last_seq, True))
        relayed.learn(ExecutionNews(state.id, told, "running", final.last_seq, True))  # stale
        relayed.learn(ExecutionNews(state.id, final.last_seq, "completed", final.last_seq, True))
        rest: list[Event] = []
        with anyio.fail_after(10):
            while not rest or rest[-1].seq < final.last_seq:
                rest.extend(await subscription.next_batch())
        subscription.close()
    assert [e.seq for e in rest] == list(range(told + 1, final.last_seq + 1))
    assert rest[-1].type == "workflow_completed"
    assert (await relayed.get(state.id)).status == "completed"


@pytest.mark.anyio
async def test_a_second_stream_after_the_first_ended_gets_every_later_event(
    data_dir: Path,
) -> None:
    """The `harmonia retry` case: a stream of an execution ends (it failed), the execution
    goes on (a retry), and a new stream is handed over: it must not wait forever for events
    the relay has stopped following."""
    probe = Probe()
    registry = registry_with(probe)
    wf = workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"], "input": {"gate": "b"}},
            "c": {"depends_on": ["b"], "input": {"gate": "c"}},
        },
        registry,
    )

    def news(seq: int, last: int) -> ExecutionNews:
        return ExecutionNews(state.id, seq, "running", last, True)

    async with open_engine(data_dir, registry, **engine_options()) as engine:
        state = await engine.start(wf)
        relayed = RelayedExecutions(Store(data_dir))

        async def durable_now() -> int:
            await engine.writer.flush()
            seq = engine.bus.published_seq(state.id)
            assert seq is not None
            return seq

        await probe.started("b")
        first_end = await durable_now()
        relayed.learn(news(first_end, state.last_seq), streamed=True)
        first = relayed.subscribe(state.id, after_seq=0)
        with anyio.fail_after(10):
            assert (await first.next_batch())[-1].seq == first_end
        first.close()  # that stream ended

        probe.open("b")
        await probe.started("c")
        second_start = await durable_now()
        relayed.learn(news(second_start, state.last_seq), streamed=True)  # a new handover
        second = relayed.subscribe(state.id, after_seq=first_end)
        with anyio.fail_after(10):
            got = await second.next_batch()  # what the journal held when it started
        assert got[-1].seq == second_start
        probe.open("c")
        final = await engine.wait(state.id)
        relayed.learn(news(final.last_seq, final.last_seq))  # the daemon's next news
        with anyio.fail_after(10):
            while got[-1].seq < final.last_seq:
                got.extend(await second.next_batch())
        second.close()
    assert [e.seq for e in got] == list(range(first_end + 1, final.last_seq + 1))

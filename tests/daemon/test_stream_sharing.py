"""What the daemon's streams share between clients: one decoded history of an execution at rest
(`SharedHistories`) and one encoding of each event (`EventEncoder`), both given up when their
last user is gone; on both anyio backends."""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest
from harmoniad.encoding import EventEncoder
from harmoniad.histories import SharedHistories

from harmonia.events import Event

pytestmark = pytest.mark.anyio


def event(seq: int, execution_id: str = "ex") -> Event:
    return Event(seq, "task_started", execution_id, f"t{seq}", 1_700_000_000.0 + seq, {"n": seq})


class Journal:
    """A journal file and a replay that reads it, counting its reads; `gate` holds reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reads = 0
        self.gate = anyio.Event()
        self.gate.set()
        self.reading = anyio.Event()
        self.fail = False

    def write(self, *seqs: int) -> None:
        with open(self.path, "ab") as handle:
            for seq in seqs:
                handle.write(event(seq).to_journal_line())

    async def replay(
        self, execution_id: str, after_seq: int, limit: int | None = None
    ) -> list[Event]:
        self.reads += 1
        self.reading.set()
        await self.gate.wait()
        if self.fail:
            raise OSError("disk gone")
        lines = self.path.read_bytes().splitlines()
        events = [Event.from_journal(orjson.loads(line)) for line in lines]
        return [e for e in events if e.seq > after_seq][:limit]

    def histories(self) -> SharedHistories:
        return SharedHistories(self.replay, lambda execution_id: self.path)


async def test_clients_replaying_together_share_one_read(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.write(1, 2, 3)
    histories = journal.histories()
    journal.gate = anyio.Event()  # the first read waits: the others come meanwhile
    got: list[list[Event]] = []
    all_got, done = anyio.Event(), anyio.Event()

    async def client() -> None:
        async with histories.hold("ex") as history:
            got.append(history)
            if len(got) == 5:
                all_got.set()
            await done.wait()  # each holds it until all have it

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(client)
            await journal.reading.wait()
            journal.gate.set()
            await all_got.wait()
            done.set()
    assert journal.reads == 1
    assert len(got) == 5 and all(h is got[0] for h in got)
    assert [e.seq for e in got[0]] == [1, 2, 3]
    assert histories.held == 0  # given up with its last client


async def test_a_journal_that_grew_is_read_again_while_the_old_history_is_still_held(
    tmp_path: Path,
) -> None:
    """The `resume` case: an execution at rest went on and ended again while a slow client
    still replays its old history; a new client must get the new events."""
    journal = Journal(tmp_path / "journal.jsonl")
    journal.write(1, 2)
    histories = journal.histories()
    async with histories.hold("ex") as old:
        journal.write(3, 4)
        async with histories.hold("ex") as new:
            assert [e.seq for e in new] == [1, 2, 3, 4]
        assert [e.seq for e in old] == [1, 2]
        assert journal.reads == 2
    assert histories.held == 0


async def test_a_failed_read_fails_each_waiting_client_without_keeping_anything(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.write(1)
    journal.fail = True
    histories = journal.histories()
    failures: list[str] = []

    async def client() -> None:
        try:
            async with histories.hold("ex"):
                pass
        except OSError as exc:
            failures.append(str(exc))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(client)
    assert failures == ["disk gone"] * 3
    assert histories.held == 0


async def test_each_event_is_encoded_once_and_everything_is_dropped_after_the_last_stream() -> None:
    idle: list[int] = []
    encoder = EventEncoder(forms_kept=4, on_idle=lambda: idle.append(1))
    batch = [event(1), event(2), event(3)]
    with encoder.streaming(), encoder.streaming():
        chunk = encoder.sse_batch(batch, global_ids=False)
        assert chunk.startswith(b'id: 1\nevent: task_started\ndata: {"seq":1,')
        assert chunk.count(b"\n\n") == 3 and chunk.endswith(b"\n\n")
        # another client's copy of the same events (a replay decodes its own) shares them
        assert encoder.sse_batch([event(1), event(2), event(3)], global_ids=False) is chunk
        frame = orjson.loads(encoder.ws_batch(batch))
        assert frame["type"] == "batch" and [e["seq"] for e in frame["events"]] == [1, 2, 3]
        assert encoder.text(event(2)) == orjson.dumps(event(2).to_dict()).decode()
        assert encoder.sse(event(2, "other"), global_ids=True).startswith(b"id: other:2\n")
        for seq in range(4, 40):
            encoder.text(event(seq))
        assert encoder.kept <= 2 * 4 + 2  # two generations of forms, two chunks
    assert encoder.kept == 0 and idle == [1]


async def test_wait_idle_returns_once_the_last_stream_has_ended() -> None:
    encoder = EventEncoder()
    with anyio.fail_after(5):
        await encoder.wait_idle()  # no stream: at once
    ended: list[str] = []
    first, second = encoder.streaming(), encoder.streaming()
    first.__enter__()
    second.__enter__()

    async def wait() -> None:
        await encoder.wait_idle()
        ended.append("idle")

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(wait)
            await anyio.wait_all_tasks_blocked()
            first.__exit__(None, None, None)
            await anyio.wait_all_tasks_blocked()
            assert ended == []  # one stream still runs (its close not yet sent)
            second.__exit__(None, None, None)
    assert ended == ["idle"]

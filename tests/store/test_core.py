"""The store: journals with torn-tail repair, crash-safe TinyDB files, the catalog and locks.

These are blocking, synchronous APIs (the engine calls them from a worker thread), so the tests
here are plain functions.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from tinydb import TinyDB

from harmonia.errors import NotFound
from harmonia.events import Event
from harmonia.state import ExecutionState
from harmonia.store import ExecutionLocked, Store, journal
from harmonia.store.journal import CorruptJournal
from harmonia.store.storage import CorruptDatabase, CrashSafeStorage, write_atomically

WORKFLOW_DOC: dict[str, Any] = {
    "name": "stored",
    "tasks": {
        "a": {"component": "core", "action": "echo"},
        "b": {"component": "core", "action": "echo", "depends_on": ["a"]},
    },
}


def event(seq: int, type: str = "task_started", task_id: str | None = "a", **data: Any) -> Event:
    return Event(seq, type, "exec-1", task_id, 1_700_000_000.0 + seq, data or {"attempt": 1})


def write_journal(path: Path, events: list[Event]) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(e.to_journal_line() for e in events)
    path.write_bytes(data)
    return data


def new_execution(
    store: Store, execution_id: str = "20260101-000000-aaaaaa", status: str = "running"
) -> ExecutionState:
    state = ExecutionState.new(execution_id, WORKFLOW_DOC, {}, time.time())
    state.status = status
    store.create_execution(state.meta_record(), {}, state.summary())
    return state


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# ---- journal ----------------------------------------------------------------------------------


def test_journal_round_trip_and_after_seq(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    events = [event(1, "workflow_started", None), event(2), event(3, "task_completed", output=5)]
    write_journal(path, events)
    assert journal.read_events(path) == events
    assert [e.seq for e in journal.read_events(path, after_seq=1)] == [2, 3]
    assert journal.last_seq(path) == 3
    assert journal.read_events(tmp_path / "missing.jsonl") == []
    assert journal.last_seq(tmp_path / "missing.jsonl") == 0
    assert journal.repair(tmp_path / "missing.jsonl") == 0


@pytest.mark.parametrize(
    "tail",
    [
        b'{"seq": 4, "type": "task_comp',  # killed in the middle of a line
        b'{"seq": 4, "type": "task_completed"}',  # a whole object but no newline yet
        b"\x00\x00\x00\x00",  # zeroed blocks after a power loss
        b"\x00\x00\n\x00\x00\x00\n\x00",  # zeroed blocks that hold newlines
    ],
)
def test_torn_tail_is_ignored_by_readers_and_cut_by_repair(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "journal.jsonl"
    events = [event(1, "workflow_started", None), event(2), event(3)]
    good = write_journal(path, events)
    with open(path, "ab") as handle:
        handle.write(tail)
    assert journal.read_events(path) == events
    assert journal.last_seq(path) == 3
    assert journal.repair(path) == len(tail)
    assert path.read_bytes() == good
    assert journal.repair(path) == 0  # idempotent


def test_a_bad_line_in_the_middle_is_damage_not_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    lines = [event(1).to_journal_line(), b"this is not json\n", event(2).to_journal_line()]
    path.write_bytes(b"".join(lines))
    assert journal.read_events(path) == [event(1)]  # readers stop before the damage
    with pytest.raises(CorruptJournal, match="line 2") as caught:
        journal.repair(path)
    assert caught.value.damage.offset == len(lines[0])
    assert path.read_bytes() == b"".join(lines)  # repair refuses to throw data away


def test_a_complete_last_line_that_does_not_parse_is_damage_not_a_torn_tail(
    tmp_path: Path,
) -> None:
    """A crash cuts a line short; it cannot end one that does not parse with a newline."""
    path = tmp_path / "journal.jsonl"
    good = write_journal(path, [event(1, "workflow_started", None), event(2)])
    path.write_bytes(good + b'{"seq": 3, "ty\n')
    assert [e.seq for e in journal.read_events(path)] == [1, 2]
    with pytest.raises(CorruptJournal, match=f"line 3 \\(byte {len(good)}\\)"):
        journal.repair(path)
    assert path.read_bytes() == good + b'{"seq": 3, "ty\n'


def test_store_loads_an_execution_with_a_damaged_journal_as_damaged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store)
    path = store.journal_path(state.id)
    first = Event(1, "workflow_started", state.id, None, 1.0, {}).to_journal_line()
    path.write_bytes(
        first
        + b"{broken\n"
        + Event(2, "task_started", state.id, "a", 2.0, {"attempt": 1}).to_journal_line()
    )
    loaded = store.load_execution(state.id, repair=True)
    assert loaded.status == "damaged"
    assert loaded.last_seq == 1  # as far as the readable part goes
    assert loaded.damage is not None
    assert loaded.damage["status"] == "running"
    [damaged] = loaded.damage["files"]
    assert damaged["file"] == f"executions/{state.id}/journal.jsonl"
    assert (damaged["line"], damaged["offset"]) == (2, len(first))
    assert path.read_bytes().startswith(first + b"{broken\n")  # nothing cut


def test_appender_groups_several_journals_and_creates_folders(tmp_path: Path) -> None:
    store = Store(tmp_path)
    batch = [
        Event(1, "workflow_started", "20260101-000000-aaaaaa", None, 1.0, {}),
        Event(1, "workflow_started", "20260101-000000-bbbbbb", None, 1.0, {}),
        Event(2, "task_started", "20260101-000000-aaaaaa", "a", 2.0, {"attempt": 1}),
    ]
    store.append_events(batch)
    store.append_events([Event(3, "task_started", "20260101-000000-aaaaaa", "b", 3.0, {})])
    store.close()
    assert [e.seq for e in store.read_events("20260101-000000-aaaaaa")] == [1, 2, 3]
    assert [e.seq for e in store.read_events("20260101-000000-bbbbbb")] == [1]
    assert [e.seq for e in store.read_events("20260101-000000-aaaaaa", after_seq=2)] == [3]


# ---- crash-safe storage -----------------------------------------------------------------------


def test_crash_safe_storage_writes_whole_files_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "db" / "state.json"
    db = TinyDB(path, storage=CrashSafeStorage)
    db.table("t").insert({"n": 1})
    db.table("t").insert({"n": 2})
    db.close()
    assert orjson.loads(path.read_bytes())["t"] == {"1": {"n": 1}, "2": {"n": 2}}
    assert temp_files(path.parent) == []
    assert TinyDB(path, storage=CrashSafeStorage).table("t").all() == [{"n": 1}, {"n": 2}]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, b'{"old": {}}')

    def crash(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomically(path, b'{"new": {}}')
    monkeypatch.undo()
    assert path.read_bytes() == b'{"old": {}}'
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("content", [b'{"_default": {"1": {"a"', b"[1, 2, 3]", b"\xff\xfe"])
def test_a_corrupt_database_raises_instead_of_reading_as_empty(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(CorruptDatabase, match=r"state\.json"):
        CrashSafeStorage(path).read()


def test_an_empty_or_missing_database_reads_as_new(tmp_path: Path) -> None:
    assert CrashSafeStorage(tmp_path / "missing.json").read() is None
    (tmp_path / "empty.json").write_bytes(b"")
    assert CrashSafeStorage(tmp_path / "empty.json").read() is None
    with pytest.raises(FileNotFoundError):
        CrashSafeStorage(tmp_path / "missing.json", create=False).write({})


def test_load_execution_with_a_corrupt_snapshot_says_where(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store)
    store.state_path(state.id).write_bytes(b'{"execution": {"1": ')
    store.journal_path(state.id).write_bytes(
        Event(1, "workflow_started", state.id, None, 1.0, {"workflow": "stored"}).to_journal_line()
    )
    loaded = store.load_execution(state.id)
    assert loaded.status == "damaged" and loaded.workflow_name == "stored"
    assert loaded.damage is not None
    [damaged] = loaded.damage["files"]
    assert damaged["file"] == f"executions/{state.id}/state.json"
    assert damaged["offset"] == 20 and damaged["line"] == 1  # where the document ends
    assert "not valid JSON" in damaged["reason"]


def test_a_corrupt_catalog_is_kept_aside_and_rebuilt_by_a_read_or_a_write(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store)
    store.catalog_path.write_bytes(b"{not json")
    assert [r["id"] for r in store.list_summaries()] == [state.id]
    (aside,) = tmp_path.glob("catalog.json.damaged-*")
    assert aside.read_bytes() == b"{not json"
    aside.unlink()
    store.catalog_path.write_bytes(b"{not json either")
    store.put_summary({**state.summary(), "status": "paused"})
    assert [r["status"] for r in Store(tmp_path).list_summaries()] == ["paused"]
    (aside,) = tmp_path.glob("catalog.json.damaged-*")
    assert aside.read_bytes() == b"{not json either"


# ---- executions, snapshots and checkpoints ----------------------------------------------------


def test_a_new_execution_loads_with_every_task_pending(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store, status="pending")
    loaded = store.load_execution(state.id)
    assert loaded.to_public() == state.to_public()
    assert {tid: t.status for tid, t in loaded.tasks.items()} == {"a": "pending", "b": "pending"}
    assert temp_files(store.execution_dir(state.id)) == []


def test_a_new_execution_has_its_empty_journal_and_abandoning_one_leaves_no_folder(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    state = new_execution(store, status="pending")
    assert store.journal_path(state.id).read_bytes() == b""  # made with its first snapshot
    execution_id, lock = store.new_execution(lambda: "20261202-000000-0000000001")
    store.journal_path(execution_id).touch()  # as a refused create leaves it (snapshot removed)
    store.abandon_execution(execution_id, lock)
    assert not store.execution_dir(execution_id).exists()


def test_load_execution_applies_the_journal_after_the_snapshot(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store, status="pending")
    events = [
        Event(1, "workflow_started", state.id, None, 10.0, {}),
        Event(2, "task_started", state.id, "a", 11.0, {"attempt": 1}),
        Event(3, "task_completed", state.id, "a", 12.0, {"attempt": 1, "output": 7}),
    ]
    store.append_events(events)
    loaded = store.load_execution(state.id)
    assert loaded.last_seq == 3
    assert loaded.status == "running"
    assert loaded.tasks["a"].output == 7
    # a snapshot at seq 2 plus the journal gives the same
    mid = ExecutionState.new(state.id, WORKFLOW_DOC, {}, state.created_at)
    from harmonia.state import apply

    for e in events[:2]:
        apply(mid, e)
    store.write_snapshot(mid.meta_record(), {t: s.to_record() for t, s in mid.tasks.items()})
    assert store.load_execution(state.id).to_public() == loaded.to_public()


def test_unknown_executions_and_bad_ids_are_not_found(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(NotFound):
        store.load_execution("20260101-000000-ffffff")
    with pytest.raises(NotFound):
        store.get_summary("20260101-000000-ffffff")
    for bad in ("", "../escape", ".hidden", "a/b"):
        with pytest.raises(NotFound):
            store.execution_dir(bad)
    assert store.list_summaries() == []
    assert store.list_checkpoints() == []
    with pytest.raises(NotFound):
        store.load_checkpoint("ckpt-000")
    assert not tmp_path.joinpath("catalog.json").exists()


def test_resolve_execution_id_accepts_unique_prefixes(tmp_path: Path) -> None:
    store = Store(tmp_path)
    new_execution(store, "20260101-000000-aaaaaa")
    new_execution(store, "20260101-000000-abbbbb")
    new_execution(store, "20260102-000000-cccccc")
    assert store.resolve_execution_id("20260101-000000-aaaaaa") == "20260101-000000-aaaaaa"
    assert store.resolve_execution_id("20260102") == "20260102-000000-cccccc"
    with pytest.raises(NotFound, match="ambiguous"):
        store.resolve_execution_id("20260101-000000-a")
    with pytest.raises(NotFound, match="no execution"):
        store.resolve_execution_id("2027")


def checkpoint_record(
    execution: ExecutionState, checkpoint_id: str, kind: str, seq: int
) -> dict[str, Any]:
    return {
        "id": checkpoint_id,
        "execution_id": execution.id,
        "name": f"{kind} {checkpoint_id}",
        "kind": kind,
        "created_at": time.time() + seq,
        "seq": seq,
        "meta": execution.meta_record(),
        "tasks": {},
    }


def test_a_periodic_checkpoint_replaces_the_previous_one_and_manual_ones_stay(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    one = new_execution(store, "20260101-000000-aaaaaa")
    two = new_execution(store, "20260101-000000-bbbbbb")
    store.add_checkpoint(checkpoint_record(one, "ckpt-m1", "manual", 1))
    store.add_checkpoint(checkpoint_record(one, "ckpt-p1", "periodic", 2))
    store.add_checkpoint(checkpoint_record(two, "ckpt-p2", "periodic", 3))
    store.add_checkpoint(checkpoint_record(one, "ckpt-p3", "periodic", 4))
    assert [c["id"] for c in store.list_checkpoints(one.id)] == ["ckpt-m1", "ckpt-p3"]
    assert [c["id"] for c in store.list_checkpoints(two.id)] == ["ckpt-p2"]
    assert [c["id"] for c in store.list_checkpoints()] == ["ckpt-m1", "ckpt-p2", "ckpt-p3"]
    with pytest.raises(NotFound):
        store.load_checkpoint("ckpt-p1")
    record = store.load_checkpoint("ckpt-m1")
    assert record["meta"]["id"] == one.id
    assert record["seq"] == 1
    # checkpoints survive a new snapshot of their execution
    store.write_snapshot(one.meta_record(), {})
    assert store.load_checkpoint("ckpt-p3")["seq"] == 4


@pytest.mark.parametrize("chunk", [1, 1000])
def test_latest_json_holds_the_rows_a_snapshot_holds_and_leaves_checkpoints_in_state_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from dataclasses import replace

    from harmonia.state import apply
    from harmonia.store import snapshots
    from harmonia.store.snapshots import snapshot_of, snapshot_rows
    from harmonia.store.storage import AtomicWrites

    monkeypatch.setattr(snapshots, "SNAPSHOT_CHUNK", chunk)
    store = Store(tmp_path)
    state = new_execution(store)
    store.add_checkpoint(checkpoint_record(state, "ckpt-m1", "manual", 1))
    for e in [
        event(1, "workflow_started", None),
        event(2),
        event(3, "task_completed", attempt=1, output={"x": [1, 2]}),
        event(4, "task_started", "b"),
    ]:
        apply(state, e)
        store.append_events([replace(e, execution_id=state.id)])
    group = AtomicWrites()
    store.write_latest(*snapshot_rows(state), group)
    group.commit()
    # the same tables, row for row, as the TinyDB path writes
    latest = TinyDB(store.latest_path(state.id), storage=CrashSafeStorage)
    assert latest.tables() == {"execution", "tasks"}
    meta, tasks = snapshot_of(state)
    assert latest.table("execution").all() == [meta]
    assert {
        r["task_id"]: {k: v for k, v in r.items() if k != "task_id"}
        for r in latest.table("tasks").all()
    } == tasks
    latest.close()
    assert store.load_execution(state.id) == state
    # the checkpoint stays in state.json, the fsynced base
    assert store.load_checkpoint("ckpt-m1")["seq"] == 1
    assert [c["id"] for c in store.list_checkpoints(state.id)] == ["ckpt-m1"]


def test_journal_read_in_one_pass_or_line_by_line_gives_the_same_events(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    events = [event(n) for n in range(1, 6)]
    data = write_journal(path, events)
    whole = journal.read_events(path)
    assert [e.seq for e in whole] == [1, 2, 3, 4, 5]
    assert [e.seq for e in journal.read_events(path, after_seq=3)] == [4, 5]
    # a damaged complete line: the events before it
    path.write_bytes(data + b'{"seq": 6, "type"\n')
    assert [e.seq for e in journal.read_events(path)] == [1, 2, 3, 4, 5]
    path.write_bytes(data[:-10])
    assert [e.seq for e in journal.read_events(path)] == [1, 2, 3, 4]


def test_reading_after_a_seq_jumps_to_it_and_pages_like_a_full_scan(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    data = write_journal(path, [event(n) for n in range(1, 41)])
    for after in range(0, 42):
        for limit in (None, 1, 7):
            got = [e.seq for e in journal.read_events(path, after, limit)]
            want = list(range(after + 1, 41))[:limit]
            assert got == want, (after, limit)
    # a torn tail after the jump target is still left out
    path.write_bytes(data + b'{"seq": 41, "ty')
    assert [e.seq for e in journal.read_events(path, 38, 10)] == [39, 40]
    # a line whose seq cannot be read on the way: the reader falls back to a full scan,
    # which stops at that damage
    lines = data.splitlines(keepends=True)
    lines[20] = b'{"seq": oops}\n'
    path.write_bytes(b"".join(lines))
    assert journal.read_events(path, 30, 5) == []
    assert [e.seq for e in journal.read_events(path, 18)] == [19, 20]
    # a gap after the line jumped to: the events before it
    del lines[20:22]
    path.write_bytes(b"".join(lines))
    assert [e.seq for e in journal.read_events(path, 18, 10)] == [19, 20]


# ---- locks and the catalog --------------------------------------------------------------------


def test_an_execution_lock_is_exclusive(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store)
    assert not store.is_locked(state.id)
    lock = store.lock_execution(state.id)
    try:
        assert store.is_locked(state.id)
        assert Store(tmp_path).is_locked(state.id)
        with pytest.raises(ExecutionLocked, match=f"pid {os.getpid()}"):
            store.lock_execution(state.id)
        with pytest.raises(ExecutionLocked):
            Store(tmp_path).lock_execution(state.id)
        assert store.is_locked(state.id)  # probing does not steal or drop the lock
    finally:
        lock.release()
    assert not store.is_locked(state.id)
    again = Store(tmp_path).lock_execution(state.id)
    again.release()
    again.release()  # releasing twice is harmless


def test_list_summaries_marks_unlocked_running_executions_as_interrupted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    running = new_execution(store, "20260101-000000-aaaaaa", status="running")
    pending = new_execution(store, "20260101-000000-bbbbbb", status="pending")
    held = new_execution(store, "20260101-000000-cccccc", status="running")
    done = new_execution(store, "20260101-000000-dddddd", status="completed")
    paused = new_execution(store, "20260101-000000-eeeeee", status="paused")
    lock = Store(tmp_path).lock_execution(held.id)
    try:
        rows = {r["id"]: r for r in store.list_summaries()}
    finally:
        lock.release()
    assert {i: r["interrupted"] for i, r in rows.items()} == {
        running.id: True,
        pending.id: True,
        held.id: False,
        done.id: False,
        paused.id: False,
    }
    assert {r["id"]: r["interrupted"] for r in store.list_summaries()}[held.id] is True


def test_list_summaries_is_newest_first_and_put_summary_upserts(tmp_path: Path) -> None:
    store = Store(tmp_path)
    old = new_execution(store, "20260101-000000-aaaaaa")
    new = new_execution(store, "20260101-000000-bbbbbb")
    store.put_summary({**old.summary(), "created_at": 1.0, "status": "completed"})
    store.put_summary({**new.summary(), "created_at": 2.0})
    rows = store.list_summaries()
    assert [r["id"] for r in rows] == [new.id, old.id]
    assert rows[1]["status"] == "completed"
    assert len(rows) == 2

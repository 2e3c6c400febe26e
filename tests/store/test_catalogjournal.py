"""The catalog journal: updates appended and replayed, torn last lines skipped and cut, damage
found and rebuilt, folds that a kill at any point leaves whole, and old folders unchanged.

Blocking, synchronous APIs: plain functions.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.catalog_files import count_full_reads

import harmonia.store.catalog as catalog_module
import harmonia.store.catalogjournal as cj
from harmonia.state import ExecutionState
from harmonia.store import Store
from harmonia.store.catalog import CatalogDamaged
from harmonia.store.definitions import check_catalog
from harmonia.store.storage import set_write_budget

DOC: dict[str, Any] = {"name": "journaled", "tasks": {"a": {"component": "core", "action": "echo"}}}
REQUIRED = {"executions": ("id", "status")}


def started(store: Store, n: int) -> ExecutionState:
    state = ExecutionState.new(f"20260101-000000-{n:010d}", DOC, {}, float(n))
    store.create_execution(state.meta_record(), {}, state.summary())
    return state


def rows(data_dir: Path) -> dict[str, str]:
    """Each execution's status, as a fresh process reads the catalog."""
    return {r["id"]: r["status"] for r in Store(data_dir).list_summaries()}


def checkpoint(store: Store, execution_id: str, name: str) -> None:
    record = {
        "id": f"ckpt-{name}",
        "execution_id": execution_id,
        "name": name,
        "kind": "periodic",
        "created_at": 1.0,
        "seq": 0,
        "meta": {},
        "tasks": {},
    }
    store.add_checkpoint(record)


# ---- the format ---------------------------------------------------------------------------


def test_scan_reads_each_line_and_stops_before_a_torn_tail() -> None:
    one = cj.encode([["put", "executions", [{"id": "a", "status": "running"}]]])
    two = cj.encode([["del", "executions", ["a"]], ["set", "workflows", []]])
    scanned = cj.scan(one + two + b'{"ops": [["put"', REQUIRED)
    assert scanned.updates == [orjson.loads(one)["ops"], orjson.loads(two)["ops"]]
    assert (scanned.end, scanned.lines, scanned.bad) == (len(one + two), 2, None)
    # a complete last line that does not read was never acknowledged either (torn pages)
    torn = cj.scan(one + b"\x00\x00\x00\n", REQUIRED)
    assert (torn.end, torn.lines, torn.bad) == (len(one), 1, None)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"not json", "not valid JSON"),
        (b"[1]", "no list of operations"),
        (b'{"ops": [["drop", "executions", []]]}', "not a catalog operation"),
        (b'{"ops": [["put", "executions", [{"id": "x"}]]]}', "has no 'status'"),
        (b'{"ops": [["del", "executions", [1]]]}', "non-string id"),
    ],
)
def test_scan_calls_an_unreadable_line_before_the_last_damage(line: bytes, problem: str) -> None:
    good = cj.encode([["put", "executions", [{"id": "a", "status": "running"}]]])
    scanned = cj.scan(good + line + b"\n" + good, REQUIRED)
    assert scanned.bad is not None and problem in scanned.bad.problem
    assert (scanned.bad.offset, scanned.bad.line, scanned.end) == (len(good), 1, len(good))


# ---- appends and replay -------------------------------------------------------------------


def test_updates_are_appended_and_replayed_by_another_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 0)  # reads may grow from the cache
    store = Store(tmp_path)
    first = started(store, 1)  # the first write makes catalog.json
    catalog = (tmp_path / "catalog.json").read_bytes()
    reader = Store(tmp_path)
    assert rows(tmp_path) == {first.id: "pending"}
    loads = count_full_reads(reader.catalog)
    assert len(reader.list_summaries()) == 1
    for n in range(2, 6):
        started(store, n)
        assert len(reader.list_summaries()) == n  # the new lines only: no full read
    assert loads() == 1
    assert (tmp_path / "catalog.json").read_bytes() == catalog  # never rewritten
    assert len((tmp_path / cj.JOURNAL).read_bytes().splitlines()) == 4
    checkpoint(store, first.id, "one")
    checkpoint(store, first.id, "two")  # the periodic one before it is deleted
    assert [c["id"] for c in Store(tmp_path).list_checkpoints(first.id)] == ["ckpt-two"]


def test_a_torn_last_line_is_skipped_then_cut_by_the_next_write(tmp_path: Path) -> None:
    store = Store(tmp_path)
    states = [started(store, n) for n in range(1, 4)]
    journal = tmp_path / cj.JOURNAL
    whole = journal.read_bytes()
    with journal.open("ab") as file:  # a kill in the middle of an append
        file.write(b'{"ops": [["put", "executions", [{"id": "2026')
    assert check_catalog(tmp_path) == []  # not damage: what a crash leaves
    assert set(rows(tmp_path)) == {s.id for s in states}
    fresh = Store(tmp_path)
    fourth = started(fresh, 4)
    assert journal.read_bytes().startswith(whole) and journal.read_bytes().endswith(b"\n")
    assert cj.scan(journal.read_bytes(), REQUIRED).end == journal.stat().st_size
    assert set(rows(tmp_path)) == {s.id for s in [*states, fourth]}


def test_a_damaged_line_is_reported_then_kept_aside_and_rebuilt(tmp_path: Path) -> None:
    store = Store(tmp_path)
    states = [started(store, n) for n in range(1, 4)]
    journal = tmp_path / cj.JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    damaged = lines[0] + b"\x00garbage\n" + b"".join(lines[1:])
    journal.write_bytes(damaged)
    (damage,) = check_catalog(tmp_path)
    assert damage.path == journal and damage.line == 2 and damage.offset == len(lines[0])
    with pytest.raises(CatalogDamaged):
        Store(tmp_path).catalog.read()
    opened = Store(tmp_path).open_catalog()
    assert opened.damage is not None and opened.damage.path == journal
    (aside,) = tmp_path.glob(f"{cj.JOURNAL}.damaged-*")
    assert aside.read_bytes() == damaged  # evidence, byte for byte
    assert set(rows(tmp_path)) == {s.id for s in states}  # rebuilt from the folders
    assert check_catalog(tmp_path) == [] and not journal.exists()


def test_a_failed_append_leaves_no_partial_line(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = started(store, 1)
    started(store, 2)
    journal = tmp_path / cj.JOURNAL
    before = journal.read_bytes()

    class Full:
        def allow(self, path: Path, size: int) -> int:
            return 10 if path == journal else size

    previous = set_write_budget(Full())
    try:
        with pytest.raises(OSError) as failed:
            store.put_summary({**first.summary(), "status": "running"})
    finally:
        set_write_budget(previous)
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(journal)
    assert journal.read_bytes() == before
    store.put_summary({**first.summary(), "status": "completed"})
    assert rows(tmp_path)[first.id] == "completed"


# ---- folds ---------------------------------------------------------------------------------


def test_the_journal_is_folded_once_it_outgrows_the_file_and_at_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cj, "FOLD_MIN_BYTES", 2_000)
    store = Store(tmp_path)
    journal = tmp_path / cj.JOURNAL
    sizes = []
    for n in range(1, 30):
        started(store, n)
        size = journal.stat().st_size if journal.exists() else 0
        bound = max(2_000, (tmp_path / "catalog.json").stat().st_size) + 400
        assert size < bound  # at most one line past the threshold
        sizes.append(size)
    assert sizes.count(0) >= 3  # folded now and then
    assert len(rows(tmp_path)) == 29
    store.close()
    assert journal.stat().st_size == 0
    data = orjson.loads((tmp_path / "catalog.json").read_bytes())
    assert len(data["executions"]) == 29


def test_a_kill_between_the_fold_and_the_journal_cut_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    states = [started(store, n) for n in range(1, 4)]
    checkpoint(store, states[0].id, "one")
    checkpoint(store, states[0].id, "two")
    store.put_summary({**states[1].summary(), "status": "completed"})
    journal = tmp_path / cj.JOURNAL
    lines = journal.read_bytes()
    expected = rows(tmp_path)
    store.close()  # the fold
    assert journal.stat().st_size == 0
    journal.write_bytes(lines)  # as if the kill came before the journal was cut
    assert rows(tmp_path) == expected
    reader = Store(tmp_path)
    reader.list_summaries()
    reader.close()  # a store that only read writes nothing
    assert journal.read_bytes() == lines
    assert [c["id"] for c in Store(tmp_path).list_checkpoints()] == ["ckpt-two"]


def test_a_kill_between_an_append_and_its_fold_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cj, "FOLD_MIN_BYTES", 1)
    store = Store(tmp_path)
    first = started(store, 1)

    class Killed(BaseException):
        pass

    def killed(*_: object) -> None:
        raise Killed

    monkeypatch.setattr(catalog_module, "write_atomically", killed)
    with pytest.raises(Killed):
        started(store, 2)  # appended (and durable), killed in the fold that follows
    monkeypatch.undo()
    assert set(rows(tmp_path)) == {first.id, "20260101-000000-0000000002"}


def test_an_old_folder_without_a_journal_opens_unchanged(tmp_path: Path) -> None:
    old = {"executions": {"1": {"id": "20251231-000000-aaaaaaaaaa", "status": "completed"}}}
    folder = tmp_path / "executions" / "20251231-000000-aaaaaaaaaa"
    folder.mkdir(parents=True)
    state = ExecutionState.new(folder.name, DOC, {}, 1.0)
    (folder / "state.json").write_bytes(orjson.dumps({"execution": {"1": state.meta_record()}}))
    (tmp_path / "catalog.json").write_bytes(orjson.dumps(old))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    store = Store(tmp_path)
    store.open_catalog()
    assert rows(tmp_path) == {folder.name: "completed"}
    store.close()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if k != "catalog.lock"} == before
    assert not (tmp_path / cj.JOURNAL).exists()
    assert os.listdir(folder) == ["state.json"]


def test_writers_sharing_a_folder_and_a_reader_never_lose_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stores append (and fold: a small threshold) at once while a third reads: every row
    stays, and no read ever sees fewer rows than one before it (a fold between its reads of
    the file and of the journal is noticed and read again)."""
    monkeypatch.setattr(cj, "FOLD_MIN_BYTES", 1_500)
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 0)
    started(Store(tmp_path), 0)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(first: int) -> None:
        store = Store(tmp_path)
        try:
            for n in range(first, first + 40):
                started(store, n)
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        reader = Store(tmp_path)
        seen = 0
        try:
            while not done.is_set():
                count = len(reader.list_summaries())
                assert count >= seen
                seen = count
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(first,)) for first in (1, 101)]
    reader = threading.Thread(target=read)
    for thread in [*writers, reader]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    assert len(rows(tmp_path)) == 81

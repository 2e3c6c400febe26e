"""The catalog file: cached reads, damage found and rebuilt, old folders migrated, rows made to
agree with the files, and ids that are never given twice.

Blocking, synchronous APIs (the engine calls them from worker threads): plain functions.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers.catalog_files import count_full_reads

import harmonia.store.catalog as catalog_module
import harmonia.store.catalog_repair as repair_module
from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import Event
from harmonia.state import ExecutionState
from harmonia.store import Store
from harmonia.store.catalog import CatalogDamaged, Seen
from harmonia.store.definitions import WorkflowDefinitions, check_catalog

DOC: dict[str, Any] = {
    "name": "stored",
    "tasks": {
        "a": {"component": "core", "action": "echo"},
        "b": {"component": "core", "action": "echo", "depends_on": ["a"]},
    },
}


def new_execution(store: Store, execution_id: str, created_at: float = 1.0) -> ExecutionState:
    state = ExecutionState.new(execution_id, DOC, {}, created_at)
    store.create_execution(state.meta_record(), {}, state.summary())
    return state


def ran(store: Store, state: ExecutionState) -> None:
    """Journal a whole run of `state` (its catalog row is left as it was: pending)."""
    store.append_events(
        [
            Event(1, "workflow_started", state.id, None, 2.0, {}),
            Event(2, "task_started", state.id, "a", 3.0, {"attempt": 1}),
            Event(3, "task_completed", state.id, "a", 4.0, {"attempt": 1, "output": 1}),
            Event(4, "task_started", state.id, "b", 5.0, {"attempt": 1}),
        ]
    )
    store.close()


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


# ---- reading ----------------------------------------------------------------------------------


def test_reads_parse_the_file_once_until_some_process_rewrites_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 10**18)  # count only version changes
    store = Store(tmp_path)
    new_execution(store, "20260101-000000-aaaaaaaaaa")
    reader = Store(tmp_path)
    loads = count_full_reads(reader.catalog)
    for _ in range(20):
        assert [r["id"] for r in reader.list_summaries()] == ["20260101-000000-aaaaaaaaaa"]
    assert loads() == 1
    new_execution(store, "20260101-000000-bbbbbbbbbb", created_at=2.0)
    assert len(reader.list_summaries()) == 2
    assert reader.get_summary("20260101-000000-bbbbbbbbbb")["status"] == "pending"
    assert loads() == 2


def test_a_read_within_the_file_clock_tick_is_confirmed_once_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    new_execution(store, "20260101-000000-aaaaaaaaaa")
    version = store.catalog.version()
    assert version is not None
    catalog = store.catalog
    assert catalog.changed_since(None)
    assert catalog.changed_since(Seen(version._replace(size=version.size + 1), time.time_ns()))
    # read well after the last write: any later write has another timestamp
    assert not catalog.changed_since(Seen(version, version.mtime_ns + catalog_module.SETTLE_NS))
    # read in the tick of the last write: another write in that tick could keep size and time,
    # so once the tick is over the file is read once more
    racy = Seen(version, read_at_ns=version.mtime_ns)
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 10**18)
    assert not catalog.changed_since(racy)  # the tick is not over yet
    monkeypatch.setattr(catalog_module, "SETTLE_NS", 1)
    assert catalog.changed_since(racy)


# ---- damage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem", "line", "offset"),
    [
        (b"", "the file is empty", 1, 0),
        (b"  \n", "the file is empty", 1, 0),
        (b'{"executions": {"1": {"id": "\xc3\xa9", x}}}', "not valid JSON", 1, 34),
        (b'{"executions": {}}\n\x00garbage', "not valid JSON", 2, 19),
        (b"[1, 2]", "not a JSON object of tables", None, None),
        (b'{"executions": {"1": {"status": "running"}}}', "has no 'id'", None, None),
        (b'{"workflows": []}', "table 'workflows' is not a JSON object", None, None),
    ],
)
def test_check_catalog_says_what_is_wrong_and_where(
    tmp_path: Path, raw: bytes, problem: str, line: int | None, offset: int | None
) -> None:
    assert check_catalog(tmp_path) == []  # no catalog yet: nothing recorded, nothing wrong
    (tmp_path / "catalog.json").write_bytes(raw)
    (damage,) = check_catalog(tmp_path)
    assert problem in damage.problem
    assert (damage.line, damage.offset) == (line, offset)
    assert str(tmp_path / "catalog.json") in str(damage)
    assert (tmp_path / "catalog.json").read_bytes() == raw  # checking changes nothing
    with pytest.raises(CatalogDamaged):
        Store(tmp_path).catalog.read()
    # the store's own reads rebuild it (nothing to rebuild from here), keeping it aside
    assert Store(tmp_path).list_summaries() == []
    (aside,) = tmp_path.glob("catalog.json.damaged-*")
    assert aside.read_bytes() == raw
    assert check_catalog(tmp_path) == []


def test_check_catalog_reports_damaged_workflow_files_and_opening_leaves_them_alone(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    definitions = WorkflowDefinitions(store)
    sound = definitions.add(DOC)
    broken = definitions.add(DOC)
    path = tmp_path / "workflows" / f"{broken['id']}.json"
    raw = path.read_bytes()
    path.write_bytes(raw[:40] + b"\n\x00" + raw[40:])
    (damage,) = check_catalog(tmp_path)
    assert damage.path == path and "not valid JSON" in damage.problem
    assert damage.offset is not None and damage.offset >= 40
    with pytest.raises(InvalidOperation, match=f"stored workflow {broken['id']} is damaged"):
        definitions.get(broken["id"])
    (tmp_path / "catalog.json").unlink()  # rebuilt from the files: the damaged one is left out
    opened = Store(tmp_path).open_catalog()
    assert [p for p in opened.problems if str(path) in p]
    assert [w["id"] for w in WorkflowDefinitions(Store(tmp_path)).list()] == [sound["id"]]
    assert path.read_bytes() == raw[:40] + b"\n\x00" + raw[40:]  # kept as it is


def test_a_damaged_catalog_is_kept_aside_and_rebuilt_from_the_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path)
    done = new_execution(store, "20260101-000000-aaaaaaaaaa", created_at=1.0)
    ran(store, done)
    other = new_execution(store, "20260101-000000-bbbbbbbbbb", created_at=2.0)
    record = {
        "id": "ckpt-x",
        "execution_id": other.id,
        "name": "before",
        "kind": "manual",
        "created_at": 3.0,
        "seq": 0,
        "meta": other.meta_record(),
        "tasks": {},
    }
    store.add_checkpoint(record)
    wf = WorkflowDefinitions(store).add(DOC, template=True)
    # an older damaged copy was kept aside already: it must not be overwritten
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    older = tmp_path / f"catalog.json.damaged-{stamp}"
    older.write_bytes(b"older evidence")
    store.catalog_path.write_bytes(b'{"executions": {"1": {"id": "20260101-0')

    opened = Store(tmp_path).open_catalog()

    assert opened.damage is not None and opened.damage.line == 1
    assert opened.kept_aside is not None and opened.kept_aside != older
    assert opened.kept_aside.read_bytes() == b'{"executions": {"1": {"id": "20260101-0'
    assert older.read_bytes() == b"older evidence"
    fresh = Store(tmp_path)
    rows = {r["id"]: r for r in fresh.list_summaries()}
    # each row is the fold of the folder's snapshot and journal
    assert rows[done.id]["status"] == "running" and rows[done.id]["done_count"] == 1
    assert rows[done.id]["last_seq"] == 4 and rows[done.id]["interrupted"] is True
    assert rows[other.id]["status"] == "pending"
    assert fresh.load_checkpoint("ckpt-x")["name"] == "before"
    assert [w["id"] for w in WorkflowDefinitions(fresh).list(template=True)] == [wf["id"]]
    assert WorkflowDefinitions(fresh).get(wf["id"])["document"] == DOC
    (line,) = [r.getMessage() for r in caplog.records if "kept it as" in r.getMessage()]
    assert "not valid JSON" in line and "2 execution folder(s)" in line
    assert "1 stored workflow file(s)" in line


def test_an_empty_catalog_is_rebuilt_and_a_missing_one_too(tmp_path: Path) -> None:
    store = Store(tmp_path)
    state = new_execution(store, "20260101-000000-aaaaaaaaaa")
    store.catalog_path.write_bytes(b"")
    assert Store(tmp_path).open_catalog().kept_aside is not None
    assert [r["id"] for r in Store(tmp_path).list_summaries()] == [state.id]
    store.catalog_path.unlink()
    assert Store(tmp_path).open_catalog().added_executions == [state.id]
    assert [r["id"] for r in Store(tmp_path).list_summaries()] == [state.id]


def test_opening_a_new_or_sound_folder_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "new"
    Store(empty).open_catalog()
    assert not empty.exists()
    store = Store(tmp_path / "used")
    new_execution(store, "20260101-000000-aaaaaaaaaa")
    WorkflowDefinitions(store).add(DOC)
    before = tree(store.data_dir)
    Store(store.data_dir).open_catalog()
    assert tree(store.data_dir) == before


def test_an_execution_folder_missing_from_the_catalog_is_added_when_opened(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    listed = new_execution(store, "20260101-000000-aaaaaaaaaa")
    # a process died between writing the first snapshot and the catalog row
    lost = ExecutionState.new("20260101-000000-bbbbbbbbbb", DOC, {}, 2.0)
    store.execution_dir(lost.id).mkdir()
    store.write_snapshot(lost.meta_record(), {})
    # and one between claiming the folder and writing anything: left alone
    store.execution_dir("20260101-000000-cccccccccc").mkdir()
    opened = Store(tmp_path).open_catalog()
    assert opened.added_executions == [lost.id]
    assert {r["id"] for r in Store(tmp_path).list_summaries()} == {listed.id, lost.id}


# ---- stored workflows: files, migration, reconciliation ----------------------------------------


def legacy_folder(data_dir: Path, count: int) -> dict[str, dict[str, Any]]:
    """A data folder as versions before this one wrote it: documents inside the catalog."""
    rows = {
        str(i): {
            "id": f"wf-{i:012x}",
            "name": f"w{i}",
            "version": "1.0.0",
            "description": None,
            "task_count": 2,
            "template": i % 2 == 0,
            "created_at": float(i),
            "updated_at": float(i),
            "document": {**DOC, "name": f"w{i}"},
        }
        for i in range(1, count + 1)
    }
    execution = {"id": "20260101-000000-aaaaaa", "status": "completed", "created_at": 1.0}
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog = {"executions": {"1": execution}, "workflows": rows}
    (data_dir / "catalog.json").write_bytes(orjson.dumps(catalog))
    return {row["id"]: row["document"] for row in rows.values()}


def assert_all_readable(data_dir: Path, documents: dict[str, dict[str, Any]]) -> None:
    definitions = WorkflowDefinitions(Store(data_dir))
    assert {w["id"] for w in definitions.list()} == set(documents)
    for workflow_id, document in documents.items():
        assert definitions.get(workflow_id)["document"] == document


def test_an_old_folder_gets_its_documents_out_of_the_catalog_when_opened(tmp_path: Path) -> None:
    documents = legacy_folder(tmp_path, 5)
    assert_all_readable(tmp_path, documents)  # readable before, as it was
    opened = Store(tmp_path).open_catalog()
    assert sorted(opened.migrated_workflows) == sorted(documents)
    assert b"document" not in (tmp_path / "catalog.json").read_bytes()
    assert {p.stem for p in (tmp_path / "workflows").iterdir()} == set(documents)
    assert_all_readable(tmp_path, documents)
    assert [r["id"] for r in Store(tmp_path).list_summaries()] == ["20260101-000000-aaaaaa"]
    templates = WorkflowDefinitions(Store(tmp_path)).list(template=True)
    assert {t["id"] for t in templates} == {"wf-000000000002", "wf-000000000004"}


class Killed(BaseException):
    """Stands for the process dying at this write."""


def test_a_migration_killed_at_any_write_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = repair_module.write_atomically
    real_catalog_write = catalog_module.write_atomically
    for kill_at in range(5):  # 3 definition files, then the catalog
        data_dir = tmp_path / f"kill-{kill_at}"
        documents = legacy_folder(data_dir, 3)
        writes = 0

        def dying(path: Path, payload: Any, *, at: int = kill_at) -> None:
            nonlocal writes
            writes += 1
            if writes > at:
                raise Killed
            (real if path.name != "catalog.json" else real_catalog_write)(path, payload)

        monkeypatch.setattr(repair_module, "write_atomically", dying)
        monkeypatch.setattr(catalog_module, "write_atomically", dying)
        with contextlib.suppress(Killed):
            Store(data_dir).open_catalog()
        assert writes == min(kill_at + 1, 4)
        monkeypatch.undo()
        assert_all_readable(data_dir, documents)
        Store(data_dir).open_catalog()  # the next start finishes the job
        assert b"document" not in (data_dir / "catalog.json").read_bytes()
        assert_all_readable(data_dir, documents)


def test_workflow_rows_follow_their_files_after_a_crash_between_the_two(tmp_path: Path) -> None:
    store = Store(tmp_path)
    definitions = WorkflowDefinitions(store)
    kept = definitions.add(DOC)
    changed = definitions.add(DOC)
    deleted = definitions.add(DOC)
    folder = tmp_path / "workflows"
    # a file written without its row (killed before the catalog write) ...
    orphan = {**{k: v for k, v in kept.items() if k != "id"}, "document": {**DOC, "name": "o"}}
    (folder / "wf-0123456789ab.json").write_bytes(orjson.dumps(orphan))
    # ... a file replaced without its row updated, and a file deleted with its row left
    replaced = {**orphan, "name": "renamed", "document": {**DOC, "name": "renamed"}}
    (folder / f"{changed['id']}.json").write_bytes(orjson.dumps(replaced))
    (folder / f"{deleted['id']}.json").unlink()

    Store(tmp_path).open_catalog()

    rows = {w["id"]: w for w in WorkflowDefinitions(Store(tmp_path)).list()}
    assert set(rows) == {kept["id"], changed["id"], "wf-0123456789ab"}
    assert rows[changed["id"]]["name"] == "renamed"
    with pytest.raises(NotFound):
        WorkflowDefinitions(Store(tmp_path)).get(deleted["id"])


# ---- ids and folders --------------------------------------------------------------------------


def test_a_repeated_execution_id_is_never_reused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = new_execution(store, "20260101-000000-aaaaaaaaaa")
    snapshot = store.state_path(first.id).read_bytes()
    ids = iter([first.id, first.id, "20260101-000000-bbbbbbbbbb"])
    execution_id, lock = store.new_execution(lambda: next(ids))
    try:
        assert execution_id == "20260101-000000-bbbbbbbbbb"
        assert store.is_locked(execution_id)
    finally:
        lock.release()
    assert store.state_path(first.id).read_bytes() == snapshot
    with pytest.raises(FileExistsError):
        store.create_execution(first.meta_record(), {}, first.summary())
    assert store.state_path(first.id).read_bytes() == snapshot


def test_a_repeated_workflow_id_is_never_reused(tmp_path: Path) -> None:
    ids = iter(["wf-000000000001", "wf-000000000001", "wf-000000000002"])
    definitions = WorkflowDefinitions(Store(tmp_path), new_id=lambda: next(ids))
    one = definitions.add({**DOC, "name": "one"})
    two = definitions.add({**DOC, "name": "two"})
    assert (one["id"], two["id"]) == ("wf-000000000001", "wf-000000000002")
    assert definitions.get(one["id"])["document"]["name"] == "one"
    assert definitions.get(two["id"])["document"]["name"] == "two"
    assert [p.name for p in (tmp_path / "workflows").iterdir() if p.name.startswith(".")] == []


def test_locking_an_unknown_execution_creates_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    new_execution(store, "20260101-000000-aaaaaaaaaa")
    before = tree(tmp_path)
    for unknown in ("20260101-000000-ffffffffff", "x" * 300, "..", "a\x00b", "-rf"):
        with pytest.raises(NotFound):
            store.lock_execution(unknown)
    assert tree(tmp_path) == before

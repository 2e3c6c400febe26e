"""Damaged files: what is wrong and where, reading a snapshot strictly, keeping evidence aside.

A file is *damaged* when something other than Harmonia's own writes changed it (a flipped bit,
an editor, a copy gone wrong): unlike a torn journal tail, which a crash leaves and which is cut,
damage is never repaired silently. The execution that owns it is marked `damaged` and the file
is copied aside, byte for byte, before anything may write to that execution again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from harmonia.errors import InvalidOperation
from harmonia.events import Event, EventType
from harmonia.state import ExecutionState, ExecutionStatus, TaskStatus, apply
from harmonia.store.journalscan import scan
from harmonia.store.storage import write_atomically

if TYPE_CHECKING:
    from harmonia.model import Workflow

__all__ = [
    "DamagedFile",
    "SnapshotDamaged",
    "check_workflow",
    "cut_at_damage",
    "json_error_at",
    "keep_aside",
    "kept_copy",
    "read_snapshot",
    "relative_name",
]

JOURNAL_NAME = "journal.jsonl"
KEPT_INFIX = ".damaged-"
"""A kept copy of `journal.jsonl` is `journal.jsonl.damaged-20261202T004848Z`."""

_EXECUTION_STATUSES = frozenset(str(s) for s in ExecutionStatus) - {ExecutionStatus.DAMAGED}
_TASK_STATUSES = frozenset(str(s) for s in TaskStatus)


@dataclass(frozen=True, slots=True)
class DamagedFile:
    """One damaged file: which (relative to the data folder), where in it, and what is wrong."""

    file: str
    reason: str
    offset: int | None = None
    """Byte offset where the file stops being readable, when known."""
    line: int | None = None
    """The line holding that byte (counting from 1), when known."""
    kept_as: str | None = None
    """Its copy set aside as evidence (relative to the data folder), once one was made."""

    def where(self) -> str:
        """`line 3, byte 120`, or as much of it as is known."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{self.file}: {where + ': ' if where else ''}{self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "offset": self.offset,
            "line": self.line,
            "reason": self.reason,
            "kept_as": self.kept_as,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DamagedFile:
        return cls(
            file=str(raw["file"]),
            reason=str(raw.get("reason") or "damaged"),
            offset=raw.get("offset"),
            line=raw.get("line"),
            kept_as=raw.get("kept_as"),
        )

    def kept(self, data_dir: Path) -> DamagedFile:
        """This, with `kept_as` naming an existing identical copy (if any)."""
        copy = kept_copy(data_dir / self.file)
        return replace(self, kept_as=relative_name(data_dir, copy) if copy else None)


def relative_name(data_dir: Path, path: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)


# ---- snapshots ------------------------------------------------------------------------------


class SnapshotDamaged(Exception):
    """An execution's `state.json` cannot be used: not JSON, or not the shape Harmonia writes."""

    def __init__(self, reason: str, offset: int | None = None, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.line = line


def read_snapshot(path: Path, execution_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The execution row and the task rows (by task id) of a snapshot file, checked.

    Raises FileNotFoundError if there is none, `SnapshotDamaged` if it is unusable. Reads the
    file straight rather than through TinyDB tables: those copy every row into a Document, and
    a 100,000-task snapshot would be in memory three times over."""
    data = path.read_bytes()
    if not data.strip():
        raise SnapshotDamaged("empty file", 0, 1)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotDamaged(f"not valid JSON ({exc.msg})", *json_error_at(data, exc)) from None
    if not isinstance(doc, dict):
        raise SnapshotDamaged("not a JSON object of tables")
    rows = doc.get("execution")
    metas = list(rows.values()) if isinstance(rows, dict) else []
    if not metas:
        raise SnapshotDamaged("no execution row")
    meta = metas[0]
    problem = _meta_problem(meta, execution_id)
    if problem is None:
        tasks = doc.get("tasks") or {}
        if not isinstance(tasks, dict):
            problem = "the tasks table is not an object"
        else:
            by_id: dict[str, Any] = {}
            for row in tasks.values():
                problem = _task_problem(row)
                if problem is not None:
                    break
                by_id[row["task_id"]] = row
            else:
                return meta, by_id
    raise SnapshotDamaged(str(problem))


def _meta_problem(meta: Any, execution_id: str) -> str | None:
    if not isinstance(meta, dict):
        return "the execution row is not an object"
    if meta.get("id") != execution_id:
        return f"the execution row is for {meta.get('id')!r}, not {execution_id!r}"
    workflow = meta.get("workflow")
    if not isinstance(workflow, dict) or not isinstance(workflow.get("tasks"), dict):
        return "no workflow document with tasks"
    if meta.get("status", "pending") not in _EXECUTION_STATUSES:
        return f"unknown execution status {meta.get('status')!r}"
    if type(meta.get("last_seq", 0)) is not int or meta.get("last_seq", 0) < 0:
        return "'last_seq' is not a count"
    if not isinstance(meta.get("input") or {}, dict):
        return "'input' is not an object"
    return None


def _task_problem(row: Any) -> str | None:
    if not isinstance(row, dict) or not isinstance(row.get("task_id"), str):
        return "a task row without a task id"
    if row.get("status", "pending") not in _TASK_STATUSES:
        return f"task {row['task_id']!r}: unknown status {row.get('status')!r}"
    if type(row.get("attempts", 0)) is not int:
        return f"task {row['task_id']!r}: 'attempts' is not a count"
    if not isinstance(row.get("history") or [], list):
        return f"task {row['task_id']!r}: 'history' is not a list"
    return None


def json_error_at(data: bytes, exc: orjson.JSONDecodeError) -> tuple[int, int]:
    """The byte offset and the line (from 1) where a JSON document stopped parsing: orjson
    reports a character position, and the operator wants a byte."""
    try:
        offset = len(data.decode()[: exc.pos].encode())
    except UnicodeDecodeError as bad:
        offset = bad.start
    return offset, data.count(b"\n", 0, offset) + 1


def check_workflow(document: dict[str, Any]) -> tuple[Workflow | None, str | None]:
    """A snapshot's workflow document as a model, or why it is not a valid workflow any more
    (a changed byte that still parses as JSON). The checks a stored document skips when it is
    loaded to run, since it was checked when it was first run, are made here too: its task
    graph must still hold together."""
    from pydantic import ValidationError

    from harmonia.model import graph_problems, load_stored_workflow

    try:
        workflow = load_stored_workflow(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, f"its workflow document is not valid ({where}: {first['msg']})"
    problems = graph_problems(workflow.tasks)
    if problems:
        task, message = problems[0]
        return None, f"its workflow document is not valid (task {task!r}: {message})"
    return workflow, None


# ---- evidence -------------------------------------------------------------------------------


def kept_copy(path: Path) -> Path | None:
    """An existing copy of `path` set aside as evidence with exactly its bytes, if any."""
    try:
        data = path.read_bytes()
        candidates = sorted(path.parent.glob(path.name + KEPT_INFIX + "*"))
    except OSError:
        return None
    for candidate in candidates:
        try:
            if candidate.stat().st_size == len(data) and candidate.read_bytes() == data:
                return candidate
        except OSError:
            continue
    return None


def keep_aside(path: Path, now: float | None = None) -> Path | None:
    """Copy `path` to `NAME.damaged-<UTC time>` beside it (once: an identical copy is reused),
    fsynced, so that the evidence survives whatever later writes the original. None if the
    file is gone."""
    existing = kept_copy(path)
    if existing is not None:
        return existing
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    target = path.with_name(path.name + KEPT_INFIX + stamp)
    serial = 1
    while target.exists():
        serial += 1
        target = path.with_name(f"{path.name}{KEPT_INFIX}{stamp}-{serial}")
    write_atomically(target, data)
    return target


# ---- resuming from the readable part ----------------------------------------------------------


def cut_at_damage(state: ExecutionState, data_dir: Path, now: float) -> Event:
    """Make a damaged execution's journal its readable part again, for an operator who asked
    to resume it from there, and return the `journal_repaired` event that ends it now.

    Safe by construction: the damaged file is first set aside byte for byte (fsynced); the new
    journal - the lines before the damage, then the marker - replaces it atomically; the marker
    carries the seq after the state's last one (which a snapshot may have taken past the
    damage) and says which seq it follows, so the journal stays checkable (see
    `harmonia.store.journalscan`). The state is then the readable part's, ready to resume.
    Refused when the snapshot itself is damaged: the workflow document lived there."""
    damage = state.damage
    if damage is None:
        raise InvalidOperation(f"execution {state.id} is not damaged; resume it as usual")
    files = [DamagedFile.from_dict(raw) for raw in damage["files"]]
    journals = [f for f in files if f.file.endswith(JOURNAL_NAME) and f.offset is not None]
    if len(journals) != len(files):
        other = next(f for f in files if f not in journals)
        raise InvalidOperation(
            f"execution {state.id} cannot be resumed: {other} (the workflow document and the "
            "task states lived in that file); start its workflow again"
        )
    item = journals[0]
    assert item.offset is not None
    path = data_dir / item.file
    copy = keep_aside(path, now)
    if copy is None:
        raise InvalidOperation(f"execution {state.id}: {item.file} is gone")
    prefix = path.read_bytes()[: item.offset]
    readable = scan(prefix, execution_id=state.id)
    if readable.damage is not None or readable.end != len(prefix):
        raise InvalidOperation(f"execution {state.id}: {item.file} changed while it was read")
    kept = replace(item, kept_as=relative_name(data_dir, copy))
    marker = Event(
        state.last_seq + 1,
        EventType.JOURNAL_REPAIRED,
        state.id,
        None,
        now,
        {"after_seq": readable.last_seq, "damage": kept.to_dict()},
    )
    write_atomically(path, prefix + marker.to_journal_line())
    apply(state, marker)
    state.status = damage["status"]
    state.damage = None
    state.counted = None
    return marker

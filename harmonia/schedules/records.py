"""The durable state of every schedule: one file, `DATA_DIR/schedules.json`, replaced whole.

Each record keeps its spec and where it stands: `cursor` (the latest planned time dealt with),
the `queue` of planned times waiting for the running one, and its recent `runs`. A run is
recorded as `starting` (durably) before its execution is started, and gets its execution id
after: a crash in between leaves a `starting` run that recovery settles (see `loop`). Only the
daemon writes this file (one daemon per data folder); blocking I/O, call from a thread.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harmonia.errors import NotFound, ValidationFailed
from harmonia.schedules.spec import ScheduleSpec, parse_spec
from harmonia.store.storage import load_or_set_aside, write_atomically

__all__ = ["FILE", "KEPT_RUNS", "ScheduleRecord", "ScheduleStore", "new_schedule_id"]

logger = logging.getLogger("harmonia.schedules")

FILE = "schedules.json"
KEPT_RUNS = 20
"""Runs remembered per schedule (the executions themselves are kept by the store)."""
SAFE_ID = re.compile(r"sch-[0-9a-f]{12}")


def new_schedule_id() -> str:
    return "sch-" + secrets.token_hex(6)


@dataclass
class ScheduleRecord:
    """One schedule: what it starts, when, and what it did."""

    id: str
    workflow_id: str
    spec: ScheduleSpec
    created_at: float
    cursor: float
    paused: bool = False
    queue: list[float] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    """Planned times not run (missed-run or overlap policy), in all."""
    origin: str = "api"
    """`api` (created by a request) or `document` (the workflow file's `schedules:`, kept in
    step with the stored workflow)."""
    disabled: str | None = None
    """Why the daemon stopped it (its workflow was deleted); it is paused meanwhile."""

    def add_run(self, planned_at: float, *, manual: bool = False) -> dict[str, Any]:
        run: dict[str, Any] = {
            "planned_at": planned_at,
            "state": "starting",
            "execution_id": None,
            "error": None,
            "manual": manual,
        }
        self.runs.append(run)
        del self.runs[:-KEPT_RUNS]
        return run

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "spec": self.spec.to_dict(),
            "created_at": self.created_at,
            "cursor": self.cursor,
            "paused": self.paused,
            "queue": self.queue,
            "runs": self.runs,
            "skipped": self.skipped,
            "origin": self.origin,
            "disabled": self.disabled,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleRecord:
        spec = {k: v for k, v in data["spec"].items() if v is not None}
        return cls(
            id=data["id"],
            workflow_id=data["workflow_id"],
            spec=parse_spec(spec),
            created_at=float(data["created_at"]),
            cursor=float(data["cursor"]),
            paused=bool(data.get("paused")),
            queue=[float(t) for t in data.get("queue") or []],
            runs=list(data.get("runs") or []),
            skipped=int(data.get("skipped") or 0),
            origin=str(data.get("origin") or "api"),
            disabled=data.get("disabled"),
        )


_DAMAGE = (orjson.JSONDecodeError, KeyError, TypeError, ValueError, ValidationFailed)


def _parse(payload: bytes) -> dict[str, ScheduleRecord]:
    return {r["id"]: ScheduleRecord.from_dict(r) for r in orjson.loads(payload)["schedules"]}


class ScheduleStore:
    """Every schedule of one data folder, in memory, written whole on `save`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE
        self.records: dict[str, ScheduleRecord] = {}

    def load(self) -> None:
        """Read the file (none: no schedules). A damaged one (it is only ever replaced whole,
        so a crash never leaves one: a hand or a disk did this) is kept aside, byte for byte,
        and the daemon goes on without schedules rather than not at all."""
        records = load_or_set_aside(self.path, _parse, _DAMAGE, logger, "schedules")
        self.records = records or {}

    def snapshot(self) -> bytes:
        """The file's bytes now (taken on the event loop, written in a thread)."""
        rows = [r.to_dict() for r in self.records.values()]
        return orjson.dumps({"version": 1, "schedules": rows})

    def write(self, payload: bytes) -> None:
        write_atomically(self.path, payload)

    def get(self, schedule_id: str) -> ScheduleRecord:
        record = self.records.get(schedule_id) if SAFE_ID.fullmatch(schedule_id) else None
        if record is None:
            raise NotFound(f"no schedule {schedule_id!r}")
        return record

    def new_id(self) -> str:
        while True:
            schedule_id = new_schedule_id()
            if schedule_id not in self.records:
                return schedule_id

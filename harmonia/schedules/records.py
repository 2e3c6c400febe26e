"""The durable state of every schedule: one file, `DATA_DIR/schedules.json`, replaced whole.

Each record keeps its spec and where it stands: `cursor` (the latest planned time dealt with),
the `queue` of planned times waiting for the running one, and its recent `runs`. A run is
recorded as `starting` (durably) before its execution is started, and gets its execution id
after: a crash in between leaves a `starting` run that recovery settles (see `loop`). Only the
daemon writes this file (one daemon per data folder): `harmonia.store.recordfile`.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from harmonia.errors import ValidationFailed
from harmonia.schedules.spec import ScheduleSpec, parse_spec
from harmonia.store.recordfile import RecordFile

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


class ScheduleStore(RecordFile[ScheduleRecord]):
    """Every schedule of one data folder, in memory, written whole on `save`."""

    FILE = FILE
    SECTION = "schedules"
    NOUN = "schedule"
    KEY = SAFE_ID
    DAMAGE = (*RecordFile.DAMAGE, ValidationFailed)
    LOGGER = logger

    def key_of(self, record: ScheduleRecord) -> str:
        return record.id

    def from_row(self, row: dict[str, Any]) -> ScheduleRecord:
        return ScheduleRecord.from_dict(row)

    def new_id(self) -> str:
        while True:
            schedule_id = new_schedule_id()
            if schedule_id not in self.records:
                return schedule_id

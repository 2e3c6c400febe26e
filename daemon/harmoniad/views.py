"""Stored rows and engine states as the API shows them (ISO times, fixed field sets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from harmonia.events import iso_time
from harmonia.state import ExecutionState

__all__ = [
    "SUMMARY_FIELDS",
    "checkpoint_view",
    "live_summary",
    "page_of",
    "summary_view",
    "workflow_view",
]

T = TypeVar("T")

SUMMARY_FIELDS = (
    "id",
    "workflow",
    "status",
    "created_at",
    "started_at",
    "finished_at",
    "task_count",
    "done_count",
    "failed_count",
    "waiting_count",
    "interrupted",
    "restored_from",
    "last_seq",
    "damage",
)
TIME_FIELDS = ("created_at", "started_at", "finished_at", "updated_at")


def summary_view(row: dict[str, Any], *, interrupted: bool | None = None) -> dict[str, Any]:
    """A catalog row (or `ExecutionState.summary()`) as an `ExecutionSummary`."""
    out = {k: row.get(k) for k in SUMMARY_FIELDS}
    for key in ("created_at", "started_at", "finished_at"):
        out[key] = iso_time(out[key])
    out["interrupted"] = bool(row.get("interrupted") if interrupted is None else interrupted)
    out["last_seq"] = int(row.get("last_seq") or 0)
    for key in ("task_count", "done_count", "failed_count", "waiting_count"):
        out[key] = int(out[key] or 0)
    out["workflow"] = str(out["workflow"] or "")
    return out


def live_summary(state: ExecutionState) -> dict[str, Any]:
    """The summary of an execution this process drives (never interrupted: it runs here)."""
    return summary_view(state.summary(), interrupted=False)


def workflow_view(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in TIME_FIELDS:
        if key in out:
            out[key] = iso_time(out[key])
    return out


def checkpoint_view(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: record.get(k) for k in ("id", "execution_id", "name", "kind", "created_at", "seq")}
    out["created_at"] = iso_time(out["created_at"])
    return out


def page_of(
    rows: Sequence[T], view: Callable[[T], dict[str, Any]], *, offset: int, limit: int
) -> dict[str, Any]:
    """A page of a listing held whole in memory: its slice's views, with the listing's total."""
    items = [view(r) for r in rows[offset : offset + limit]]
    return {"items": items, "total": len(rows), "limit": limit, "offset": offset}

"""Stored workflow definitions and templates, in the catalog database's `workflows` table.

A stored definition is a workflow document that already passed the loader (`Workflow.to_document`)
plus the few facts a listing shows without opening it. A *template* is a stored definition that
operators instantiate into new definitions with their own input defaults; it lives in the same
table with `template: true`, so one id space covers both.

Like the rest of the store, every method does blocking file I/O: call them from a worker thread.
Writes go through `Store._catalog_for_update()` (file lock, re-read, atomic replace), so a daemon
and a CLI sharing a data folder never lose each other's updates.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from tinydb import Query, TinyDB

from harmonia.errors import NotFound
from harmonia.store.storage import CrashSafeStorage
from harmonia.store.store import Store

__all__ = ["TABLE", "WorkflowDefinitions", "new_workflow_id"]

TABLE = "workflows"

INFO_FIELDS = (
    "id",
    "name",
    "version",
    "description",
    "task_count",
    "template",
    "created_at",
    "updated_at",
)
"""What a listing shows; the stored row also holds the `document`."""


def new_workflow_id() -> str:
    """Short, unguessable enough to never collide in one catalog: `wf-3fa9c1d2e4b5`."""
    return "wf-" + secrets.token_hex(6)


class WorkflowDefinitions:
    """The `workflows` table of one data folder's catalog."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- reading -----------------------------------------------------------------------
    def _read(self) -> list[dict[str, Any]]:
        path = self.store.catalog_path
        if not path.exists():
            return []
        db = TinyDB(path, storage=CrashSafeStorage, create=False)
        return [dict(row) for row in db.table(TABLE).all()]

    def list(self, *, template: bool | None = None) -> list[dict[str, Any]]:
        """Every definition's info row (no document), newest first; `template` filters."""
        rows = self._read()
        if template is not None:
            rows = [r for r in rows if bool(r.get("template")) == template]
        rows.sort(key=lambda r: (r.get("created_at") or 0, r["id"]), reverse=True)
        return [_info(r) for r in rows]

    def get(self, workflow_id: str) -> dict[str, Any]:
        """One definition: its info fields plus `document`."""
        for row in self._read():
            if row.get("id") == workflow_id:
                return {**_info(row), "document": row["document"]}
        raise NotFound(f"no workflow {workflow_id!r}")

    # ---- writing -----------------------------------------------------------------------
    def add(self, document: dict[str, Any], *, template: bool = False) -> dict[str, Any]:
        """Store a (validated) workflow document under a new id; returns its info row."""
        now = self.clock()
        row = {
            "id": new_workflow_id(),
            **_facts(document),
            "template": template,
            "created_at": now,
            "updated_at": now,
            "document": document,
        }
        with self.store._catalog_for_update() as db:
            db.table(TABLE).insert(row)
        return _info(row)

    def replace(
        self, workflow_id: str, document: dict[str, Any], *, template: bool | None = None
    ) -> dict[str, Any]:
        """Replace a definition's document (and its template flag, when given)."""
        with self.store._catalog_for_update() as db:
            table = db.table(TABLE)
            row = table.get(Query().id == workflow_id)
            if row is None:
                raise NotFound(f"no workflow {workflow_id!r}")
            updated = {
                **dict(row),
                **_facts(document),
                "document": document,
                "updated_at": self.clock(),
            }
            if template is not None:
                updated["template"] = template
            table.update(updated, Query().id == workflow_id)
        return _info(updated)

    def delete(self, workflow_id: str) -> None:
        with self.store._catalog_for_update() as db:
            removed = db.table(TABLE).remove(Query().id == workflow_id)
        if not removed:
            raise NotFound(f"no workflow {workflow_id!r}")


def _facts(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": str(document.get("name", "")),
        "version": str(document.get("version", "1.0.0")),
        "description": document.get("description"),
        "task_count": len(document.get("tasks") or {}),
    }


def _info(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in INFO_FIELDS} | {"template": bool(row.get("template"))}

"""Opening a data folder's catalog: migrate old folders, rebuild a damaged catalog, and make
its rows agree with the files they describe.

The catalog only summarises files that are the truth: each execution folder (its snapshot plus
its journal) and each stored workflow's file. So a catalog that cannot be read is never a reason
to stop: it is kept aside under a new name (never overwritten: it is evidence), and rebuilt from
those files. The same pass adds the row of an execution whose process died between writing its
first snapshot and its catalog row, and makes workflow rows follow their files. Folders from
before definitions had files of their own get their documents moved out of the catalog, files
first, so that a kill at any moment loses nothing (the next open does it again).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from harmonia.store.catalog import CatalogDamage, CatalogDamaged, Data, Tables
from harmonia.store.definitions import SAFE_ID, TABLE, WORKFLOWS, reconcile
from harmonia.store.storage import CrashSafeStorage, write_atomically

if TYPE_CHECKING:
    from harmonia.store.store import Store

__all__ = ["CatalogOpened", "open_catalog", "rebuild_catalog"]

logger = logging.getLogger("harmonia.store")

CHECKPOINT_INDEX_FIELDS = ("id", "execution_id", "name", "kind", "created_at", "seq")


@dataclass
class CatalogOpened:
    """What opening the catalog did (each list empty when there was nothing to do)."""

    kept_aside: Path | None = None
    damage: CatalogDamage | None = None
    migrated_workflows: list[str] = field(default_factory=list)
    added_executions: list[str] = field(default_factory=list)
    workflows: int = 0
    """How many stored workflows the catalog lists (counted when it was rebuilt)."""
    problems: list[str] = field(default_factory=list)
    """Files left out because they could not be read (each with its path and what is wrong)."""


def open_catalog(store: Store) -> CatalogOpened:
    """Make the catalog usable before an engine relies on it (call it when a data folder is
    opened: `open_engine` does). Writes nothing in a folder that holds nothing yet."""
    report = CatalogOpened()
    catalog = store.catalog
    data_dir = store.data_dir
    if not any(p.exists() for p in (catalog.path, data_dir / "executions", data_dir / WORKFLOWS)):
        return report
    with catalog.locked():
        try:
            _, data = catalog.read_seen()
        except CatalogDamaged as exc:
            data = _rebuilt(store, exc.damage, report)
            catalog.write(data)
        tables = Tables(data)
        report.migrated_workflows = _move_documents_out(data_dir, tables)
        report.problems += reconcile(data_dir, tables)
        report.added_executions += _add_missing_executions(store, tables, report.problems)
        if tables.changed:
            catalog.write(tables.data)
    _log(report)
    return report


def rebuild_catalog(store: Store) -> Data:
    """Keep a damaged catalog aside and return tables rebuilt from the files (call it under
    the catalog's lock; `Catalog.update` does when it finds the file damaged)."""
    report = CatalogOpened()
    try:
        store.catalog.read_seen()
    except CatalogDamaged as exc:
        data = _rebuilt(store, exc.damage, report)
    else:
        raise RuntimeError("rebuild_catalog: the catalog is not damaged")
    _log(report)
    return data


def _rebuilt(store: Store, damage: CatalogDamage, report: CatalogOpened) -> Data:
    report.damage = damage
    report.kept_aside = store.catalog.set_aside()
    tables = Tables({})
    report.problems += reconcile(store.data_dir, tables)
    report.added_executions = _add_missing_executions(store, tables, report.problems)
    report.workflows = len(tables.rows(TABLE))
    return tables.data


def _log(report: CatalogOpened) -> None:
    rebuilt_from = (
        f"{len(report.added_executions)} execution folder(s) and {report.workflows} stored"
        " workflow file(s)"
    )
    if report.damage is not None:
        logger.warning(
            "%s; kept it as %s and rebuilt the catalog from %s",
            report.damage,
            report.kept_aside,
            rebuilt_from,
        )
    elif report.added_executions:
        logger.info(
            "added %d execution(s) missing from the catalog: %s",
            len(report.added_executions),
            ", ".join(report.added_executions),
        )
    if report.migrated_workflows:
        logger.info(
            "moved %d stored workflow document(s) out of the catalog into %s/",
            len(report.migrated_workflows),
            WORKFLOWS,
        )
    for problem in report.problems:
        logger.warning("left out of the catalog: %s", problem)


def _move_documents_out(data_dir: Path, tables: Tables) -> list[str]:
    """Give each workflow row that still holds its document (folders written before this
    version) a file of its own, durably, and drop the document from the row. The catalog is
    written after every file is: a kill before that leaves the old catalog, whole."""
    moved = []
    for row in tables.rows(TABLE):
        if "document" not in row or not SAFE_ID.fullmatch(row["id"]):
            continue
        path = data_dir / WORKFLOWS / f"{row['id']}.json"
        fields = {k: v for k, v in row.items() if k not in ("id", "file")}
        write_atomically(path, orjson.dumps(fields))
        st = os.stat(path)
        slim = {k: v for k, v in row.items() if k != "document"}
        tables.upsert(TABLE, {**slim, "file": [st.st_ino, st.st_size, st.st_mtime_ns]})
        moved.append(row["id"])
    return moved


def _add_missing_executions(store: Store, tables: Tables, problems: list[str]) -> list[str]:
    """A row (the fold of its snapshot and journal) and checkpoint index rows for every
    execution folder the catalog does not list. A folder without a snapshot yet is being
    created (its creator holds its lock) or was never started: it is left alone."""
    root = store.data_dir / "executions"
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return []
    known = {row["id"] for row in tables.rows("executions")}
    added = []
    for execution_id in names:
        if execution_id in known or not SAFE_ID.fullmatch(execution_id):
            continue
        state_path = root / execution_id / "state.json"
        if not state_path.is_file():
            continue
        try:
            state = store.load_execution(execution_id)
            checkpoints = _checkpoint_rows(state_path)
        except Exception as exc:  # one unreadable folder must not stop the rest
            problems.append(f"{root / execution_id}: {exc}")
            continue
        tables.upsert("executions", state.summary())
        for record in checkpoints:
            tables.upsert("checkpoints", record)
        added.append(execution_id)
    return added


def _checkpoint_rows(state_path: Path) -> list[dict[str, Any]]:
    data = CrashSafeStorage(state_path, create=False).read() or {}
    table = data.get("checkpoints") or {}
    return [{k: record.get(k) for k in CHECKPOINT_INDEX_FIELDS} for record in table.values()]

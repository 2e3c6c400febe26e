"""Stored workflow definitions and templates: one file each, plus a row in the catalog.

    DATA_DIR/workflows/ID.json    the definition: its facts and its `document`
    catalog.json, table workflows the same facts without the document (what a listing shows)

A stored definition is a workflow document that already passed the loader
(`Workflow.to_document`), or a template document (`kind: template`, `template: true`, ids
`tpl-...`) that `harmonia.store.templates` instantiates into new definitions; one id space
covers both. A workflow made from a template keeps its `origin` (the template's id, name,
version and digest, and every parameter's value) in its file, next to its document.

Documents stay out of the catalog because the catalog is read by every listing: with forty
5,000-task workflows inside it was 20 MB to parse per request. Each change writes the file first
(atomically) and then the row, under the catalog's lock; a crash in between leaves a file and a
row that disagree, and `reconcile` (run when a data folder is opened) makes the rows follow
the files. Every method does blocking file I/O: call them from a worker thread.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from harmonia.errors import InvalidOperation, NotFound
from harmonia.store.catalog import (
    CATALOG,
    REQUIRED,
    CatalogDamage,
    CatalogDamaged,
    Tables,
    load_json,
    parse_catalog,
)
from harmonia.store.catalogjournal import JOURNAL, scan
from harmonia.store.storage import CorruptDatabase, fsync_directory, write_atomically

if TYPE_CHECKING:
    from harmonia.store.store import Store

__all__ = [
    "TABLE",
    "WORKFLOWS",
    "WorkflowDefinitions",
    "check_catalog",
    "new_template_id",
    "new_workflow_id",
    "read_definition_file",
    "reconcile",
]

TABLE = "workflows"
WORKFLOWS = "workflows"
"""The folder of definition files, in the data folder."""

ID_ATTEMPTS = 100
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")

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
"""What a listing shows; the file also holds the `document`."""


def new_workflow_id() -> str:
    """`wf-3fa9c1d2e4b5`: 48 random bits; a taken one is never reused (see `add`)."""
    return "wf-" + secrets.token_hex(6)


def new_template_id() -> str:
    """`tpl-3fa9c1d2e4b5`: a template's id, from the same id space as workflows'."""
    return "tpl-" + secrets.token_hex(6)


def definition_path(data_dir: Path, workflow_id: str) -> Path:
    if not SAFE_ID.fullmatch(workflow_id):
        raise NotFound(f"no workflow {workflow_id!r}")
    return data_dir / WORKFLOWS / f"{workflow_id}.json"


def read_definition_file(path: Path) -> dict[str, Any]:
    """A definition file as a row (`id` from its name), or `CatalogDamaged` (a
    `CorruptDatabase`) saying what is wrong and where."""
    data = load_json(path.read_bytes(), path)
    if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
        problem = "not a stored workflow (no 'document' object)"
        raise CatalogDamaged(CatalogDamage(path, problem))
    return {**data, "id": path.stem}


class WorkflowDefinitions:
    """The stored definitions of one data folder."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        """Where ids come from (tests inject one); `new_workflow_id` by default."""

    # ---- reading -----------------------------------------------------------------------
    def list(self, *, template: bool | None = None) -> list[dict[str, Any]]:
        """Every definition's info row (no document), newest first; `template` filters."""
        rows = self.store.read_catalog().rows(TABLE)
        if template is not None:
            rows = [r for r in rows if bool(r.get("template")) == template]
        rows.sort(key=lambda r: (r.get("created_at") or 0, r["id"]), reverse=True)
        return [_info(r) for r in rows]

    def get(self, workflow_id: str) -> dict[str, Any]:
        """One definition: its info fields plus `document`."""
        path = definition_path(self.store.data_dir, workflow_id)
        row = self.store.read_catalog().get(TABLE, workflow_id)
        if row is None:
            raise NotFound(f"no workflow {workflow_id!r}")
        if "document" in row:  # a row written before documents had files of their own
            return {**_info(row), "document": row["document"], "origin": row.get("origin")}
        try:
            stored = read_definition_file(path)
        except FileNotFoundError:
            raise NotFound(f"no workflow {workflow_id!r}") from None  # deleted meanwhile
        except CatalogDamaged as exc:
            # kept as it is (evidence); replacing or deleting the definition still works
            raise InvalidOperation(f"stored workflow {workflow_id} is damaged: {exc}") from None
        return {**_info(row), "document": stored["document"], "origin": stored.get("origin")}

    # ---- writing -----------------------------------------------------------------------
    def add(
        self,
        document: dict[str, Any],
        *,
        template: bool = False,
        origin: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a (validated) workflow or template document under a new id; returns its info
        row. `origin`: the template and values a workflow was made from. A template's name
        must be free (`InvalidOperation` otherwise): callers instantiate templates by name."""
        now = self.clock()
        fields = {**_facts(document), "template": template, "created_at": now, "updated_at": now}
        stored = {**fields, "document": document}
        if origin is not None:
            stored["origin"] = origin
        payload = orjson.dumps(stored)
        folder = self.store.data_dir / WORKFLOWS
        with self.store.update_catalog() as tables:
            if template:
                taken = [r["id"] for r in tables.rows(TABLE) if _same_template(r, fields["name"])]
                if taken:
                    raise InvalidOperation(
                        f"a template named {fields['name']!r} exists ({taken[0]}): replace it "
                        "or delete it first"
                    )
            workflow_id, path = self._publish_new(tables, folder, payload, template)
            row = {"id": workflow_id, **fields, "file": _file_version(path)}
            tables.upsert(TABLE, row)
        return _info(row)

    def _publish_new(
        self, tables: Tables, folder: Path, payload: bytes, template: bool
    ) -> tuple[str, Path]:
        """Write the file under an id no other definition has: created exclusively (linked
        into place, which fails rather than replaces), so a repeated id is never overwritten."""
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".new.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(payload)
                tmp.flush()
                os.fsync(tmp.fileno())
            for _ in range(ID_ATTEMPTS):
                fresh = new_template_id if template else new_workflow_id
                workflow_id = (self.new_id or fresh)()
                path = definition_path(self.store.data_dir, workflow_id)
                if tables.get(TABLE, workflow_id) is not None:
                    continue
                try:
                    os.link(tmp_name, path)
                except FileExistsError:
                    continue
                fsync_directory(folder)
                return workflow_id, path
            raise RuntimeError(f"no free workflow id after {ID_ATTEMPTS} attempts")
        finally:
            os.unlink(tmp_name)

    def replace(
        self, workflow_id: str, document: dict[str, Any], *, template: bool | None = None
    ) -> dict[str, Any]:
        """Replace a definition's document (and its template flag, when given)."""
        path = definition_path(self.store.data_dir, workflow_id)
        if self.store.read_catalog().get(TABLE, workflow_id) is None:
            raise NotFound(f"no workflow {workflow_id!r}")  # before taking (creating) the lock
        with self.store.update_catalog() as tables:
            row = tables.get(TABLE, workflow_id)
            if row is None:
                raise NotFound(f"no workflow {workflow_id!r}")
            fields = {
                **{k: row.get(k) for k in INFO_FIELDS if k != "id"},
                **_facts(document),
                "updated_at": self.clock(),
            }
            if template is not None:
                fields["template"] = template
            write_atomically(path, orjson.dumps({**fields, "document": document}))
            updated = {"id": workflow_id, **fields, "file": _file_version(path)}
            tables.upsert(TABLE, updated)
        return _info(updated)

    def delete(self, workflow_id: str) -> None:
        """Remove the file, then the row: a crash in between leaves a row without a file,
        which `reconcile` drops (the other order would bring the definition back)."""
        path = definition_path(self.store.data_dir, workflow_id)
        if self.store.read_catalog().get(TABLE, workflow_id) is None:
            raise NotFound(f"no workflow {workflow_id!r}")
        with self.store.update_catalog() as tables:
            if tables.get(TABLE, workflow_id) is None:
                raise NotFound(f"no workflow {workflow_id!r}")
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            else:
                fsync_directory(path.parent)
            tables.remove(TABLE, lambda r: r.get("id") == workflow_id)


def reconcile(data_dir: Path, tables: Tables) -> list[str]:
    """Make the `workflows` rows follow the definition files (call it under the catalog's
    lock): a file without a row, or changed since its row was written, gets a fresh row; a
    row whose file is gone is dropped. Returns one line per damaged file left alone."""
    folder = data_dir / WORKFLOWS
    files = {p.stem: p for p in folder.glob("*.json") if SAFE_ID.fullmatch(p.stem)}
    problems: list[str] = []
    gone = {r["id"] for r in tables.rows(TABLE) if r["id"] not in files and "document" not in r}
    if gone:
        tables.remove(TABLE, lambda r: r.get("id") in gone)
    for workflow_id, path in sorted(files.items()):
        known = tables.get(TABLE, workflow_id)
        if known is not None and known.get("file") == _file_version(path):
            continue
        try:
            stored = read_definition_file(path)
        except (CorruptDatabase, OSError) as exc:
            problems.append(str(exc))
            continue
        fresh = {k: stored.get(k) for k in INFO_FIELDS} | {"file": _file_version(path)}
        tables.upsert(TABLE, fresh)
    return problems


def _file_version(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _same_template(row: dict[str, Any], name: str) -> bool:
    return bool(row.get("template")) and row.get("name") == name


def _facts(document: dict[str, Any]) -> dict[str, Any]:
    """What a listing shows; a template's task count is its workflow body's."""
    if document.get("kind") == "template":
        body = document.get("workflow") or {}
        tasks = body.get("tasks") if isinstance(body, dict) else None
        return {
            "name": str(document.get("name", "")),
            "version": str(document.get("version", "1.0.0")),
            "description": document.get("description"),
            "task_count": len(tasks) if isinstance(tasks, dict) else 0,
        }
    return {
        "name": str(document.get("name", "")),
        "version": str(document.get("version", "1.0.0")),
        "description": document.get("description"),
        "task_count": len(document.get("tasks") or {}),
    }


def _info(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in INFO_FIELDS} | {"template": bool(row.get("template"))}


def check_catalog(data_dir: str | Path) -> list[CatalogDamage]:
    """Every damaged file of the catalog's: `catalog.json` and the stored workflow files
    (`workflows/*.json`), each read whole and checked, changing nothing (for `harmonia doctor`
    and `harmoniad --check`). Empty when all is well; a missing catalog is not damage."""
    folder = Path(data_dir)
    found = []
    try:
        parse_catalog((folder / CATALOG).read_bytes(), folder / CATALOG)
    except FileNotFoundError:
        pass
    except OSError as exc:
        found.append(CatalogDamage(folder / CATALOG, f"cannot be read: {exc.strerror or exc}"))
    except CatalogDamaged as exc:
        found.append(exc.damage)
    found += _journal_damage(folder / JOURNAL)
    for path in sorted((folder / WORKFLOWS).glob("*.json")):
        try:
            read_definition_file(path)
        except OSError as exc:
            found.append(CatalogDamage(path, f"cannot be read: {exc.strerror or exc}"))
        except CatalogDamaged as exc:
            found.append(exc.damage)
    return found


def _journal_damage(path: Path) -> list[CatalogDamage]:
    """The catalog journal's damage: an unreadable line before the last (a torn last line is
    what a crash leaves, cut by the next write: not damage)."""
    try:
        bad = scan(path.read_bytes(), REQUIRED).bad
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [CatalogDamage(path, f"cannot be read: {exc.strerror or exc}")]
    return [] if bad is None else [CatalogDamage(path, bad.problem, bad.offset, bad.line + 1)]

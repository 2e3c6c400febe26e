"""The catalog file, `DATA_DIR/catalog.json`: small tables read often, written rarely.

Tables (TinyDB's layout, `{"table": {"doc id": row}}`): `executions` (one summary row per
execution), `checkpoints` (where each checkpoint lives) and `workflows` (what a listing shows of
each stored workflow; the documents are files of their own, see `harmonia.store.definitions`).

Reads come from memory while the file is unchanged: a `stat` says whether some process wrote it
since (a write replaces the file, so its inode changes), and only then is it parsed again.
Writes take an exclusive lock (`catalog.lock`), start from the file as it is then, and replace it
atomically, so processes sharing a data folder never lose each other's rows. A file that cannot
be read whole is never written over: `definitions.check_catalog` says what is wrong and where,
and `harmonia.store.catalog_repair` sets it aside and rebuilds the catalog.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from harmonia.store.storage import AtomicWrites, CorruptDatabase, write_atomically

__all__ = [
    "CATALOG",
    "TABLES",
    "Catalog",
    "CatalogDamage",
    "CatalogDamaged",
    "Seen",
    "Tables",
    "load_json",
    "parse_catalog",
]

CATALOG = "catalog.json"
LOCK = "catalog.lock"
TABLES = ("executions", "checkpoints", "workflows")
REQUIRED = {
    "executions": ("id", "status"),
    "checkpoints": ("id", "execution_id"),
    "workflows": ("id",),
}
"""The fields each table's rows must have for the catalog to be usable."""

SETTLE_NS = 1_000_000_000
"""A file read less than this long after its last change may be rewritten within the same tick
of the file system's clock and keep its size and timestamp; such a read is confirmed by one more
read once this much time has passed ("racy" timestamps, as git calls them)."""

Row = dict[str, Any]
Data = dict[str, dict[str, Row]]


@dataclass(frozen=True)
class CatalogDamage:
    """What is wrong with a catalog file, and where (byte offset and line when known)."""

    path: Path
    problem: str
    offset: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"byte {self.offset}"] if self.offset is not None else []
        return f"{self.path}: {self.problem}" + (f" ({', '.join(where)})" if where else "")


class CatalogDamaged(CorruptDatabase):
    """The catalog file cannot be read whole (see `damage`)."""

    def __init__(self, damage: CatalogDamage) -> None:
        super().__init__(str(damage))
        self.damage = damage


class FileVersion(NamedTuple):
    inode: int
    size: int
    mtime_ns: int


class Seen(NamedTuple):
    """A version of the file and when it was read: see `Catalog.changed_since`."""

    version: FileVersion | None
    read_at_ns: int

    @property
    def settled(self) -> bool:
        return self.version is None or self.read_at_ns - self.version.mtime_ns >= SETTLE_NS


def _version(st: os.stat_result) -> FileVersion:
    return FileVersion(st.st_ino, st.st_size, st.st_mtime_ns)


def load_json(raw: bytes, path: Path) -> Any:
    """A JSON file's bytes parsed, or `CatalogDamaged` saying what is wrong and where."""
    if not raw.strip():
        raise CatalogDamaged(CatalogDamage(path, "the file is empty", offset=0, line=1))
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # orjson counts characters of the decoded text; a byte offset is what `dd` and editors use
        offset = len(exc.doc[: exc.pos].encode())
        problem = f"not valid JSON: {exc.msg}"
        raise CatalogDamaged(CatalogDamage(path, problem, offset=offset, line=exc.lineno)) from None


def parse_catalog(raw: bytes, path: Path) -> Data:
    """The tables of a catalog file's bytes, or `CatalogDamaged` saying what and where."""
    data = load_json(raw, path)
    shape = _shape_problem(data)
    if shape is not None:
        raise CatalogDamaged(CatalogDamage(path, shape))
    return data  # type: ignore[no-any-return]


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the top level is not a JSON object of tables"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"table {name!r} is not a JSON object"
        for doc_id, row in table.items():
            if not isinstance(row, dict):
                return f"row {doc_id} of table {name!r} is not a JSON object"
            for key in REQUIRED.get(name, ()):
                if not isinstance(row.get(key), str):
                    return f"row {doc_id} of table {name!r} has no {key!r}"
    return None


class Tables:
    """The catalog's tables, as read; changes copy what they touch (readers in other threads
    may hold the same rows), and `changed` says whether there is anything to write."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.changed = False
        self._copied: set[str] = set()

    def rows(self, table: str) -> list[Row]:
        """The rows of `table`, shared: copy one before changing it."""
        return list(self.data.get(table, {}).values())

    def get(self, table: str, row_id: str) -> Row | None:
        for row in self.data.get(table, {}).values():
            if row.get("id") == row_id:
                return row
        return None

    def upsert(self, table: str, row: Row) -> None:
        """Replace the row with the same `id`, or add it."""
        rows = self._writable(table)
        for doc_id, old in rows.items():
            if old.get("id") == row["id"]:
                rows[doc_id] = row
                return
        rows[str(max((int(k) for k in rows if k.isdigit()), default=0) + 1)] = row

    def upsert_many(self, table: str, new_rows: list[Row]) -> None:
        """`upsert` of each row in order (a later row with the same `id` wins), with one pass
        over the table instead of one per row: a commit may carry hundreds of catalog rows."""
        rows = self._writable(table)
        where = {old.get("id"): doc_id for doc_id, old in rows.items()}
        next_id = max((int(k) for k in rows if k.isdigit()), default=0) + 1
        for row in new_rows:
            doc_id = where.get(row["id"])
            if doc_id is None:
                doc_id = where[row["id"]] = str(next_id)
                next_id += 1
            rows[doc_id] = row

    def remove(self, table: str, matches: Callable[[Row], bool]) -> int:
        rows = self.data.get(table, {})
        gone = [doc_id for doc_id, row in rows.items() if matches(row)]
        if gone:
            writable = self._writable(table)
            for doc_id in gone:
                del writable[doc_id]
        return len(gone)

    def replace_table(self, table: str, rows: list[Row]) -> None:
        self._writable(table)
        self.data[table] = {str(i): row for i, row in enumerate(rows, start=1)}

    def _writable(self, table: str) -> dict[str, Row]:
        if not self.changed:
            self.data = dict(self.data)
            self.changed = True
        if table not in self._copied:
            self.data[table] = dict(self.data.get(table, {}))
            self._copied.add(table)
        return self.data[table]


class Catalog:
    """One data folder's catalog file. Thread-safe; every method does blocking I/O except
    `changed_since`, which only stats the file."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / CATALOG
        self.lock_path = self.data_dir / LOCK
        self._mutex = threading.Lock()
        self._cached: tuple[Seen, Data] | None = None

    def version(self) -> FileVersion | None:
        try:
            return _version(os.stat(self.path))
        except FileNotFoundError:
            return None

    def changed_since(self, seen: Seen | None) -> bool:
        """Whether `read()` may return something other than what was read as `seen`."""
        if seen is None:
            return True
        if self.version() != seen.version:
            return True
        # a read within the file's last clock tick is confirmed once, after that tick
        return not seen.settled and time.time_ns() - seen.read_at_ns >= SETTLE_NS

    def read(self) -> Tables:
        """The tables as the file holds them now (from memory while it is unchanged); empty
        tables when there is no file yet. Raises `CatalogDamaged`."""
        return Tables(self.read_seen()[1])

    def read_seen(self) -> tuple[Seen, Data]:
        """The tables (shared: do not change them) and the `Seen` they correspond to."""
        with self._mutex:
            cached = self._cached
            if cached is not None and not self.changed_since(cached[0]):
                return cached
            self._cached = cached = self._load()
            return cached

    def _load(self) -> tuple[Seen, Data]:
        read_at = time.time_ns()
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return Seen(None, read_at), {}
        try:
            # the version of the very file read: a writer replaces it, never changes it in place
            version = _version(os.fstat(fd))
            with os.fdopen(os.dup(fd), "rb") as file:
                raw = file.read()
        finally:
            os.close(fd)
        return Seen(version, read_at), parse_catalog(raw, self.path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The catalog's write lock (creating the data folder if needed)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def update(
        self, *, repair: Callable[[], Data] | None = None, group: AtomicWrites | None = None
    ) -> Iterator[Tables]:
        """Change the tables under the write lock; written (atomically) only if changed.

        A damaged file is repaired by `repair` (called under the lock; it sets the file aside
        and returns rebuilt tables) when given, else `CatalogDamaged` is raised. With `group`,
        the catalog is its last file and the group is committed under the lock: the files
        written with it are durable in the same rounds of fsyncs, and replaced before it."""
        with self.locked():
            try:
                _, data = self.read_seen()
            except CatalogDamaged:
                if repair is None:
                    raise
                data = repair()
                self.write(data)
            tables = Tables(data)
            yield tables
            if group is None:
                if tables.changed:
                    self.write(tables.data)
                return
            if tables.changed:
                written = tables.data
                group.add(self.path, orjson.dumps(written), then=lambda: self._remember(written))
            group.commit()

    def write(self, data: Data) -> None:
        """Replace the file (call it under `locked()`)."""
        payload = orjson.dumps(data)
        write_atomically(self.path, payload)
        self._remember(data)

    def _remember(self, data: Data) -> None:
        """Serve `data`, just written, from memory (until some process writes the file)."""
        with self._mutex:
            self._cached = (Seen(self.version(), time.time_ns()), data)

    def set_aside(self) -> Path:
        """Keep the current file under a new name that nothing else uses, and return it
        (call it under `locked()`). Linked, not renamed: a name already taken fails instead of
        being replaced, and the file stays in place until a rebuilt one replaces it."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        for n in range(1000):
            aside = self.path.with_name(f"{CATALOG}.damaged-{stamp}" + (f"-{n}" if n else ""))
            try:
                os.link(self.path, aside)
            except FileExistsError:
                continue
            return aside
        raise FileExistsError(f"no free name to keep {self.path} aside")

    def forget_cache(self) -> None:
        with self._mutex:
            self._cached = None

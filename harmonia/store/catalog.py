"""The catalog file, `DATA_DIR/catalog.json`: small tables read often, written rarely.

Tables (TinyDB's layout, `{"table": {"doc id": row}}`): `executions` (one summary row per
execution), `checkpoints` (where each checkpoint lives) and `workflows` (what a listing shows of
each stored workflow; the documents are files of their own, see `harmonia.store.definitions`).

Reads come from memory while the file is unchanged: a `stat` says whether some process wrote it
since (a write replaces the file, so its inode changes), and only then is it parsed again.
Writes take an exclusive lock (`catalog.lock`), start from the file as it is then, and append
the rows they change to `catalog.journal` (see `harmonia.store.catalogjournal`), which every read
replays over the file; the file is replaced atomically by the whole tables ("folded") only now
and then, so processes sharing a data folder never lose each other's rows and an update costs
what it changes, not the catalog's size. A file that cannot be read whole is never written
over: `definitions.check_catalog` says what is wrong and where, and
`harmonia.store.catalog_repair` sets it aside and rebuilds the catalog.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import orjson

import harmonia.store.catalogjournal as cj
from harmonia.store.catalogtables import Data, Index, Tables
from harmonia.store.storage import (
    AtomicWrites,
    CorruptDatabase,
    append_durably,
    naming,
    write_atomically,
)

__all__ = [
    "CATALOG",
    "TABLES",
    "Catalog",
    "CatalogDamage",
    "CatalogDamaged",
    "Data",
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
    """A version of the file (and of its journal) and when they were read: see
    `Catalog.changed_since`."""

    version: FileVersion | None
    read_at_ns: int
    journal: FileVersion | None = None

    @property
    def settled(self) -> bool:
        return all(
            v is None or self.read_at_ns - v.mtime_ns >= SETTLE_NS
            for v in (self.version, self.journal)
        )


class _Read(NamedTuple):
    """The tables as read, and how far into the journal (bytes, lines) they go."""

    seen: Seen
    data: Data
    end: int = 0
    lines: int = 0
    ids: Index | None = None


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


class Catalog:
    """One data folder's catalog file and its journal. Thread-safe; every method does blocking
    I/O except `changed_since`, which only stats the files."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / CATALOG
        self.journal_path = self.data_dir / cj.JOURNAL
        self.lock_path = self.data_dir / LOCK
        self._mutex = threading.Lock()
        self._cached: _Read | None = None
        self._appended_lines = False
        """Whether this process appended to the journal (`close` folds it then)."""

    def version(self) -> FileVersion | None:
        return _stat(self.path)

    def changed_since(self, seen: Seen | None) -> bool:
        """Whether `read()` may return something other than what was read as `seen`."""
        if seen is None:
            return True
        if self.version() != seen.version or _stat(self.journal_path) != seen.journal:
            return True
        # a read within the file's last clock tick is confirmed once, after that tick
        return not seen.settled and time.time_ns() - seen.read_at_ns >= SETTLE_NS

    def read(self) -> Tables:
        """The tables as the file and its journal hold them now (from memory while they are
        unchanged); empty tables when there is no file yet. Raises `CatalogDamaged`."""
        return Tables(self.read_seen()[1])

    def read_seen(self) -> tuple[Seen, Data]:
        """The tables (shared: do not change them) and the `Seen` they correspond to."""
        read = self._read()
        return read.seen, read.data

    def _read(self) -> _Read:
        with self._mutex:
            cached = self._cached
            if cached is not None and not self.changed_since(cached.seen):
                return cached
            grown = None if cached is None else self._grown(cached)
            self._cached = cached = grown if grown is not None else self._load()
            return cached

    def _grown(self, cached: _Read) -> _Read | None:
        """`cached` with the journal lines appended since (None: the file was replaced, or
        the journal cut or replaced, or the read was racy: read both again)."""
        seen = cached.seen
        if seen.version is None or self.version() != seen.version:
            return None
        if seen.read_at_ns - seen.version.mtime_ns < SETTLE_NS:  # racy: see `SETTLE_NS`
            return None
        try:
            fd = os.open(self.journal_path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            journal = _version(os.fstat(fd))
            old = seen.journal
            if old is not None and (journal.inode != old.inode or journal.size < cached.end):
                return None
            raw = os.pread(fd, journal.size - cached.end, cached.end)
        finally:
            os.close(fd)
        if self.version() != seen.version:  # folded meanwhile: the lines may be of a new file
            return None
        return self._replayed(cached, raw, journal)

    def _replayed(self, read: _Read, raw: bytes, journal: FileVersion) -> _Read:
        """`read` with the journal's lines in `raw` (its bytes from `read.end` on) replayed."""
        start, lines, seen = read.end, read.lines, read.seen
        scanned = cj.scan(raw, REQUIRED)
        if scanned.bad is not None:
            bad = scanned.bad
            damage = CatalogDamage(
                self.journal_path, bad.problem, offset=start + bad.offset, line=lines + bad.line + 1
            )
            raise CatalogDamaged(damage)
        tables = Tables(read.data, read.ids)
        for ops in scanned.updates:
            tables.replay(ops)
        seen = Seen(seen.version, seen.read_at_ns, journal)
        end, lines = start + scanned.end, lines + scanned.lines
        return _Read(seen, tables.data, end, lines, tables.index if tables.changed else read.ids)

    def _load(self) -> _Read:
        while True:
            read_at = time.time_ns()
            journal = _stat(self.journal_path)
            whole = _read_whole(self.path)
            if whole is None:
                # a journal without its file extends nothing: the catalog is rebuilt
                return _Read(Seen(None, read_at, journal), {})
            version, raw = whole
            data = parse_catalog(raw, self.path)
            whole = _read_whole(self.journal_path)
            if whole is None:
                return _Read(Seen(version, read_at), data)
            journal, lines = whole
            # a fold between the two reads: this journal may not extend the file read
            if self.version() == version:
                return self._replayed(_Read(Seen(version, read_at), data), lines, journal)

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
        """Change the tables under the write lock; the changes are appended to the journal
        (the file is written whole when there is none yet, or when the journal has grown
        enough: see `fold_due`), only if there are any.

        A damaged file is repaired by `repair` (called under the lock; it sets the file aside
        and returns rebuilt tables) when given, else `CatalogDamaged` is raised. With `group`,
        the catalog is its last file and the group is committed under the lock: the files
        written with it are durable in the same rounds of fsyncs, and in place before it."""
        with self.locked():
            try:
                read = self._read()
            except CatalogDamaged:
                if repair is None:
                    raise
                self.write(repair())
                read = self._read()
            tables = Tables(read.data, read.ids)
            yield tables
            if not tables.changed:
                if group is not None:
                    group.commit()
                return
            written = tables.data
            if read.seen.version is None:  # no file yet: the first write makes it
                if group is None:
                    self.write(written)
                    return
                group.commit()  # the files the first rows describe, in place before them
                self.write(written)
                return
            line = cj.encode(tables.ops)
            end, lines = read.end + len(line), read.lines + 1
            remember = partial(self._appended, read.seen, written, end, lines, tables.index)
            if group is None:
                append_durably(self.journal_path, line, read.end)
                remember()
            else:
                group.append(self.journal_path, line, read.end, then=remember)
                group.commit()
            if self.fold_due(read.seen.version.size, end):
                self.write(written)

    @staticmethod
    def fold_due(catalog_size: int, journal_size: int) -> bool:
        """Whether the journal has grown enough to be folded into the file."""
        return journal_size >= max(cj.FOLD_MIN_BYTES, cj.FOLD_RATIO * catalog_size)

    def write(self, data: Data) -> None:
        """Replace the file with `data` whole and empty the journal (call it under
        `locked()`). A crash between the two leaves a journal whose lines the file holds
        already: replaying them changes nothing (see `harmonia.store.catalogjournal`)."""
        write_atomically(self.path, orjson.dumps(data))
        with contextlib.suppress(FileNotFoundError), naming(self.journal_path):
            if os.stat(self.journal_path).st_size:
                os.truncate(self.journal_path, 0)
        self._remember(data)

    def fold(self) -> None:
        """Write the journal's lines into the file, if there are any (a store that closes
        leaves a compact catalog for the next process to read)."""
        if not _size(self.journal_path):
            return
        with self.locked():
            read = self._read()
            if read.seen.version is not None and _size(self.journal_path):
                self.write(read.data)

    def _appended(self, seen: Seen, data: Data, end: int, lines: int, index: Index) -> None:
        """Serve `data`, just appended, from memory (until some process writes either file)."""
        self._appended_lines = True
        with self._mutex:
            journal = _stat(self.journal_path)
            seen = Seen(seen.version, time.time_ns(), journal)
            self._cached = _Read(seen, data, end, lines, index)

    def _remember(self, data: Data) -> None:
        """Serve `data`, just written, from memory (until some process writes the file)."""
        with self._mutex:
            seen = Seen(self.version(), time.time_ns(), _stat(self.journal_path))
            self._cached = _Read(seen, data)

    def set_aside(self) -> Path:
        """Keep the current file (and its journal, beside it) under a new name that nothing
        else uses, and return it (call it under `locked()`). Linked, not renamed: a name
        already taken fails instead of being replaced, and the file stays in place until a
        rebuilt one replaces it (the journal is moved: it is emptied in place)."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        for n in range(1000):
            suffix = f".damaged-{stamp}" + (f"-{n}" if n else "")
            aside = self.path.with_name(CATALOG + suffix)
            try:
                os.link(self.path, aside)
                if _size(self.journal_path):  # moved: the rebuilt file's write empties it
                    os.link(self.journal_path, self.journal_path.with_name(cj.JOURNAL + suffix))
                    os.unlink(self.journal_path)
            except FileExistsError:
                continue
            return aside
        raise FileExistsError(f"no free name to keep {self.path} aside")

    def close(self) -> None:
        """Fold at a clean close of a store that appended (one that only read writes nothing);
        a failure leaves the journal, which still holds every row."""
        if not self._appended_lines:
            return
        self._appended_lines = False
        with contextlib.suppress(OSError, CatalogDamaged):
            self.fold()

    def forget_cache(self) -> None:
        with self._mutex:
            self._cached = None


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _read_whole(path: Path) -> tuple[FileVersion, bytes] | None:
    """A file's bytes with the version of the very file read (a writer replaces the catalog's
    files or appends to them, so the stat of the open descriptor is the one that matches);
    None when it does not exist."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        version = _version(os.fstat(fd))
        with os.fdopen(os.dup(fd), "rb") as file:
            return version, file.read()
    finally:
        os.close(fd)


def _stat(path: Path) -> FileVersion | None:
    try:
        return _version(os.stat(path))
    except FileNotFoundError:
        return None

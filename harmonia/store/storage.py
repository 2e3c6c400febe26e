"""A TinyDB storage that a kill -9 cannot corrupt, and the one place durable bytes are written.

TinyDB's JSONStorage truncates and rewrites its file in place, so a process killed mid-write
leaves half a file. This one writes a temporary file in the same folder, fsyncs it, renames it
over the old one (atomic on POSIX) and fsyncs the folder, so a reader always sees either the
previous database or the new one, whole.

Every durable write (these files and the journals' appends) names its file when it fails: an
`OSError` from `write()` or `fsync()` carries no file name, and "No space left on device" alone
does not tell an operator where. `set_write_budget` is the seam tests use to make the disk run
full (or fail) at a chosen byte, without a real full disk.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

import orjson
from tinydb.storages import Storage

STORAGE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM}
)
"""Errors that mean "this storage cannot take writes now" (full, failing, read-only, or not
ours to write), as opposed to a bug: the daemon answers them with 503 `storage_unavailable`."""


class WriteBudget(Protocol):
    """How many more bytes the (simulated) disk takes: a test seam, see `set_write_budget`."""

    def allow(self, path: Path, size: int) -> int:
        """How many of `size` bytes about to be written to `path` fit (fewer: the write stops
        there with ENOSPC, as a full disk does); may raise an `OSError` of its own (EIO...)."""
        ...


_budget: WriteBudget | None = None


def set_write_budget(budget: WriteBudget | None) -> WriteBudget | None:
    """Install (None: remove) a `WriteBudget` every durable write of this process consults;
    returns the one it replaces. For tests: a full disk at a chosen moment, a torn append."""
    global _budget
    previous, _budget = _budget, budget
    return previous


def write_all(fd: int, data: bytes | memoryview, path: Path) -> None:
    """Write all of `data` to `fd` (a short write is continued), consulting the write budget."""
    view = memoryview(data)
    with naming(path):
        while view:
            budget = _budget
            if budget is not None:
                allowed = budget.allow(path, len(view))
                if allowed < len(view):
                    if allowed > 0:
                        os.write(fd, view[:allowed])
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            written = os.write(fd, view)
            view = view[written:]


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """Re-raise an `OSError` that names no file as the same error naming `path`."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path)) from exc


def write_atomically(path: Path, payload: bytes | Iterable[bytes | memoryview]) -> None:
    """Replace `path` with `payload` (bytes, or pieces of it written in order, so that a large
    file need not be joined in memory first) so that no reader or crash ever sees a partial
    file. A failure leaves the old file and no temporary file, and names `path`."""
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as tmp:
                if isinstance(payload, bytes):
                    _spend(path, len(payload))
                    tmp.write(payload)
                else:
                    for piece in payload:
                        _spend(path, len(piece))
                        tmp.write(piece)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            with _suppress_missing():
                os.unlink(tmp_name)
            raise
    fsync_directory(path.parent)


T = TypeVar("T")

SYNC_THREADS = 16
"""Threads that fsync at once for `sync_together`."""

_sync_pool: tuple[int, ThreadPoolExecutor] | None = None
_sync_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The fsync threads of this process (a forked child makes its own)."""
    global _sync_pool
    with _sync_pool_lock:
        if _sync_pool is None or _sync_pool[0] != os.getpid():
            pool = ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="harmonia fsync")
            _sync_pool = (os.getpid(), pool)
        return _sync_pool[1]


def sync_together(
    files: Sequence[tuple[int, Path]], folders: Iterable[Path] = (), *, data_only: bool = False
) -> None:
    """fsync (`data_only`: fdatasync) every file and every folder at once, each in a thread.

    The file system makes concurrent fsyncs durable in one journal commit, so N files cost
    about what one does (measured on ext4 here: 16 files and their folders, 38 ms one after
    the other, 4 ms at once). Returns when all are done; raises the first error (naming its
    file) only then, so no fsync is left running on a descriptor the caller closes."""
    jobs: list[Callable[[], None]] = [
        partial(_sync_file, fd, path, data_only) for fd, path in files
    ]
    jobs += [partial(fsync_directory, folder) for folder in dict.fromkeys(folders)]
    for _, error in run_together(jobs):
        if error is not None:
            raise error


def run_together(jobs: Sequence[Callable[[], T]]) -> list[tuple[T | None, BaseException | None]]:
    """Run blocking jobs at once in the fsync threads (one alone: here) and wait for all of
    them: each one's result, or the error it raised."""
    if len(jobs) == 1:
        try:
            return [(jobs[0](), None)]
        except Exception as exc:
            return [(None, exc)]
    futures: list[Future[T]] = [_pool().submit(job) for job in jobs]
    outcomes: list[tuple[T | None, BaseException | None]] = []
    for future in futures:
        error = future.exception()
        outcomes.append((None, error) if error is not None else (future.result(), None))
    return outcomes


def _sync_file(fd: int, path: Path, data_only: bool) -> None:
    with naming(path):
        if data_only:
            os.fdatasync(fd)
        else:
            os.fsync(fd)


Pieces = list[bytes | memoryview]


class AtomicWrites:
    """Atomic replacements of several files (as `write_atomically`), made durable together.

    `add` only takes a file's new content; `commit` writes and fsyncs every temporary copy at
    once (each in a thread: creating a file waits on a busy disk too), renames each over its
    file and fsyncs their folders at once: one writer commit that creates many executions
    costs two rounds of fsyncs instead of two fsyncs per execution, one after the other."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Pieces, Callable[[], None] | None, bool]] = []
        self._placed: dict[Path, Callable[[], None]] = {}
        self._paths: set[Path] = set()
        self._folders: dict[Path, None] = {}
        self._appends: list[tuple[Path, bytes, int, Callable[[], None]]] = []
        self._first: FirstRound | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, path: Path) -> bool:
        return path in self._paths

    def add(
        self,
        path: Path,
        payload: bytes | Iterable[bytes | memoryview],
        *,
        folders: Iterable[Path] = (),
        then: Callable[[], None] | None = None,
        placed: Callable[[], None] | None = None,
        sync: bool = True,
    ) -> None:
        """Replace `path` with `payload` on `commit`; `folders` are fsynced too then (a folder
        made for it), and `then` is called once the file is replaced. `placed` runs right
        after the rename, before the folders' fsync: a file it creates beside `path` is made
        durable by that same fsync (and exists only once `path` does). `sync=False`: neither
        it nor its folder is fsynced, for a cache whose content a journal holds anyway and
        that its readers check (a power loss may leave it missing, old, empty or cut short)."""
        pieces: Pieces = [payload] if isinstance(payload, bytes) else list(payload)
        self._pending.append((path, pieces, then, sync))
        if placed is not None:
            self._placed[path] = placed
        self._paths.add(path)
        mine = [path.parent] if sync else []
        self._folders.update(dict.fromkeys([*mine, *folders]))

    def append(self, path: Path, data: bytes, offset: int, *, then: Callable[[], None]) -> None:
        """Write `data` into `path` at `offset` (what follows is cut: a torn tail) on
        `commit`, after the renames (a line never names a file not yet in place), made durable
        in the same round of fsyncs as their folders; `then` once it is."""
        self._appends.append((path, data, offset, then))
        self._paths.add(path)

    def sync_first(
        self, jobs: Sequence[Callable[[], Any]], settle: Callable[[list[Any]], None]
    ) -> None:
        """Run `jobs` (blocking writes that fsync their own files: a journal's appends) on
        `commit`, at once with the temporary copies, then hand their results to `settle`,
        before any rename: one round of fsyncs for both, and no file is replaced unless
        `settle` returned (it raises to stop the commit). Once per group."""
        if self._first is not None:
            raise RuntimeError("sync_first() twice on one AtomicWrites")
        self._first = FirstRound(list(jobs), settle)

    def commit(self) -> None:
        """Make every added file durable in place; on failure none not yet renamed is (no
        temporary copy stays behind) and the error names the file."""
        pending, folders, placed = self._pending, list(self._folders), self._placed
        appends, first = self._appends, self._first
        self.discard()
        if first is None and not pending and not appends:
            return
        renames = pending
        jobs: list[Callable[[], Any]] = [] if first is None else first.jobs
        copy_jobs: list[Callable[[], Any]] = [
            partial(_write_copy, path, pieces, sync) for path, pieces, _, sync in renames
        ]
        outcomes = run_together([*jobs, *copy_jobs])
        firsts, outcomes = outcomes[: len(jobs)], outcomes[len(jobs) :]
        copies = [copy for copy, _ in outcomes]
        try:
            if first is not None:
                first.settle([result for result, _ in firsts])
            for _, error in outcomes:
                if error is not None:
                    raise error
        except BaseException:
            _remove_copies(copies)
            raise
        _rename_together([path for path, *_ in renames], copies, placed)
        opened: list[tuple[int, bool, Path]] = []
        try:
            for path, data, offset, _ in appends:
                fd, created = _append_at(path, data, offset)
                opened.append((fd, created, path))
            files = [(fd, path) for fd, _, path in opened]
            made = [path.parent for _, created, path in opened if created]
            sync_together(files, [*folders, *made], data_only=True)
        finally:
            for fd, _, _ in opened:
                os.close(fd)
        for _, _, then, _ in pending:
            if then is not None:
                then()
        for *_, done in appends:
            done()

    def discard(self) -> None:
        """Forget what was added and not committed."""
        self._pending, self._paths, self._folders, self._placed = [], set(), {}, {}
        self._appends, self._first = [], None


def _rename_together(
    paths: list[Path], copies: list[Any], placed: dict[Path, Callable[[], None]]
) -> None:
    """Rename each copy over its file at once (each in an fsync thread; its `placed` right
    after), as replacing a file frees the old one's blocks, which waits on the disk (a final
    snapshot replaces the first); the first error is raised once all are done, with the
    copies not renamed removed. The files are independent; the commit's rest follows all."""

    def rename(path: Path, copy: str) -> None:
        try:
            with naming(path):
                os.replace(copy, path)
        except BaseException:
            _remove_copies([copy])
            raise
        if path in placed:
            placed[path]()

    jobs = [partial(rename, path, copy) for path, copy in zip(paths, copies, strict=True)]
    for _, error in run_together(jobs):
        if error is not None:
            raise error


def _remove_copies(copies: Iterable[str | None]) -> None:
    for copy in copies:
        if copy is not None:
            with _suppress_missing():
                os.unlink(copy)


class FirstRound(NamedTuple):
    """Jobs run with a group's temporary copies, and what takes their results (`sync_first`)."""

    jobs: list[Callable[[], Any]]
    settle: Callable[[list[Any]], None]


def _append_at(path: Path, data: bytes, offset: int) -> tuple[int, bool]:
    """`data` written into `path` at `offset`, anything after it cut first (a torn tail), not
    yet fsynced: the open descriptor and whether the file was created. A failed write is cut
    back too, so no partial line stays for the next append to follow."""
    with naming(path):
        try:
            fd, created = os.open(path, os.O_WRONLY), False
        except FileNotFoundError:
            fd, created = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644), True
    try:
        with naming(path):
            if os.fstat(fd).st_size != offset:
                os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
        try:
            write_all(fd, data, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, offset)
            raise
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def append_durably(path: Path, data: bytes, offset: int) -> None:
    """`AtomicWrites.append` alone: written, fdatasynced (its folder too if it was created)."""
    fd, created = _append_at(path, data, offset)
    try:
        sync_together([(fd, path)], [path.parent] if created else [], data_only=True)
    finally:
        os.close(fd)


def _write_copy(path: Path, pieces: Pieces, sync: bool = True) -> str:
    """A temporary copy of `path`'s new content beside it (durable if `sync`); its name."""
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            for piece in pieces:
                _spend(path, len(piece))
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        except BaseException:
            with _suppress_missing():
                os.unlink(tmp_name)
            raise
        finally:
            os.close(fd)
    return tmp_name


def _spend(path: Path, size: int) -> None:
    """The write budget's verdict on a buffered write (a temporary file: no partial state)."""
    budget = _budget
    if budget is not None and budget.allow(path, size) < size:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


PROBE_BYTES = 64 * 1024
"""What `probe_writes` writes: more than one journal batch usually needs, so that a disk with
only a few bytes free is not taken for one that is back."""


def probe_writes(folder: Path, size: int = PROBE_BYTES) -> None:
    """Write, fsync and remove a file of `size` bytes in `folder`; raise what a write would.

    How a writer that failed finds out, without touching any real file, that the storage takes
    writes again."""
    path = folder / ".write-probe"
    with naming(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            write_all(fd, bytes(size), path)
            os.fsync(fd)
        finally:
            os.close(fd)
            with _suppress_missing():
                os.unlink(path)


def create_empty(path: Path) -> None:
    """Create `path` empty if it is not there (its folder's fsync, left to the caller, makes
    it durable)."""
    with naming(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))


def fsync_directory(folder: Path) -> None:
    """Make a rename or a new file in `folder` survive a power loss (a no-op where unsupported)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def load_or_set_aside(
    path: Path,
    parse: Callable[[bytes], T],
    damage: tuple[type[Exception], ...],
    logger: logging.Logger,
    what: str,
) -> T | None:
    """`parse` of the file a store writes whole; None when there is none. A damaged one (only
    ever replaced whole, so a crash never leaves one: a hand or a disk did this), that is one
    `parse` fails on with an error of `damage`, is renamed to `NAME.damaged-<UTC time>` beside
    it, byte for byte and with its mode (a file of secrets stays private), logged, and None
    returned: the daemon goes on without `what` rather than not at all."""
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return parse(payload)
    except damage as exc:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        kept = path.with_name(f"{path.name}.damaged-{stamp}")
        os.replace(path, kept)
        logger.error("%s is damaged (%s): kept as %s; no %s loaded", path, exc, kept, what)
        return None


class _suppress_missing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> bool:
        return isinstance(exc, FileNotFoundError)


class CorruptDatabase(Exception):
    """A database file exists but is not valid JSON: never silently replaced by an empty one."""


class CrashSafeStorage(Storage):
    """TinyDB storage: orjson on disk, atomic replacement on every write."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.path = Path(path)
        self._create = create

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise CorruptDatabase(f"{self.path}: not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise CorruptDatabase(f"{self.path}: expected a JSON object of tables")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if not self._create and not self.path.exists():
            raise FileNotFoundError(self.path)
        write_atomically(self.path, orjson.dumps(data))

    def close(self) -> None:
        return None

"""A TinyDB storage that a kill -9 cannot corrupt.

TinyDB's JSONStorage truncates and rewrites its file in place, so a process killed mid-write
leaves half a file. This one writes a temporary file in the same folder, fsyncs it, renames it
over the old one (atomic on POSIX) and fsyncs the folder, so a reader always sees either the
previous database or the new one, whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage


def write_atomically(path: Path, payload: bytes | Iterable[bytes | memoryview]) -> None:
    """Replace `path` with `payload` (bytes, or pieces of it written in order, so that a large
    file need not be joined in memory first) so that no reader or crash ever sees a partial
    file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            if isinstance(payload, bytes):
                tmp.write(payload)
            else:
                tmp.writelines(payload)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with _suppress_missing():
            os.unlink(tmp_name)
        raise
    fsync_directory(path.parent)


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

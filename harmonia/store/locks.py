"""Execution locks: which live process drives an execution.

`DATA_DIR/executions/ID/lock` is held with `flock` by the process running the execution (the
kernel drops it when that process exits or dies) and names its pid, for the message another
process gets when it tries to take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["ExecutionLock", "ExecutionLocked"]


class ExecutionLocked(Exception):
    """Another live process is driving this execution; `holder` is its pid as its lock file
    says it ("?" when unreadable), so a caller can tell whose it is (the local daemon's?)."""

    def __init__(self, message: str, holder: str = "?") -> None:
        super().__init__(message)
        self.holder = holder


class ExecutionLock:
    """An exclusive lock on one execution, released when the holder exits or dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; its file is created in the execution's folder, which must exist."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ExecutionLocked(
                f"execution {self.path.parent.name} is being run by another process (pid {other})",
                holder=other,
            ) from None
        pid = str(os.getpid()).encode()
        try:
            if os.pread(fd, 33, 0) != pid:  # the same holder again: nothing to write
                os.ftruncate(fd, 0)
                os.pwrite(fd, pid, 0)
        except OSError as exc:  # a full disk: without this the lock would stay held by a lost fd
            os.close(fd)
            if exc.filename is None:
                exc.filename = str(self.path)  # the message names the file that was refused
            raise
        self._fd = fd

    def take_over(self) -> None:
        """`acquire` an existing execution's lock, then remove the temporary copies a process
        killed inside a commit left in its folder (a new execution's folder has none)."""
        self.acquire()
        _remove_leftover_copies(self.path.parent)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _remove_leftover_copies(folder: Path) -> None:
    """Remove the temporary copies (`.NAME.*.tmp`) a process killed inside a commit left in
    its execution's folder: only the lock's holder writes there, so now they are nobody's."""
    with os.scandir(folder) as entries:
        leftovers = [e.path for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    for path in leftovers:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

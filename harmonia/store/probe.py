"""Whether the data folder takes durable writes again, found without touching any real file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harmonia.store.storage import naming, write_all

__all__ = ["PROBE_BYTES", "probe_writes"]

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
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

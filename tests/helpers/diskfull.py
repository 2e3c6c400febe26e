"""A disk that runs full on demand, for the storage-failure tests.

Two kinds, used alike: a real small tmpfs (`mount -t tmpfs -o size=...`) filled by a filler
file, where the machine lets the test mount one (root with CAP_SYS_ADMIN: this sandbox, not
every CI runner), and an injected disk everywhere: `harmonia.store.storage.set_write_budget`
with a budget that refuses writes while the test says the disk is full. In this process that
is `InjectedDisk`; in a daemon or CLI subprocess it is `FlagDisk`, installed by
`faultydisk_main.py`, full while a flag file exists.

`disk.fill()` makes the next durable write fail with ENOSPC (a journal append is torn half-way,
as on a real full disk); `disk.free()` gives the space back.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

HELPERS = Path(__file__).resolve().parent
TMPFS_SIZE = "2m"
FILL_CHUNK = 64 * 1024


class InjectedDisk:
    """A `WriteBudget` for this process: unlimited until `fill()`; then a write gets half of
    what it asks for (a torn line) and ENOSPC."""

    kind = "injected"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.full = False
        self.error = errno.ENOSPC
        self.only: str | None = None
        self.refused: list[Path] = []
        """Every write refused, in order."""

    def allow(self, path: Path, size: int) -> int:
        if not self.full or (self.only is not None and path.name != self.only):
            return size
        self.refused.append(path)
        if self.error != errno.ENOSPC:
            raise OSError(self.error, os.strerror(self.error), str(path))
        return size // 2

    def fill(self, error: int = errno.ENOSPC, *, only: str | None = None) -> None:
        """Refuse writes from now on (`only`: to files of that name), with `error`: ENOSPC
        tears the write half-way, any other error refuses it whole."""
        self.error = error
        self.only = only
        self.full = True

    def free(self) -> None:
        self.full = False


class FlagDisk:
    """A `WriteBudget` for a subprocess: full (writes torn half-way, then ENOSPC) while
    `flag` exists."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def allow(self, path: Path, size: int) -> int:
        return size // 2 if self.flag.exists() else size


class FlagDiskControl:
    """The test's side of a `FlagDisk`: the data folder, the command that runs a program with
    the disk installed, and `fill`/`free`."""

    kind = "injected"

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.flag = root / "disk-full"

    def command(self, program: str) -> list[str]:
        """`harmoniad` or `harmonia`, run with this disk."""
        return [sys.executable, str(HELPERS / "faultydisk_main.py"), str(self.flag), program]

    def fill(self) -> None:
        self.flag.touch()

    def free(self) -> None:
        self.flag.unlink(missing_ok=True)


class TmpfsDisk:
    """A mounted tmpfs of `TMPFS_SIZE`; `fill` writes a filler file until ENOSPC."""

    kind = "tmpfs"

    def __init__(self, mount_point: Path) -> None:
        self.mount_point = mount_point
        self.data_dir = mount_point / "data"
        self.filler = mount_point / "filler"

    def command(self, program: str) -> list[str]:
        script = Path(sys.executable).with_name(program)
        module = "harmoniad" if program == "harmoniad" else "harmonia"
        return [str(script)] if script.exists() else [sys.executable, "-m", module]

    def fill(self) -> None:
        with open(self.filler, "ab", buffering=0) as handle:
            for size in (FILL_CHUNK, 4096, 1):  # down to the last byte
                chunk = bytes(size)
                try:
                    while handle.write(chunk):
                        pass
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str = TMPFS_SIZE) -> Iterator[TmpfsDisk | None]:
    """A fresh tmpfs at `where`, unmounted afterwards; None where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if mount is None:
        yield None
        return
    try:
        done = subprocess.run(
            [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        yield None
        return
    if done.returncode != 0 or not os.path.ismount(where):
        yield None
        return
    try:
        yield TmpfsDisk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=20, check=False)


@contextlib.contextmanager
def injected_disk(data_dir: Path) -> Iterator[InjectedDisk]:
    """An `InjectedDisk` installed for this process for the body of the `with`."""
    from harmonia.store.storage import set_write_budget

    disk = InjectedDisk(data_dir)
    previous = set_write_budget(disk)
    try:
        yield disk
    finally:
        set_write_budget(previous)


DiskKind = FlagDiskControl | TmpfsDisk
"""A disk the storage tests can fill: a real tmpfs (as root) or the injected one."""

"""Functions that take down the process running them, for the crash-loop tests.

The daemon or CLI under test needs this folder on its `PYTHONPATH`.
"""

from __future__ import annotations

import os
import time


def exit_now(code: int) -> None:
    """`os._exit`: no exception, no cleanup; in the engine's process (isolation: inline) it is
    the engine that dies."""
    os._exit(code)


def pid_then_sleep(path: str, seconds: float) -> int:
    """Write this process's pid to `path` (atomically), then sleep; returns the pid."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(str(os.getpid()))
    os.replace(tmp, path)
    time.sleep(seconds)
    return os.getpid()


def wait_for_file(path: str, seconds: float) -> str:
    """Return once `path` exists (the test opens the gate), at most `seconds` from now; write
    `path + ".started"` first so the test knows the function is running."""
    with open(f"{path}.started", "w") as f:
        f.write(str(os.getpid()))
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)
    return "opened"

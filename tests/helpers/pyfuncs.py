"""Functions called by `python.call` in tests/components/test_python.py (by import path)."""

from __future__ import annotations

import sys
import time
from typing import Any

import anyio.lowlevel

from harmonia.errors import ErrorKind, TaskError

NOT_CALLABLE = 42


def add(a: int, b: int = 0) -> int:
    return a + b


def pair(x: Any) -> tuple[Any, Any]:
    """A tuple is JSON-serialisable as a list: the output should come back as one."""
    return (x, x)


async def async_double(x: int) -> int:
    await anyio.lowlevel.checkpoint()
    return 2 * x


def raises() -> None:
    raise ValueError("bad value from user code")


def raises_task_error() -> None:
    raise TaskError("not retryable, said the function", ErrorKind.INVALID_INPUT)


def exits() -> None:
    sys.exit(3)


def returns_set() -> set[int]:
    return {1, 2}


def blocks(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def blocks_until(path: str, within: float) -> str:
    """Block (no event loop here) until `path` exists: the caller's loop creates it, so this
    returns only if that loop kept running meanwhile; "never" after `within` seconds."""
    import os

    deadline = time.monotonic() + within
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return "never"
        time.sleep(0.01)  # polling a file nothing signals
    return "done"


class Calculator:
    @staticmethod
    def triple(x: int) -> int:
        return 3 * x


# ---- for the worker pool (tests/pyworker/test_pool.py) ------------------------------------------


def pid() -> int:
    import os

    return os.getpid()


def exits_hard(code: int) -> None:
    """Like a C extension calling exit(): no exception, the process just ends."""
    import os

    os._exit(code)


def segfaults() -> None:
    import ctypes

    ctypes.string_at(0)  # reads address 0: SIGSEGV


def killed() -> None:
    """How the kernel's OOM killer or a cgroup memory limit ends a process: SIGKILL."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def environ(name: str) -> str | None:
    import os

    return os.environ.get(name)


def spawn_and_sleep(path: str, seconds: float) -> str:
    """Start a child process, write "<own pid> <child pid>" to `path`, then sleep."""
    import os
    import subprocess

    child = subprocess.Popen(["sleep", str(seconds)])
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    os.replace(tmp, path)
    time.sleep(seconds)
    return "slept"


def prints() -> str:
    """stdout is not the worker's reply channel, whichever way one writes to it."""
    import os

    print("print() to stdout", flush=True)
    os.write(1, b"os.write to fd 1\n")
    return "replied"


def huge() -> int:
    return 2**70


def not_json_details() -> None:
    raise TaskError("custom", "error", details={"when": {1, 2}})

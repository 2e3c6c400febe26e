"""Functions called by `python.call` in tests/test_components_python.py (by import path)."""

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


class Calculator:
    @staticmethod
    def triple(x: int) -> int:
        return 3 * x

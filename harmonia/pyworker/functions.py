"""Finding a function by its `module:qualified.name` path, and turning its outcome into data.

Shared by the two ways `python.call` runs user code (a worker process, or inline in the
engine's process), so that both report a missing module, a raised exception or a result that
is not JSON in exactly the same words and error kinds.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from typing import Any

import orjson

from harmonia.errors import ErrorKind, TaskError

__all__ = [
    "exception_error",
    "find_function",
    "imported",
    "output_json",
    "task_error_doc",
]

_TRACEBACK_FRAMES = 8


def imported(module_name: str) -> bool:
    """Whether the module is fully imported already (then a lookup cannot block on I/O)."""
    module = sys.modules.get(module_name)
    spec = getattr(module, "__spec__", None)
    # still being imported by another thread: a half-initialised module lacks the function
    return module is not None and not getattr(spec, "_initializing", False)


def find_function(path: str) -> Callable[..., Any]:
    """Import the module and walk the qualified name; a failure is the task input's fault,
    except an exception raised by the module's own code while it is imported.

    Blocking: a first import runs arbitrary module code and reads files."""
    module_name, _, qualname = path.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise TaskError(
            f"cannot import module '{module_name}' for function '{path}': {exc}",
            ErrorKind.INVALID_INPUT,
        ) from None
    except Exception as exc:
        raise TaskError(
            f"importing module '{module_name}' for function '{path}' raised "
            f"{type(exc).__name__}: {exc}",
            ErrorKind.EXCEPTION,
            details=exception_details(exc),
        ) from None
    walked: list[str] = []
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            owner = f"'{module_name}:{'.'.join(walked)}'" if walked else f"module '{module_name}'"
            raise TaskError(
                f"function '{path}' not found: {owner} has no attribute '{part}'",
                ErrorKind.INVALID_INPUT,
            ) from None
        walked.append(part)
    if not callable(target):
        raise TaskError(
            f"'{path}' is not callable (it is a {type(target).__name__})", ErrorKind.INVALID_INPUT
        )
    return target  # type: ignore[no-any-return]


def exception_details(exc: BaseException) -> dict[str, object]:
    """The exception's type and the last frames of its traceback (the user's code, not ours)."""
    lines = traceback.format_exception(exc, limit=-_TRACEBACK_FRAMES)
    return {
        "exception_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "traceback": "".join(lines),
    }


def exception_error(exc: BaseException) -> TaskError:
    """What an exception raised by the user's function becomes: kind `exception`, retryable."""
    return TaskError(
        f"{type(exc).__name__}: {exc}", ErrorKind.EXCEPTION, details=exception_details(exc)
    )


def output_json(path: str, result: Any) -> bytes:
    """The result as JSON text, or TaskError of kind `output`.

    orjson both checks the value and normalises it (tuples to lists, dataclasses and datetimes
    to what orjson makes of them), so what the engine stores is exactly what a later reader gets
    back after a restart. An integer beyond 64 bits is refused here too: the journal could not
    hold it."""
    try:
        return orjson.dumps(result)
    except TypeError as exc:
        raise TaskError(
            f"function '{path}' returned a value that is not JSON-serialisable "
            f"({type(result).__name__}): {exc}",
            ErrorKind.OUTPUT,
        ) from None


def task_error_doc(error: TaskError) -> dict[str, Any]:
    """A TaskError as data that crosses a process boundary and comes back the same."""
    return {
        "message": error.message,
        "kind": error.kind,
        "retryable": error.retryable,
        "details": error.details,
    }

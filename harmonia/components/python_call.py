"""`python.call`: call a Python function by its import path.

Sync functions run in a worker thread so a slow function never stalls the engine's event loop.
Coroutine functions are awaited on the engine's own loop, so they must be written for anyio (or
for whichever backend the engine runs on): under the trio backend an asyncio-only coroutine
(`asyncio.sleep`, aiohttp, ...) cannot run. Portable user code uses `anyio`.

A sync function cannot be interrupted: when its task times out or is cancelled the task ends at
once, but the worker thread runs the function to its end in the background (its result is
dropped). Functions with side effects should be idempotent anyway: attempts can be retried.

A function may raise `harmonia.errors.TaskError` itself to choose the error kind (for instance a
non-retryable `invalid_input`); any other exception becomes kind `exception`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Annotated, Any

import anyio
import anyio.to_thread
import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from harmonia.components.base import ActionContext, Component, ModelAction
from harmonia.errors import ErrorKind, TaskError

__all__ = ["PythonCallAction", "PythonComponent", "resolve_function"]

_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_FUNCTION_PATH = re.compile(rf"^({_DOTTED}):({_DOTTED})$")
_TRACEBACK_FRAMES = 8


def _check_function_path(value: str) -> str:
    if not _FUNCTION_PATH.match(value):
        raise ValueError("must look like 'package.module:function' (or 'module:Class.method')")
    return value


class PythonCallInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    function: Annotated[str, AfterValidator(_check_function_path)] = Field(
        description="'module:qualified.name' of the callable, e.g. 'mypkg.etl:transform'."
    )
    args: list[Any] = Field(default_factory=list, description="Positional arguments.")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments.")


def _import(module_name: str) -> ModuleType:
    return importlib.import_module(module_name)


async def resolve_function(path: str) -> Callable[..., Any]:
    """Import the module and walk the qualified name; failures are the task's input's fault.

    A first import runs in a worker thread: it may execute arbitrary module code and read many
    files, which must not block the event loop. Modules already imported are taken directly.
    """
    module_name, _, qualname = path.partition(":")
    try:
        module = sys.modules.get(module_name)
        spec = getattr(module, "__spec__", None)
        if module is None or getattr(spec, "_initializing", False):
            # absent, or still being imported by another worker thread: a half-initialised
            # module would be missing the function; import_module waits for the import lock
            module = await anyio.to_thread.run_sync(_import, module_name)
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
            details=_exception_details(exc),
        ) from None
    target: Any = module
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


def _exception_details(exc: BaseException) -> dict[str, object]:
    """The exception's type and the last frames of its traceback (the user's code, not ours)."""
    lines = traceback.format_exception(exc, limit=-_TRACEBACK_FRAMES)
    return {
        "exception_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "traceback": "".join(lines),
    }


class PythonCallAction(ModelAction[PythonCallInput]):
    name = "call"
    description = (
        "Call 'module:function' with args and kwargs; sync functions run in a worker thread, "
        "coroutine functions are awaited and must be anyio-compatible. Returns the JSON result."
    )
    input_model = PythonCallInput

    async def run(self, ctx: ActionContext, params: PythonCallInput) -> Any:
        function = await resolve_function(params.function)
        try:
            if inspect.iscoroutinefunction(function):
                result = await function(*params.args, **params.kwargs)
            else:
                # abandon_on_cancel: a thread cannot be interrupted, but the task's timeout and
                # an operator's cancel must still take effect at once; the thread's eventual
                # result is dropped.
                result = await anyio.to_thread.run_sync(
                    functools.partial(function, *params.args, **params.kwargs),
                    abandon_on_cancel=True,
                )
            if inspect.isawaitable(result):  # e.g. a sync wrapper around a coroutine function
                result = await result
        except TaskError:
            raise
        except (Exception, SystemExit) as exc:  # SystemExit: sys.exit() must not stop the engine
            raise TaskError(
                f"{type(exc).__name__}: {exc}",
                ErrorKind.EXCEPTION,
                details=_exception_details(exc),
            ) from None
        return _to_json(params.function, result)


def _to_json(path: str, result: Any) -> Any:
    """Return the result as plain JSON data, or fail with kind OUTPUT.

    The round trip through orjson both checks the value and normalises it (tuples to lists,
    dataclasses and datetimes to what orjson makes of them), so that the output the engine
    stores is exactly what a later reader gets back after a restart.
    """
    try:
        return orjson.loads(orjson.dumps(result))
    except TypeError as exc:
        raise TaskError(
            f"function '{path}' returned a value that is not JSON-serialisable "
            f"({type(result).__name__}): {exc}",
            ErrorKind.OUTPUT,
        ) from None


class PythonComponent(Component):
    """`python.call`."""

    def __init__(self) -> None:
        super().__init__(
            "python",
            "Call Python functions importable by the daemon.",
            [PythonCallAction()],
        )

"""`python.call`: call a Python function by its import path.

By default the function runs in a worker process of a pool (`harmonia.pyworker.pool`): a
function that calls `os._exit`, crashes native code or exhausts memory fails its task (kind
`worker_crashed`) instead of killing the engine, and a timeout or a cancel kills the worker, so
the function really stops. Arguments and the result cross as JSON, which they must be anyway.
Coroutine functions run on a fresh asyncio loop in the worker.

`isolation: inline` runs the function in the engine's own process instead, for trusted code
that needs to share the engine's memory: sync functions in a worker thread (a timeout or cancel
ends the task at once, but the thread runs the function to its end in the background),
coroutine functions awaited on the engine's loop (so written for anyio under the trio backend).
An inline call waits until its task's start is on disk, so that a crash it causes is on record
and counts towards `crash_loop` (see `harmonia.engine.crashloop`).

A function may raise `harmonia.errors.TaskError` itself to choose the error kind (for instance a
non-retryable `invalid_input`); any other exception becomes kind `exception`.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

import anyio
import anyio.to_thread
import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from harmonia.components.base import ActionContext, Component, FieldProblem, ModelAction
from harmonia.errors import TaskError
from harmonia.pyworker.functions import (
    exception_error,
    find_function,
    imported,
    output_json,
)
from harmonia.pyworker.pool import WorkerPool

__all__ = ["PythonCallAction", "PythonComponent", "resolve_function"]

_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_FUNCTION_PATH = re.compile(rf"^({_DOTTED}):({_DOTTED})$")

Isolation = Literal["process", "inline"]


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
    isolation: Isolation = Field(
        default="process",
        description="'process' (default): run in a pooled worker process, so a crash fails "
        "only this task. 'inline': run in the engine's process (trusted code only; a crash "
        "takes the engine down). Must be written literally, not as a ${...} reference.",
    )


async def resolve_function(path: str) -> Callable[..., Any]:
    """`find_function` for the engine's process: a first import runs in a worker thread (it may
    execute arbitrary module code and read many files, which must not block the event loop);
    modules already imported are used directly."""
    module_name = path.partition(":")[0]
    if imported(module_name):
        return find_function(path)
    # absent, or still being imported by another thread: import_module waits for the lock
    return await anyio.to_thread.run_sync(find_function, path)


class PythonCallAction(ModelAction[PythonCallInput]):
    name = "call"
    description = (
        "Call 'module:function' with args and kwargs and return its JSON result; in a pooled "
        "worker process by default (isolation: process), or in the engine's process "
        "(isolation: inline)."
    )
    input_model = PythonCallInput

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool

    def extra_problems(
        self, raw: Mapping[str, Any], is_dynamic: Callable[[Any], bool]
    ) -> list[FieldProblem]:
        """Who may crash the engine is the workflow author's decision, never a caller's: an
        execution input must not be able to turn isolation off."""
        if "isolation" in raw and is_dynamic(raw["isolation"]):
            return [
                FieldProblem(
                    "isolation", "must be written literally ('process' or 'inline'), not a ${...}"
                )
            ]
        return []

    async def run(self, ctx: ActionContext, params: PythonCallInput) -> Any:
        if params.isolation == "process":
            return await self.pool.call(
                params.function, params.args, params.kwargs, environ=ctx.environ
            )
        return await self._run_inline(ctx, params)

    async def _run_inline(self, ctx: ActionContext, params: PythonCallInput) -> Any:
        if ctx.start_recorded is not None:
            await ctx.start_recorded()  # before any user code, its import included
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
            raise exception_error(exc) from None
        # the same round trip as a worker's reply: what is stored is what a reader gets back
        return orjson.loads(output_json(params.function, result))


class PythonComponent(Component):
    """`python.call`, with its pool of worker processes (started on first use)."""

    def __init__(self, pool: WorkerPool | None = None) -> None:
        self.pool = pool or WorkerPool()
        super().__init__(
            "python",
            "Call Python functions importable by the daemon.",
            [PythonCallAction(self.pool)],
        )

    async def aclose(self) -> None:
        await self.pool.aclose()

"""What a Dask worker runs for one attempt: the same action code as the engine's process.

The worker validates the input and runs the action exactly as locally, so inputs, outputs,
errors and their kinds match; the outcome travels back as data (output as JSON bytes, an error
as a TaskError document). Nothing here touches the journal: Dask only executes.
`distributed` is imported inside the functions, on the worker, so the engine never needs it.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any

import anyio

from harmonia.components.base import Action, ActionContext
from harmonia.errors import ErrorKind, TaskError
from harmonia.pyworker.functions import exception_error, find_function, output_json, task_error_doc

__all__ = ["SubmittedAttempt", "run_attempt", "warm_up"]

_POLL = 0.1
"""How often an action running in a loop on the worker checks that its key is still wanted."""
_GRACE = 5.0
"""Beyond the task's timeout, how long a worker lets an attempt run if the engine's cancel
never reaches it (the engine died): then it stops it itself."""

_actions: dict[str, Action] = {}
_lock = threading.Lock()

SubmittedAttempt = tuple[str, str, str, Any, str, str, int, "float | None"]
"""key, component, action, payload, execution id, task id, attempt, timeout."""


def _action(component: str, name: str) -> Action:
    """One instance per worker process of each movable action (built on first use)."""
    with _lock:
        action = _actions.get(component)
        if action is None:
            if component == "shell":
                from harmonia.components.shell import ShellRunAction

                action = ShellRunAction()
            elif component == "http":
                from harmonia.components.http import HttpRequestAction

                action = HttpRequestAction()
            elif component == "python":
                from harmonia.components.python_call import PythonCallAction
                from harmonia.pyworker.pool import WorkerPool

                action = PythonCallAction(WorkerPool())  # its pool is never started here
            else:
                raise TaskError(f"component '{component}' does not run on Dask", ErrorKind.ERROR)
            _actions[component] = action
    if action.name != name:
        raise TaskError(f"unknown action '{name}' of component '{component}'", ErrorKind.ERROR)
    return action


def run_attempt(attempt: SubmittedAttempt) -> tuple[str, Any]:
    """The Dask task: ("ok", output JSON bytes) or ("error", TaskError document)."""
    key, component, name, payload, execution_id, task_id, number, timeout = attempt
    limit = None if timeout is None else timeout + _GRACE
    try:
        action = _action(component, name)
        if component == "python":
            return "ok", _call_python(action, payload)
        ctx = ActionContext(execution_id, task_id, number)
        value = anyio.run(_in_loop, action, ctx, payload, _wanted(key), limit)
        return "ok", output_json(f"{component}.{name}", value)
    except TaskError as exc:
        return "error", task_error_doc(exc)
    except TimeoutError as exc:
        if limit is None:  # not the worker's own limit: an action's bug, as below
            return "error", task_error_doc(TaskError(f"TimeoutError: {exc}", ErrorKind.EXCEPTION))
        # the engine's own timeout never reached the worker (the engine is gone)
        message = f"attempt {number} was stopped on the worker after {limit:g}s"
        return "error", task_error_doc(TaskError(message, ErrorKind.TIMEOUT))
    except Exception as exc:  # an action's bug fails the attempt, as in the engine
        error = TaskError(f"{type(exc).__name__}: {exc}", ErrorKind.EXCEPTION)
        return "error", task_error_doc(error)


def warm_up() -> None:
    """Import what attempts need before the first one comes (run on each worker at connect)."""
    _action("shell", "run")
    _action("http", "request")
    _action("python", "call")


def _call_python(action: Action, payload: Any) -> bytes:
    """`python.call` in the worker's own thread: the worker process is the isolation (its
    death is `worker_lost`). A coroutine function gets a fresh event loop."""
    params: Any = action.validate_input(payload)
    function = find_function(params.function)
    try:
        result = function(*params.args, **params.kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
    except TaskError:
        raise
    except (Exception, SystemExit) as exc:
        raise exception_error(exc) from None
    return output_json(params.function, result)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


async def _in_loop(
    action: Action,
    ctx: ActionContext,
    payload: Any,
    wanted: Callable[[], bool],
    limit: float | None,
) -> Any:
    """Run the action; stop it (its cleanup kills a shell command's process group) once the
    engine no longer wants the attempt (cancel, timeout, engine gone) or after `limit`."""
    result: list[Any] = []
    failure: list[Exception] = []
    with anyio.fail_after(limit):
        async with anyio.create_task_group() as tg:

            async def attempt() -> None:
                try:
                    result.append(await action.invoke(ctx, payload))
                except Exception as exc:  # raised as itself below, not in a group
                    failure.append(exc)
                tg.cancel_scope.cancel()

            tg.start_soon(attempt)
            while wanted():  # noqa: ASYNC110 (the worker's state is polled: no event to wait on)
                await anyio.sleep(_POLL)
            tg.cancel_scope.cancel()
    if failure:
        raise failure[0]
    if not result:
        raise TaskError("the attempt was cancelled on the worker", ErrorKind.ERROR)
    return result[0]


def _wanted(key: str) -> Callable[[], bool]:
    """Whether the worker still holds `key` for computing: the scheduler frees it when the
    engine cancels the future or its client goes away."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return lambda: True
    tasks = worker.state.tasks

    def wanted() -> bool:
        task = tasks.get(key)
        return task is not None and task.state in ("executing", "long-running")

    return wanted

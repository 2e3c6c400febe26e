"""`python.call`: sync and anyio coroutine functions, and every way a call can go wrong."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from harmonia.components import ActionContext, PythonComponent
from harmonia.components.base import Action
from harmonia.errors import ErrorKind, TaskError

pytestmark = pytest.mark.anyio

F = "helpers.pyfuncs"
CTX = ActionContext(execution_id="e1", task_id="t1", attempt=1)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


@pytest.fixture
async def call() -> AsyncIterator[Action]:
    """The action of a component closed after the test: a worker left behind would outlive
    its event loop and, exiting later, make asyncio report "Event loop is closed"."""
    component = PythonComponent()
    try:
        yield component.action("call")
    finally:
        await component.aclose()


async def test_sync_function_with_args_and_kwargs(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:add", "args": [2], "kwargs": {"b": 3}}) == 5


async def test_stdlib_function(call: Action) -> None:
    assert await call.invoke(CTX, {"function": "os.path:join", "args": ["a", "b"]}) == "a/b"


async def test_anyio_coroutine_function_is_awaited(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:async_double", "args": [21]}) == 42


async def test_qualified_name_walks_attributes(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:Calculator.triple", "args": [3]}) == 9


async def test_result_is_normalised_to_json(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:pair", "args": [1]}) == [1, 1]


async def test_exception_becomes_exception_kind(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:raises"})
    error = info.value
    assert error.kind == ErrorKind.EXCEPTION
    assert error.retryable
    assert error.message == "ValueError: bad value from user code"
    assert error.details["exception_type"] == "builtins.ValueError"
    assert "in raises" in str(error.details["traceback"])


async def test_task_error_from_the_function_is_kept(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:raises_task_error"})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert not info.value.retryable


async def test_sys_exit_does_not_stop_the_engine(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:exits"})
    assert info.value.kind == ErrorKind.EXCEPTION
    assert info.value.message.startswith("SystemExit")


async def test_non_json_result(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:returns_set"})
    assert info.value.kind == ErrorKind.OUTPUT
    assert not info.value.retryable
    assert "set" in info.value.message


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("harmonia_no_such_module:f", "cannot import module 'harmonia_no_such_module'"),
        (f"{F}:nope", f"module '{F}' has no attribute 'nope'"),
        (f"{F}:Calculator.nope", f"'{F}:Calculator' has no attribute 'nope'"),
        (f"{F}:NOT_CALLABLE", "is not callable"),
        ("no-colon", "must look like"),
    ],
)
async def test_bad_function_path(call: Action, function: str, expected: str) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": function})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert expected in info.value.message


async def test_bad_arguments_are_the_functions_exception(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:add", "kwargs": {"c": 1}})
    assert info.value.kind == ErrorKind.EXCEPTION
    assert "TypeError" in info.value.message


async def test_a_blocking_function_does_not_block_cancellation(call: Action) -> None:
    start = time.monotonic()
    with anyio.move_on_after(0.2) as scope:
        await call.invoke(CTX, {"function": f"{F}:blocks", "args": [30]})
    assert scope.cancelled_caught
    assert time.monotonic() - start < 30  # it did not wait for the function to return


async def test_a_blocking_function_does_not_block_the_loop(call: Action, tmp_path: Path) -> None:
    """The function returns only once the loop, ticking meanwhile, has made its file: no
    count of ticks in a wall-clock window, which a loaded machine could miss."""
    ticks = 0
    ticked = tmp_path / "ticked"

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            if ticks == 5:
                ticked.touch()
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as tg:
        tg.start_soon(tick)
        blocking = {"function": f"{F}:blocks_until", "args": [str(ticked), 30]}
        assert await call.invoke(CTX, blocking) == "done"
        tg.cancel_scope.cancel()
    assert ticks >= 5

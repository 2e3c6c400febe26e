"""`python.call` in worker processes: crashes are failed tasks, cancels really stop the function.

Real worker processes throughout (no stubs); every async test runs on asyncio and on trio.
Process liveness is read from /proc with a deadline; a zombie counts as gone.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from helpers.engine_probe import engine_options, wait_for
from helpers.procs import alive
from helpers.waiting import wait_until

from harmonia.components import ActionContext, PythonComponent
from harmonia.components.base import Action
from harmonia.engine import open_engine
from harmonia.errors import ErrorKind, TaskError, ValidationFailed
from harmonia.loader import load_workflow_dict
from harmonia.pyworker.pool import WorkerPool

pytestmark = pytest.mark.anyio

F = "helpers.pyfuncs"
CTX = ActionContext(execution_id="e1", task_id="t1", attempt=1)


def wait_gone(*pids: int, within: float = 10.0) -> None:
    wait_until(
        lambda: not any(alive(p) for p in pids),
        within,
        f"processes {list(pids)} to end",
        detail=lambda: f"still alive: {[p for p in pids if alive(p)]}",
    )


@pytest.fixture
async def component() -> AsyncIterator[PythonComponent]:
    python = PythonComponent()
    try:
        yield python
    finally:
        await python.aclose()


@pytest.fixture
def call(component: PythonComponent) -> Action:
    return component.action("call")


async def test_calls_reuse_one_worker_process(call: Action, component: PythonComponent) -> None:
    first = await call.invoke(CTX, {"function": f"{F}:pid"})
    second = await call.invoke(CTX, {"function": f"{F}:pid"})
    assert first == second != os.getpid()
    assert component.pool.started == 1


CRASHES: list[tuple[str, list[int], dict[str, object], str]] = [
    ("exits_hard", [3], {"exit_code": 3}, "exited with code 3"),
    ("segfaults", [], {"signal": 11, "signal_name": "SIGSEGV"}, "killed by signal SIGSEGV (11)"),
    ("killed", [], {"signal": 9, "signal_name": "SIGKILL"}, "out of memory?"),
]


@pytest.mark.parametrize(("function", "args", "details", "message"), CRASHES)
async def test_a_crash_is_a_failed_call_and_the_worker_is_replaced(
    call: Action, function: str, args: list[int], details: dict[str, object], message: str
) -> None:
    before = await call.invoke(CTX, {"function": f"{F}:pid"})
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:{function}", "args": args})
    error = info.value
    assert error.kind == ErrorKind.WORKER_CRASHED == "worker_crashed"
    assert error.retryable
    assert f"'{F}:{function}' died" in error.message and message in error.message
    assert error.details == {"pid": before, **details}  # the crashed one was the reused worker
    after = await call.invoke(CTX, {"function": f"{F}:pid"})
    assert after != before
    wait_gone(before)


async def test_cancel_kills_the_worker_and_what_it_started(call: Action, tmp_path: Path) -> None:
    marker = tmp_path / "pids"
    async with anyio.create_task_group() as tg:
        tg.start_soon(
            call.invoke, CTX, {"function": f"{F}:spawn_and_sleep", "args": [str(marker), 60]}
        )
        await wait_for(marker.exists)
        tg.cancel_scope.cancel()
    worker, child = map(int, marker.read_text().split())
    wait_gone(worker, child)


async def test_workers_do_not_see_the_daemon_token(
    call: Action, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARMONIA_TOKEN", "secret-token-of-the-daemon")
    monkeypatch.setenv("HARMONIA_TEST_VISIBLE", "yes")
    assert await call.invoke(CTX, {"function": f"{F}:environ", "args": ["HARMONIA_TOKEN"]}) is None
    got = await call.invoke(CTX, {"function": f"{F}:environ", "args": ["HARMONIA_TEST_VISIBLE"]})
    assert got == "yes"


async def test_writing_to_stdout_does_not_corrupt_replies(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:prints"}) == "replied"
    assert await call.invoke(CTX, {"function": f"{F}:add", "args": [1, 2]}) == 3


async def test_prints_stay_off_a_screen_whose_stderr_is_captured(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's embedded daemon runs under Textual, which captures sys.stderr with no
    file behind it: what a function prints must not land on the terminal (fd 2)."""

    class Captured(io.StringIO):
        def fileno(self) -> int:
            return -1

    monkeypatch.setattr(sys, "stderr", Captured())
    python = PythonComponent()
    try:
        assert await python.action("call").invoke(CTX, {"function": f"{F}:prints"}) == "replied"
    finally:
        await python.aclose()
    assert "print() to stdout" not in capfd.readouterr().err


@pytest.mark.parametrize("isolation", ["process", "inline"])
async def test_an_integer_beyond_64_bits_is_an_output_error(call: Action, isolation: str) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:huge", "isolation": isolation})
    assert info.value.kind == ErrorKind.OUTPUT
    assert "64-bit" in info.value.message


async def test_task_error_details_that_are_not_json_still_come_back(call: Action) -> None:
    with pytest.raises(TaskError) as info:
        await call.invoke(CTX, {"function": f"{F}:not_json_details"})
    assert info.value.kind == "error" and info.value.message == "custom"
    assert "repr" in info.value.details


async def test_inline_runs_in_the_engines_process(call: Action) -> None:
    assert await call.invoke(CTX, {"function": f"{F}:pid", "isolation": "inline"}) == os.getpid()


async def test_a_module_folder_added_to_sys_path_later_reaches_the_worker(
    call: Action, tmp_path: Path
) -> None:
    await call.invoke(CTX, {"function": f"{F}:pid"})  # the worker exists before the folder
    (tmp_path / "late_module_for_pool.py").write_text("def hello():\n    return 'late'\n")
    sys.path.insert(0, str(tmp_path))
    try:
        assert await call.invoke(CTX, {"function": "late_module_for_pool:hello"}) == "late"
    finally:
        sys.path.remove(str(tmp_path))


async def test_no_more_than_max_workers_at_once() -> None:
    python = PythonComponent(WorkerPool(max_workers=2))
    call = python.action("call")
    try:
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(call.invoke, CTX, {"function": f"{F}:blocks", "args": [0.1]})
        assert python.pool.started == 2
    finally:
        await python.aclose()


async def test_idle_workers_are_let_go_after_the_idle_timeout() -> None:
    python = PythonComponent(WorkerPool(idle_timeout=0.05))
    call = python.action("call")
    try:
        first = await call.invoke(CTX, {"function": f"{F}:pid"})
        await anyio.sleep(0.1)  # the idle timeout itself is what is tested
        second = await call.invoke(CTX, {"function": f"{F}:pid"})
        assert second != first
        wait_gone(first)
    finally:
        await python.aclose()


async def test_aclose_ends_every_worker(call: Action, component: PythonComponent) -> None:
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(call.invoke, CTX, {"function": f"{F}:blocks", "args": [0.05]})
    pids = component.pool.pids
    assert len(pids) == 3 and all(alive(p) for p in pids)
    await component.aclose()
    wait_gone(*pids)


async def test_a_timeout_stops_the_function_for_real(data_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pids"
    wf = load_workflow_dict(
        {
            "name": "slow",
            "tasks": {
                "slow": {
                    "component": "python",
                    "action": "call",
                    "timeout": 1,
                    "retry_policy": {"max_retries": 0},
                    "input": {"function": f"{F}:spawn_and_sleep", "args": [str(marker), 60]},
                }
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state = await engine.wait((await engine.start(wf)).id)
    task = state.tasks["slow"]
    assert task.status == "failed" and task.error is not None
    assert task.error["kind"] == "timeout"
    worker, child = map(int, marker.read_text().split())
    wait_gone(worker, child)


@pytest.mark.parametrize(
    ("isolation", "expected"),
    [
        ("thread", "'process' or 'inline'"),
        ("${input.how}", "must be written literally"),
    ],
)
def test_isolation_is_checked_when_the_workflow_loads(isolation: str, expected: str) -> None:
    doc = {
        "name": "iso",
        "input": {"how": {"type": "string", "default": "inline"}},
        "tasks": {
            "t": {
                "component": "python",
                "action": "call",
                "input": {"function": f"{F}:pid", "isolation": isolation},
            }
        },
    }
    with pytest.raises(ValidationFailed) as info:
        load_workflow_dict(doc)
    (problem,) = info.value.problems
    assert problem.task == "t" and problem.field == "input.isolation"
    assert expected in problem.message

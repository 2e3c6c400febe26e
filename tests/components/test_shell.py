"""`shell.run`: output, errors, and that no process outlives a timeout or a cancellation."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from helpers.waiting import wait_until_async

from harmonia.components import ActionContext, ShellComponent
from harmonia.components.base import Action
from harmonia.errors import ErrorKind, TaskError

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups"),
]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


CTX = ActionContext(execution_id="e1", task_id="t1", attempt=1)


@pytest.fixture
def run() -> Action:
    return ShellComponent(kill_grace=0.5).action("run")


def alive(pid: int) -> bool:
    """Whether `pid` runs. A zombie does not: in containers PID 1 may never reap orphans."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        pass
    else:
        return stat[stat.rfind(")") + 2] not in "ZX"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_until_gone(pids: list[int], deadline: float = 30.0) -> None:
    """A deadline only for a failure: 10 s was missed once at load 14 (the -n 4 suite beside
    other sessions' suites) by processes that did end."""
    await wait_until_async(
        lambda: not any(alive(pid) for pid in pids), deadline, f"processes {pids} to end"
    )


def published_pids(pidfile: Path) -> list[int] | None:
    try:
        return [int(word) for word in pidfile.read_text().split()]
    except FileNotFoundError:
        return None


async def read_pids(pidfile: Path, deadline: float = 10.0) -> list[int]:
    """Wait for the command to publish its pids (written to a temp file, then renamed)."""
    return await wait_until_async(
        lambda: published_pids(pidfile), deadline, f"the command's pids in {pidfile}"
    )


def same_dir(printed: str, expected: Path) -> bool:
    return os.path.samefile(printed.strip(), expected)


def spawn_tree(pidfile: Path, prefix: str = "") -> str:
    """A shell that starts a long-running child, publishes both pids, and waits."""
    return f"{prefix}sleep 30 & echo $$ $! > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}; wait"


# --- output ---------------------------------------------------------------------------------


async def test_string_command_runs_in_sh(run: Action) -> None:
    result = await run.invoke(CTX, {"command": "echo out; echo err >&2; echo $((1 + 2))"})
    assert result == {"exit_code": 0, "stdout": "out\n3\n", "stderr": "err\n"}


async def test_argv_command_runs_without_a_shell(run: Action) -> None:
    result = await run.invoke(CTX, {"command": ["echo", "$HOME", "a b", 5]})
    assert result["stdout"] == "$HOME a b 5\n"


async def test_cwd(run: Action, tmp_path: Path) -> None:
    result = await run.invoke(CTX, {"command": "pwd", "cwd": str(tmp_path)})
    assert same_dir(result["stdout"], tmp_path)


async def test_relative_cwd_is_under_the_workdir(run: Action, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    ctx = ActionContext("e1", "t1", 1, workdir=tmp_path)
    result = await run.invoke(ctx, {"command": ["pwd"], "cwd": "sub"})
    assert same_dir(result["stdout"], tmp_path / "sub")
    result = await run.invoke(ctx, {"command": ["pwd"]})
    assert same_dir(result["stdout"], tmp_path)


async def test_missing_cwd_is_a_clear_error(run: Action, tmp_path: Path) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": "true", "cwd": str(tmp_path / "nope")})
    assert info.value.kind == ErrorKind.ERROR
    assert "working directory does not exist" in info.value.message


async def test_env_is_merged_over_the_environment(run: Action) -> None:
    result = await run.invoke(
        CTX,
        {
            "command": 'echo "$HARMONIA_T $PORT"; command -v sh',
            "env": {"HARMONIA_T": "x y", "PORT": 8080},
        },
    )
    first, second = result["stdout"].splitlines()
    assert first == "x y 8080"
    assert second.endswith("sh")  # PATH still inherited


async def test_stdin(run: Action) -> None:
    result = await run.invoke(CTX, {"command": ["cat"], "stdin": "hello\nworld"})
    assert result["stdout"] == "hello\nworld"


async def test_no_stdin_means_empty_input_not_a_hang(run: Action) -> None:
    with anyio.fail_after(10):
        result = await run.invoke(CTX, {"command": "cat"})
    assert result["stdout"] == ""


async def test_unread_stdin_is_not_an_error(run: Action) -> None:
    result = await run.invoke(CTX, {"command": "true", "stdin": "x" * 1_000_000})
    assert result["exit_code"] == 0


async def test_output_is_capped_and_says_so() -> None:
    run = ShellComponent(max_capture=10).action("run")
    result = await run.invoke(CTX, {"command": "printf '%0100d' 0; printf 'e%.0s' $(seq 50) >&2"})
    assert result["stdout"].startswith("0" * 10 + "\n")
    assert "truncated: 90 bytes" in result["stdout"]
    assert result["stderr"].endswith("e" * 10)
    assert result["truncated"] == ["stdout", "stderr"]


async def test_invalid_utf8_is_replaced(run: Action) -> None:
    result = await run.invoke(CTX, {"command": r"printf 'a\377b'"})
    assert result["stdout"] == "a\ufffdb"


# --- failures -------------------------------------------------------------------------------


async def test_non_zero_exit_fails(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": "echo partial; echo first >&2; echo last >&2; exit 3"})
    error = info.value
    assert error.kind == ErrorKind.EXIT_CODE
    assert error.retryable
    assert "exited with code 3" in error.message
    assert "last" in error.message
    assert error.details["exit_code"] == 3
    assert error.details["stdout"] == "partial\n"
    assert error.details["stderr"] == "first\nlast\n"


async def test_non_zero_exit_with_check_false_succeeds(run: Action) -> None:
    result = await run.invoke(CTX, {"command": "exit 4", "check": False})
    assert result["exit_code"] == 4


async def test_argv_command_not_found(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": ["harmonia-no-such-program"]})
    assert info.value.kind == ErrorKind.ERROR
    assert "command not found: 'harmonia-no-such-program'" in info.value.message


async def test_shell_command_not_found_mentions_it(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": "harmonia-no-such-program"})
    assert info.value.details["exit_code"] == 127
    assert "not found" in info.value.message


async def test_killed_by_signal(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": "kill -9 $$"})
    assert "SIGKILL" in info.value.message


async def test_invalid_input(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": [], "timeout": 0})
    assert info.value.kind == ErrorKind.INVALID_INPUT
    assert "command:" in info.value.message and "timeout:" in info.value.message


# --- no process left behind -----------------------------------------------------------------


async def test_timeout_kills_the_whole_process_group(run: Action, tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    with anyio.fail_after(10), pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": spawn_tree(pidfile), "timeout": 0.5})
    assert info.value.kind == ErrorKind.TIMEOUT
    assert info.value.retryable
    pids = await read_pids(pidfile)
    assert len(pids) == 2
    await wait_until_gone(pids)


async def test_timeout_keeps_partial_output(run: Action) -> None:
    with pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": "echo started; exec sleep 30", "timeout": 0.3})
    assert info.value.details["stdout"] == "started\n"


async def test_cancellation_kills_the_whole_process_group(run: Action, tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    outcome: list[str] = []

    async def invoke() -> None:
        try:
            await run.invoke(CTX, {"command": spawn_tree(pidfile)})
        except anyio.get_cancelled_exc_class():
            outcome.append("cancelled")
            raise

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(invoke)
            pids = await read_pids(pidfile)
            assert all(alive(pid) for pid in pids)
            tg.cancel_scope.cancel()
    assert outcome == ["cancelled"]  # the cancellation was re-raised, not swallowed
    await wait_until_gone(pids)


async def test_sigterm_ignoring_processes_get_sigkill(tmp_path: Path) -> None:
    run = ShellComponent(kill_grace=0.3).action("run")
    pidfile = tmp_path / "pids"
    # `trap '' TERM` makes the shell and the children it starts ignore SIGTERM.
    command = spawn_tree(pidfile, prefix="trap '' TERM; ")
    with anyio.fail_after(10), pytest.raises(TaskError) as info:
        await run.invoke(CTX, {"command": command, "timeout": 0.3})
    assert info.value.kind == ErrorKind.TIMEOUT
    await wait_until_gone(await read_pids(pidfile))

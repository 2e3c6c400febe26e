"""`shell.run`: run a command, capture its output, never leave a process behind.

The engine cancels a task through an anyio cancel scope (operator cancel, task timeout,
execution shutdown). A killed `/bin/sh` would leave its children running, so every command is
started in its own session (= its own process group) and the whole group is terminated: SIGTERM
first so that programs can clean up, SIGKILL after a short grace.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import Annotated, Any

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream, Process
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from harmonia.components.base import ActionContext, Component, ModelAction
from harmonia.errors import ErrorKind, TaskError
from harmonia.taskenv import task_environment

__all__ = ["DEFAULT_KILL_GRACE", "MAX_CAPTURE_BYTES", "ShellComponent", "ShellRunAction"]

MAX_CAPTURE_BYTES = 1024 * 1024  # per stream; a task's output is stored and streamed to clients
DEFAULT_KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
_STDERR_LINES_IN_MESSAGE = 5


def _number_to_str(value: Any) -> Any:
    """YAML turns `[sleep, 30]` and `PORT: 8080` into numbers; a command wants text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _check_command(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """One clear message instead of pydantic's per-union-member errors."""
    from harmonia.model import describe_value  # only a wrong command needs it

    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("too_short", "must not be empty")
    elif isinstance(value, list):
        if not value:
            raise PydanticCustomError("too_short", "must not be an empty list")
        value = [_number_to_str(item) for item in value]
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise PydanticCustomError(
                    "command_item",
                    "item {index} must be a string, got {got}",
                    {"index": index, "got": describe_value(item)},
                )
    else:
        raise PydanticCustomError(
            "command_kind",
            "expected a string (run by /bin/sh) or an array of strings (argv), got {got}",
            {"got": describe_value(value)},
        )
    return handler(value)


EnvValue = Annotated[str, BeforeValidator(_number_to_str)]


class ShellRunInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: Annotated[str | list[str], WrapValidator(_check_command)] = Field(
        description="A string run by `/bin/sh -c` (the values of its `${...}` references are "
        "quoted for the shell; `${raw:...}` inserts shell code), or an argv list run directly "
        "(no shell)."
    )
    cwd: str | None = Field(
        default=None, description="Working directory; relative paths are under the workdir."
    )
    env: dict[str, EnvValue] | None = Field(
        default=None,
        description="Variables set over the daemon's environment (which never holds "
        "Harmonia's secrets).",
    )
    timeout: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="Kill the command after seconds."
    )
    stdin: str | None = Field(default=None, description="Text written to standard input.")
    check: bool = Field(default=True, description="Fail the task when the exit code is not 0.")


class _Capture:
    """Collects a stream up to a limit, keeping either its head or its tail.

    The stream is always drained to the end: a full pipe would block the command forever.
    """

    def __init__(self, limit: int, keep_tail: bool) -> None:
        self.limit = limit
        self.keep_tail = keep_tail
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        if self.keep_tail:
            self.data += chunk
            excess = len(self.data) - self.limit
            if excess > 0:
                del self.data[:excess]
                self.dropped += excess
        else:
            room = self.limit - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

    async def drain(self, stream: ByteReceiveStream) -> None:
        async for chunk in stream:
            self.add(chunk)

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if not self.dropped:
            return text
        note = f"[truncated: {self.dropped} bytes not captured]"
        return f"{note}\n{text}" if self.keep_tail else f"{text}\n{note}"


async def _feed(stream: ByteSendStream, data: bytes) -> None:
    try:
        if data:
            await stream.send(data)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        pass  # the command exited (or closed stdin) without reading everything: its choice
    finally:
        await stream.aclose()


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies do not count).

    In containers PID 1 often does not reap orphans, so a killed grandchild can stay a zombie
    forever; `killpg(pgid, 0)` alone would then report the group alive and make us wait out the
    whole grace period on every cancellation.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class ShellRunAction(ModelAction[ShellRunInput]):
    name = "run"
    description = (
        "Run a command (a string via /bin/sh -c, or an argv list); returns exit_code, stdout and "
        "stderr. A non-zero exit fails the task unless `check` is false."
    )
    input_model = ShellRunInput
    shell_fields = frozenset({"command"})

    def __init__(
        self, kill_grace: float = DEFAULT_KILL_GRACE, max_capture: int = MAX_CAPTURE_BYTES
    ) -> None:
        self.kill_grace = kill_grace
        self.max_capture = max_capture

    async def run(self, ctx: ActionContext, params: ShellRunInput) -> Any:
        command = params.command
        argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        cwd = self._cwd(ctx, params)
        base = ctx.environ if ctx.environ is not None else task_environment()
        env = {**base, **params.env} if params.env is not None else dict(base)
        process = await self._start(argv, cwd, env, params)

        stdout = _Capture(self.max_capture, keep_tail=False)
        stderr = _Capture(self.max_capture, keep_tail=True)  # errors are at the end
        finished = False
        try:
            with anyio.move_on_after(params.timeout):
                async with anyio.create_task_group() as tg:
                    assert process.stdout is not None and process.stderr is not None
                    tg.start_soon(stdout.drain, process.stdout)
                    tg.start_soon(stderr.drain, process.stderr)
                    if process.stdin is not None:
                        tg.start_soon(_feed, process.stdin, (params.stdin or "").encode())
                    await process.wait()
                finished = True
        finally:
            # Reached on success, on timeout and on cancellation from outside; the cleanup must
            # finish even though the surrounding scope is cancelled, hence the shield.
            with anyio.CancelScope(shield=True):
                if not finished:
                    await self._terminate(process)
                await process.aclose()

        output: dict[str, Any] = {
            "exit_code": process.returncode,
            "stdout": stdout.text(),
            "stderr": stderr.text(),
        }
        truncated = [name for name, cap in (("stdout", stdout), ("stderr", stderr)) if cap.dropped]
        if truncated:
            output["truncated"] = truncated
        if not finished:
            raise TaskError(
                f"command timed out after {params.timeout:g}s and was killed",
                ErrorKind.TIMEOUT,
                details=output,
            )
        code = process.returncode
        if params.check and code != 0:
            raise TaskError(
                self._failure_message(code, output["stderr"]), ErrorKind.EXIT_CODE, details=output
            )
        return output

    @staticmethod
    def _cwd(ctx: ActionContext, params: ShellRunInput) -> Path | None:
        """The command's directory: `cwd` (relative to the workdir), else the workdir.

        Checked here because a spawn error for a missing directory looks exactly like one for a
        missing program (FileNotFoundError), and the user needs to know which it was.
        """
        cwd = ctx.workdir
        if params.cwd is not None:
            cwd = Path(params.cwd).expanduser()
            if not cwd.is_absolute() and ctx.workdir is not None:
                cwd = ctx.workdir / cwd
        if cwd is not None and not cwd.is_dir():
            raise TaskError(f"working directory does not exist: {cwd}", ErrorKind.ERROR)
        return cwd

    @staticmethod
    async def _start(
        argv: list[str], cwd: Path | None, env: dict[str, str], params: ShellRunInput
    ) -> Process:
        """Spawn in a new session; turn spawn failures into errors a user can act on."""
        try:
            return await anyio.open_process(
                argv,
                stdin=subprocess.PIPE if params.stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise TaskError(f"command not found: {argv[0]!r}", ErrorKind.ERROR) from None
        except PermissionError:
            raise TaskError(
                f"permission denied running {argv[0]!r} (not executable?)", ErrorKind.ERROR
            ) from None
        except OSError as exc:
            raise TaskError(f"cannot run {argv[0]!r}: {exc}", ErrorKind.ERROR) from None
        except ValueError as exc:  # a NUL character or an unencodable one in argv or env
            raise TaskError(
                f"cannot run {argv[0]!r}: the command or its environment holds a character "
                f"no process can be given ({exc})",
                ErrorKind.INVALID_INPUT,
            ) from None

    async def _terminate(self, process: Process) -> None:
        """SIGTERM the process group, wait up to the grace period, then SIGKILL what is left."""
        pgid = process.pid  # start_new_session: the leader's pid is the group id
        _killpg(pgid, signal.SIGTERM)
        with anyio.move_on_after(self.kill_grace):
            await process.wait()
            # Other members of the group have no handle to wait on: poll them.
            while _group_alive(pgid):  # noqa: ASYNC110
                await anyio.sleep(0.02)
        _killpg(pgid, signal.SIGKILL)

    @staticmethod
    def _failure_message(code: int | None, stderr: str) -> str:
        if code is not None and code < 0:
            try:
                what = f"was killed by signal {signal.Signals(-code).name}"
            except ValueError:
                what = f"was killed by signal {-code}"
        else:
            what = f"exited with code {code}"
            if code == 127:
                what += " (command not found?)"
        tail = [line for line in stderr.strip().splitlines() if line.strip()]
        tail = tail[-_STDERR_LINES_IN_MESSAGE:]
        message = f"command {what}"
        if tail:
            message += ": " + "\n".join(tail)[-1000:]
        return message


class ShellComponent(Component):
    """`shell.run`."""

    def __init__(
        self, kill_grace: float = DEFAULT_KILL_GRACE, max_capture: int = MAX_CAPTURE_BYTES
    ) -> None:
        super().__init__(
            "shell",
            "Run local commands. The command runs as the daemon's user: treat workflows as code.",
            [ShellRunAction(kill_grace=kill_grace, max_capture=max_capture)],
        )

"""The `harmonia` command line run as a subprocess, as a user runs it: a clean environment
(none of the $HARMONIA_URL/$HARMONIA_TOKEN of the person running the tests, no colour, no
$COLUMNS) and a caller that returns the finished process; or the same call in this process,
for tests about what a command does rather than about its process (each start costs ~0.5 s)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

__all__ = ["Cli", "cli_env", "cli_in_process", "cli_subprocess", "harmonia_here"]

Cli = Callable[..., subprocess.CompletedProcess[str]]


def cli_env(home: Path) -> dict[str, str]:
    """This process's environment with `home` as $HARMONIA_HOME, without a daemon's address."""
    env = {k: v for k, v in os.environ.items() if k not in ("HARMONIA_URL", "HARMONIA_TOKEN")}
    env["HARMONIA_HOME"] = str(home)
    env["NO_COLOR"] = "1"
    env.pop("COLUMNS", None)
    return env


def cli_subprocess(base: dict[str, str], cwd: Path, timeout: float) -> Cli:
    """`harmonia ARGS` as `python -m harmonia.cli.main` in `cwd` with `base` (and, for one
    call, the variables of its `env`)."""

    def run(
        *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", *map(str, args)],
            capture_output=True,
            text=True,
            env={**base, **(env or {})},
            cwd=cwd,
            timeout=timeout,
            check=False,
        )

    return run


def cli_in_process(
    home: Path, cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """What `cli_subprocess(cli_env(home), cwd, ...)` returns, with `harmonia.cli.main.main`
    called here: the same environment and folder for the call, its output captured, and an
    argparse exit (SystemExit) turned into the exit code a process would have had."""
    from harmonia.cli.main import main

    def run(
        *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            for name in ("HARMONIA_URL", "HARMONIA_TOKEN", "COLUMNS"):
                patch.delenv(name, raising=False)
            patch.setenv("HARMONIA_HOME", str(home))
            patch.setenv("NO_COLOR", "1")
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.chdir(cwd)
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(map(str, args)), code, captured.out, captured.err)

    return run


def harmonia_here(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS` called in this process from `cwd`, with this process's environment plus
    `env` for the call: what `subprocess.run([harmonia, ...], cwd=cwd)` would return, for
    tests without pytest's capsys and monkeypatch at hand (text and bytes output captured)."""
    from harmonia.cli.main import main

    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in "12")
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    text = [stream.buffer.getvalue().decode() for stream in (out, err)]  # type: ignore[attr-defined]
    return subprocess.CompletedProcess(list(map(str, args)), code, *text)

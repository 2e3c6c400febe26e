"""`harmonia executors`: where tasks run — the daemon's executor, or the one the options name.

With `--url` (or `$HARMONIA_URL`) it prints what the daemon's `/ready` says; otherwise it
opens the executor the options describe (`--executor dask --dask-scheduler ADDRESS`) and asks
the cluster itself, so a cluster can be checked before a daemon is pointed at it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.output import print_json
from harmonia.cli.remote_parser import add_describe_options
from harmonia.executors.base import add_executor_options, executor_status, settings_from_args

__all__ = ["add_executors_command"]


def add_executors_command(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "executors",
        help="where tasks run: executor, Dask scheduler, workers and threads",
        description="Print the executor (local or dask), the Dask scheduler's address and its "
        "workers and threads: a daemon's (--url), or those of the options given here.",
    )
    add_describe_options(parser, add_executor_options, cmd_executors, cmd_executors_remote)


def cmd_executors(args: argparse.Namespace) -> int:
    """In this process: open the executor the options name, describe it, close it."""
    import anyio

    from harmonia.executors.base import open_executor

    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        raise CliError(str(exc)) from None

    async def describe() -> dict[str, Any]:
        try:
            executor = await open_executor(settings)
        except ConnectionError as exc:
            raise CliError(str(exc)) from None
        try:
            return await executor_status(executor)
        finally:
            if executor is not None:
                await executor.aclose()

    return _print(anyio.run(describe), args)


def cmd_executors_remote(args: argparse.Namespace) -> int:
    """Through the daemon: its `/ready`'s executor."""
    from harmonia.cli.remote import remote_command, session

    @remote_command
    def ask(args: argparse.Namespace) -> int:
        with session(args) as client:
            found = client.ready().executor.model_dump(exclude_none=True)
        return _print(found, args)

    return ask(args)


def _print(status: dict[str, Any], args: argparse.Namespace) -> int:
    if args.json:
        print_json(status)
        return EXIT_OK
    out = sys.stdout
    for name in ("executor", "scheduler", "cluster", "workers", "threads"):
        if status.get(name) is not None:
            out.write(f"{name}: {status[name]}\n")
    for name in ("waiting", "ignored_results", "error"):
        if status.get(name):
            out.write(f"{name}: {status[name]}\n")
    out.flush()
    return EXIT_OK

"""Starting the dashboard from a command line: find or embed a daemon, run the app, clean up.

`harmonia tui` reaches `add_command` through the entry-point group `harmonia.commands` (so the
engine's CLI never imports this package by name), and `python -m harmonia_tui` reaches `main`.
This module imports only the standard library until `run`: `add_command` runs on every start
of `harmonia --help`, and the client and Textual take a quarter of a second to import.
"""

from __future__ import annotations

import argparse
import locale
import os
import sys
from collections.abc import Sequence

__all__ = ["add_command", "build_parser", "main", "run"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

HELP = "the terminal dashboard (starts a daemon in this process if none is running)"
DESCRIPTION = (
    "Watch and operate executions live. Connects to the running daemon; when none answers (and "
    "no --url was given) it starts one inside this process, on the same data folder, reachable "
    "by other clients until the dashboard quits."
)


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`harmonia tui`: the entry point of the group `harmonia.commands` (see pyproject.toml)."""
    parser = sub.add_parser("tui", help=HELP, description=DESCRIPTION)
    add_arguments(parser)
    parser.set_defaults(handler=run)


def build_parser() -> argparse.ArgumentParser:
    """`python -m harmonia_tui`: the same options as `harmonia tui`."""
    parser = argparse.ArgumentParser(prog="harmonia tui", description=DESCRIPTION)
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", metavar="URL", help="daemon URL (default: as other commands find it)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (default: $HARMONIA_HOME, else the user data folder)",
    )
    parser.add_argument("--run", metavar="FILE", help="store and start this workflow, then open it")
    parser.add_argument(
        "--ascii", action="store_true", help="ASCII only: no box drawing or symbols"
    )


def wants_ascii(explicit: bool) -> bool:
    """ASCII when asked for, or when the terminal's encoding cannot show the symbols."""
    if explicit or os.environ.get("HARMONIA_ASCII"):
        return True
    encoding = (getattr(sys.stdout, "encoding", None) or locale.getpreferredencoding(False)).lower()
    return "utf" not in encoding


def run(args: argparse.Namespace) -> int:
    from harmonia_tui.embedded import DaemonNotFound, locate

    try:
        target = locate(args.url, args.data_dir)
    except DaemonNotFound as exc:
        print(f"harmonia tui: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    # the client and Textual load only once there is a daemon
    from harmonia.client import AsyncClient
    from harmonia_tui.app import HarmoniaApp
    from harmonia_tui.connection import STREAM_RECONNECT, Connection

    try:
        client = AsyncClient(
            target.url, target.token, data_dir=target.data_dir, reconnect=STREAM_RECONNECT
        )
        connection = Connection(
            client, embedded=target.embedded is not None, data_dir=str(target.data_dir)
        )
        app = HarmoniaApp(
            connection,
            ascii=wants_ascii(bool(args.ascii)),
            description=target.description,
            run_file=args.run,
            close_client=True,
        )
        app.run()
    finally:
        if target.embedded is not None:
            target.embedded.stop()
    if target.embedded is not None:
        print(f"harmonia tui: stopped the embedded daemon ({target.url})", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))

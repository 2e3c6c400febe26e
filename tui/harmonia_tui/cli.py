"""Starting the dashboard from a command line: find or embed a daemon, run the app, clean up.

`harmonia tui` reaches `add_command` through the entry-point group `harmonia.commands` (so the
engine's CLI never imports this package by name), and `python -m harmonia_tui` reaches `main`.
This module imports only the standard library (and the plugins' `harmonia.cli.plugins`) until
`run`: `add_command` runs on every start of `harmonia --help`, and the client and Textual take
a quarter of a second to import.
"""

from __future__ import annotations

import argparse
import locale
import os
import sys
from collections.abc import Sequence
from typing import Any

from harmonia.cli.inputs import add_input_options
from harmonia.cli.plugins import add_daemon_options

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
    add_daemon_options(parser)
    parser.add_argument("--run", metavar="FILE", help="store and start this workflow, then open it")
    add_input_options(parser)  # the --run execution's input, as `harmonia run` takes it
    parser.add_argument(
        "--ascii", action="store_true", help="ASCII only: no box drawing or symbols"
    )


def wants_ascii(explicit: bool) -> bool:
    """ASCII when asked for, or when the terminal's encoding cannot show the symbols."""
    if explicit or os.environ.get("HARMONIA_ASCII"):
        return True
    encoding = (getattr(sys.stdout, "encoding", None) or locale.getpreferredencoding(False)).lower()
    return "utf" not in encoding


def needs_terminal() -> str | None:
    """Why the dashboard cannot run here, or None: Textual reads keys from standard input,
    and with no terminal there it waits for keys that never come, at full speed."""
    for name, stream in (("input", sys.stdin), ("output", sys.stdout)):
        try:
            ok = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            ok = False
        if not ok:
            return (
                f"standard {name} is not a terminal; the dashboard needs one (run it in a "
                "terminal, not in a pipe or a script; `harmonia executions` and "
                "`harmonia watch ID` print the same without one)"
            )
    return None


def token_source(data_dir: str | os.PathLike[str], embedded: bool) -> str:
    """Where the client's token came from, in words (`resolve_token`'s order)."""
    from harmonia.protocol import TOKEN_ENV, TOKEN_FILE

    if embedded:
        return "the embedded daemon this dashboard started"
    if os.environ.get(TOKEN_ENV, "").strip():
        return f"${TOKEN_ENV}"
    path = os.path.join(os.fspath(data_dir), TOKEN_FILE)
    if os.path.exists(path):
        return f"the token file {path} (--data-dir, else $HARMONIA_HOME)"
    return (
        f"nowhere: ${TOKEN_ENV} is not set and there is no token file {path} "
        "(--data-dir, else $HARMONIA_HOME)"
    )


def run_input(args: argparse.Namespace) -> dict[str, Any]:
    """`--input`/`--input-file` for the `--run` execution, read before anything starts (a bad
    value is exit 2 here, not a toast); CliError naming the option at fault."""
    from harmonia.cli.errors import CliError
    from harmonia.cli.inputs import input_from_args

    if (args.input or args.input_file) and args.run is None:
        raise CliError("--input and --input-file give the input of --run FILE's execution")
    return input_from_args(args)


def run(args: argparse.Namespace) -> int:
    from harmonia.cli.errors import CliError

    refusal = needs_terminal()
    try:
        given = run_input(args)
    except CliError as exc:
        refusal = str(exc)
    if refusal is not None:
        print(f"harmonia tui: {refusal}", file=sys.stderr)
        return EXIT_USAGE
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
        embedded = target.embedded is not None
        connection = Connection(
            client,
            embedded=embedded,
            data_dir=str(target.data_dir),
            token_source=token_source(target.data_dir, embedded),
        )
        app = HarmoniaApp(
            connection,
            ascii=wants_ascii(bool(args.ascii)),
            description=target.description,
            run_file=args.run,
            run_input=given,
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

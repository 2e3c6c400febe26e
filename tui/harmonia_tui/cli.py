"""Starting the dashboard from a command line: find or embed a daemon, run the app, clean up.

`harmonia tui` (registered in `harmonia.cli.main`) and `python -m harmonia_tui` both end here.
"""

from __future__ import annotations

import argparse
import locale
import os
import sys
from collections.abc import Sequence

from harmonia.client import AsyncClient
from harmonia_tui.connection import STREAM_RECONNECT, Connection
from harmonia_tui.embedded import DaemonNotFound, locate

__all__ = ["build_parser", "main", "run"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harmonia tui",
        description="The terminal dashboard. Connects to a running daemon, or starts one in "
        "this process when none answers.",
    )
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options, shared with `harmonia tui`'s parser."""
    parser.add_argument("--url", metavar="URL", help="daemon URL (default: as the CLI finds it)")
    parser.add_argument("--data-dir", metavar="DIR", help="data folder (default: $HARMONIA_HOME)")
    parser.add_argument("--run", metavar="FILE", help="store and start this workflow, then open it")
    parser.add_argument(
        "--ascii", action="store_true", help="ASCII glyphs only (no box drawing or symbols)"
    )


def wants_ascii(explicit: bool) -> bool:
    """ASCII when asked for, or when the terminal's encoding cannot show the symbols."""
    if explicit or os.environ.get("HARMONIA_ASCII"):
        return True
    encoding = (getattr(sys.stdout, "encoding", None) or locale.getpreferredencoding(False)).lower()
    return "utf" not in encoding


def run(args: argparse.Namespace) -> int:
    try:
        target = locate(args.url, args.data_dir)
    except DaemonNotFound as exc:
        print(f"harmonia tui: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    from harmonia_tui.app import HarmoniaApp  # Textual loads only once there is a daemon

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

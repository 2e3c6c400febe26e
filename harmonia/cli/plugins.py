"""Subcommands that installed packages add to `harmonia`, through the entry-point group
`harmonia.commands`: how `harmonia tui` is offered without the engine importing the dashboard.

An entry point names a callable `add_command(subparsers) -> None` that adds its subparser and
sets the default `handler` to a callable `(argparse.Namespace) -> int`. It must import little:
it runs whenever the command line may name a plugin's command (help, or a name not built in).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harmonia.paths import DATA_DIR_HELP

__all__ = ["GROUP", "add_daemon_options", "add_plugin_commands"]

GROUP = "harmonia.commands"
_NOT_A_PLUGIN = frozenset({"--version"})


def add_plugin_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], argv: Sequence[str] | None
) -> None:
    """Add every installed package's commands to `sub`. Skipped when `argv` starts with a
    command `sub` already has (or `--version`): reading the installed packages' metadata costs
    ~20 ms, which `harmonia run` and `harmonia --version` need not pay. A plugin that fails is
    reported on stderr and left out; the built-in commands always work."""
    if argv and (argv[0] in sub.choices or argv[0] in _NOT_A_PLUGIN):
        return
    from harmonia.entrypoints import distinct_entry_points

    for entry in distinct_entry_points(GROUP):
        try:
            entry.load()(sub)
        except Exception as exc:
            sys.stderr.write(
                f"harmonia: warning: command {entry.name!r} ({entry.value}) left out: "
                f"{type(exc).__name__}: {exc}\n"
            )


def add_daemon_options(parser: argparse.ArgumentParser) -> None:
    """`--url` and `--data-dir` of a plugin's command that finds the daemon as every client
    does (`harmonia tui`, `harmonia mcp`): one wording for them all."""
    parser.add_argument(
        "--url", metavar="URL", help="daemon URL (default: as other commands find it)"
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=DATA_DIR_HELP,
    )

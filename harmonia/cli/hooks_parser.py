"""The command line of `harmonia hooks` (list, show, create, delete, rotate): kept free of
heavy imports like the other daemon commands' parsers; the handler is imported when it runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ACTIONS", "add_hooks_command"]

ACTIONS = ("list", "show", "create", "delete", "rotate")


@dataclass(frozen=True)
class _HooksCommand:
    def __call__(self, args: argparse.Namespace) -> int:
        from harmonia.cli.hooks_commands import cmd_hooks

        return cmd_hooks(args)


def add_hooks_command(
    command: Callable[..., argparse.ArgumentParser], common: Callable[..., None]
) -> None:
    """Register `hooks` with the daemon commands' `command` and `common` helpers."""
    parser = command(
        "hooks",
        _HooksCommand(),
        help="inbound hooks: signed POSTs that start a stored workflow",
        description="`harmonia hooks` or `hooks list`; `hooks show NAME`; `hooks create NAME "
        "WORKFLOW_ID [--map INPUT=/json/pointer ...] [--window S]` (prints the secret, once); "
        "`hooks rotate NAME` (a new secret, printed once); `hooks delete NAME`.",
    )
    parser.add_argument("action", nargs="?", choices=ACTIONS, default="list")
    parser.add_argument("name", nargs="?", metavar="NAME", help="the hook's name")
    parser.add_argument("workflow", nargs="?", metavar="WORKFLOW_ID", help="create: the workflow")
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="INPUT=POINTER",
        help="create: take input INPUT from the body at this JSON Pointer (e.g. "
        "ref=/ref, repo=/repository/full_name); repeatable; none: the body is the input",
    )
    parser.add_argument(
        "--window", metavar="S", type=float, help="create: timestamp window in seconds (300)"
    )
    parser.add_argument("--description", metavar="TEXT", help="create: what it is for")
    common(parser, json_help="print JSON")

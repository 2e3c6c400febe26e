"""The command line of `harmonia schedules` (list, show, create, delete, pause, unpause,
run-now): kept free of heavy imports like the other daemon commands' parsers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from harmonia.cli.inputs import add_input_options

__all__ = ["CREATE_OPTIONS", "add_schedules_command"]

ACTIONS = ("list", "show", "create", "delete", "pause", "unpause", "run-now")


def _as_written(text: str) -> int | float:
    """A number of seconds as the user wrote it: `0` stays 0, so the schedule's own check
    (`harmonia.schedules.spec`, shared with the API) quotes what was typed, not argparse's
    `0.0`; and a word is refused in words, not as an "invalid float value"."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None


CREATE_OPTIONS: dict[str, dict[str, Any]] = {
    "--cron": {"metavar": "EXPR", "help": "a cron expression (5 or 6 fields)"},
    "--timezone": {"metavar": "TZ", "help": "the IANA time zone of --cron (default UTC)"},
    "--interval": {"metavar": "SECONDS", "type": _as_written, "help": "seconds apart"},
    "--missed": {
        "choices": ("skip", "run_once", "run_all"),
        "help": "planned times missed while the daemon was down (default skip)",
    },
    "--max-missed": {"metavar": "N", "type": int, "help": "run_all's cap (default 10)"},
    "--overlap": {
        "choices": ("allow", "skip", "queue"),
        "help": "a planned time while the last run still runs (default skip)",
    },
    "--grace": {"metavar": "S", "type": _as_written, "help": "seconds late still on time"},
}
"""The options of a schedule's timing, for `create` only: each is a field of the schedule
the daemon is sent, under the option's name with `_` for `-`."""


def add_schedules_command(
    command: Callable[..., argparse.ArgumentParser],
    handler: Any,
    common: Callable[..., None],
) -> None:
    """Register `schedules` with the daemon commands' `command` and `common` helpers."""
    parser = command(
        "schedules",
        handler,
        help="list, create, pause, unpause, run or delete the daemon's schedules",
        description="`harmonia schedules` or `schedules list`: every schedule with its next "
        "planned time; `schedules show ID`; `schedules create WORKFLOW_ID --cron EXPR "
        "[--timezone TZ] | --interval SECONDS`; `schedules pause|unpause|run-now|delete ID`.",
    )
    parser.add_argument("action", nargs="?", choices=ACTIONS, default="list")
    parser.add_argument(
        "target", nargs="?", metavar="ID", help="a schedule id (create: the workflow id)"
    )
    for flag, options in CREATE_OPTIONS.items():
        parser.add_argument(flag, **{**options, "help": "create: " + options["help"]})
    parser.add_argument("--description", metavar="TEXT", help="create: what it is for")
    parser.add_argument("--paused", action="store_true", help="create: paused from the start")
    add_input_options(parser)
    common(parser, json_help="print JSON")

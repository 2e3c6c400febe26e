"""`harmonia approve ID TASK [--reject] [--reason TEXT]`: decide an approval gate in the daemon.

Only through a daemon: the waiting execution lives there. The decision is recorded as made
by `cli` unless `--by` names someone; a task that is not waiting is refused (exit 2).
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_approve_command", "cmd_approve"]


def add_approve_command(sub: Any) -> None:
    """Register `approve` on the `harmonia` subparsers."""
    from harmonia.cli.remote_parser import REMOTE_EPILOG, add_execution_id

    parser: argparse.ArgumentParser = sub.add_parser(
        "approve",
        epilog=REMOTE_EPILOG,
        help="approve (or --reject) a task waiting at an approval gate in the daemon",
        description="Decide a task that waits at an approval gate (`component: core, action: "
        "approve`): approved, it completes and what depends on it runs; with --reject, it "
        "fails (kind `rejected`). The decision, who made it and the reason are recorded in "
        "the execution's journal. Exit code 2 when the task is not waiting.",
    )
    add_execution_id(parser, task=True)
    parser.add_argument("--reject", action="store_true", help="reject instead of approve")
    parser.add_argument("--reason", metavar="TEXT", help="why (kept with the decision)")
    parser.add_argument("--by", metavar="NAME", default="cli", help="who decides (default: cli)")
    parser.add_argument("--url", metavar="URL", help="URL of the Harmonia daemon")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data folder holding the daemon's token and address"
    )
    parser.add_argument("--json", action="store_true", help="print the decision as JSON")
    parser.set_defaults(handler=cmd_approve)


def cmd_approve(args: argparse.Namespace) -> int:
    from harmonia.cli.remote import remote_command

    return remote_command(_approve)(args)


def _approve(args: argparse.Namespace) -> int:
    from harmonia.cli.errors import CliError
    from harmonia.cli.remote import print_answer, resolve_execution_id, session

    if not args.by.strip():
        raise CliError("--by must name someone")
    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        decide = client.reject_task if args.reject else client.approve_task
        result = decide(execution_id, args.task_id, reason=args.reason, by=args.by)
    why = f": {result.reason}" if result.reason else ""
    note = f"{result.task_id} of {result.execution_id} {result.decision} by {result.by}{why}"
    return print_answer(result, as_json=args.json, note=note)

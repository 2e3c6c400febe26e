"""`harmonia schedules`: the daemon's schedules from the command line.

A spec is checked here first (`parse_spec`: a bad cron expression, time zone or interval exits
2 before the daemon is asked); the daemon checks it again with the workflow's input.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from functools import partial
from typing import Any

import orjson

from harmonia.cli.errors import CliError
from harmonia.cli.inputs import input_from_args
from harmonia.cli.listing import print_listing
from harmonia.cli.remote import (
    list_action,
    print_answer,
    print_deleted,
    print_item,
    remote_command,
    session,
)
from harmonia.cli.schedules_parser import CREATE_OPTIONS
from harmonia.cli.uploads import daemon_refusal
from harmonia.client import Client, Schedule
from harmonia.errors import ValidationFailed
from harmonia.schedules import parse_spec

__all__ = ["cmd_schedules", "describe_when"]

CREATE_ONLY = tuple(flag[2:].replace("-", "_") for flag in CREATE_OPTIONS)


@remote_command
def cmd_schedules(args: argparse.Namespace) -> int:
    action = args.action
    if action != "create":
        given = [f"--{n.replace('_', '-')}" for n in CREATE_ONLY if getattr(args, n) is not None]
        if given or args.input or args.input_file or args.paused:
            raise CliError(f"schedules {action}: {', '.join(given) or '--input'} is for create")
    if action == "list":
        lister = partial(_list, as_json=args.json)
        return list_action(args, "schedules", (args.target, "ID"), lister)
    if not args.target:
        what = "workflow" if action == "create" else "schedule"
        raise CliError(f"schedules {action}: which {what}? give its ID")
    if action == "create":
        return _create(args)
    with session(args) as client:
        if action == "show":
            return print_item(client.get_schedule(args.target), as_json=args.json, lines=_lines)
        if action == "delete":
            client.delete_schedule(args.target)
            return print_deleted("schedule", "id", args.target, as_json=args.json)
        if action == "run-now":
            run = client.run_schedule_now(args.target)
            note = f"schedule {args.target} started execution {run.execution_id}"
            return print_answer(run, as_json=args.json, note=note, printed=run.execution_id)
        changed = (
            client.pause_schedule(args.target)
            if action == "pause"
            else client.unpause_schedule(args.target)
        )
        note = f"schedule {changed.id} {action}d"
        if action == "unpause" or changed.disabled:  # paused has no next time to name
            note += f"; next planned time {_when(changed)}"
        return print_answer(changed, as_json=args.json, note=note)


def _create(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {n: getattr(args, n) for n in CREATE_ONLY}
    fields = {k: v for k, v in fields.items() if v is not None}
    fields["input"] = input_from_args(args)
    if args.description is not None:
        fields["description"] = args.description
    if ("cron" in fields) == ("interval" in fields):  # the spec's words are its fields'
        raise CliError("schedules create: give exactly one of --cron EXPR and --interval SECONDS")
    try:
        parse_spec(fields)
    except ValidationFailed as exc:
        raise CliError(*(f"--{p.field}: {p.message}" for p in exc.problems)) from None
    with session(args) as client, daemon_refusal(args):
        created = client.create_schedule(args.target, paused=args.paused or None, **fields)
    note = f"schedule {created.id} created: {describe_when(created)}, next {_when(created)}"
    return print_answer(created, as_json=args.json, note=note, printed=created.id)


def describe_when(schedule: Schedule) -> str:
    """`cron 0 9 * * 1-5 (Europe/Paris)` or `every 30s`."""
    if schedule.cron is not None:
        return f"cron {schedule.cron} ({schedule.timezone})"
    return f"every {schedule.interval:g}s"


def _when(schedule: Schedule) -> str:
    if schedule.disabled:
        return f"disabled: {schedule.disabled}"
    if schedule.paused or schedule.next_planned_at is None:
        return "paused"
    return _local(schedule.next_planned_at)


def _local(moment: datetime | None) -> str:
    from harmonia.cli.report import format_local_time

    return format_local_time(moment.timestamp() if moment is not None else None, offset=True)


def _list(client: Client, *, as_json: bool) -> int:
    return print_listing(
        client.list_schedules(),
        as_json=as_json,
        none=f"no schedules in the daemon at {client.url}",
        header=["ID", "WORKFLOW", "WHEN", "MISSED/OVERLAP", "NEXT", "LAST RUN"],
        row=lambda s: [
            s.id,
            s.workflow_id,
            describe_when(s),
            f"{s.missed}/{s.overlap}",
            _when(s),
            _last_run(s),
        ],
    )


def _last_run(schedule: Schedule) -> str:
    if not schedule.runs:
        return "-"
    run = schedule.runs[-1]
    return f"{run.execution_id or run.state} ({_local(run.planned_at)})"


def _lines(schedule: Schedule) -> list[str]:
    from harmonia.cli.report import field_lines

    fields = [
        ("schedule", schedule.id),
        ("workflow", schedule.workflow_id),
        ("when", describe_when(schedule)),
        ("input", orjson.dumps(schedule.input or {}).decode()),  # as `harmonia show` does
        ("missed", f"{schedule.missed} (cap {schedule.max_missed}, grace {schedule.grace:g}s)"),
        ("overlap", schedule.overlap),
        ("next", _when(schedule)),
        ("skipped", str(schedule.skipped)),
        ("queued", ", ".join(_local(t) for t in schedule.queued) or "-"),
    ]
    lines = field_lines(fields)
    for run in schedule.runs:
        mark = " (run-now)" if run.manual else ""
        outcome = run.execution_id or f"{run.state}: {run.error}"
        lines.append(f"  {_local(run.planned_at)}  {outcome}{mark}")
    return lines

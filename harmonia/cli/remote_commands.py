"""The commands that talk to a daemon: one function per subcommand, as in `commands`.

`submit`, `watch`, `cancel`, `pause`, `checkpoint`, `restore`, `workflows` exist only here;
`executions`, `show`, `resume` and `retry` come here instead of to the embedded engine when
`--url` is given or `$HARMONIA_URL` is set (see `harmonia.cli.remote_parser`).

What scripts read goes to stdout (an id, or JSON with --json); what people read about the
command's own doings goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from harmonia.cli.errors import EXIT_OK, CliError
from harmonia.cli.listing import print_listing
from harmonia.cli.output import print_json
from harmonia.cli.remote import (
    execution_json,
    finish,
    follow,
    info,
    pages,
    print_answer,
    print_item,
    remote_command,
    resolve_execution_id,
    session,
    summary_row,
)
from harmonia.cli.style import style_for
from harmonia.cli.templates import cmd_templates
from harmonia.cli.uploads import daemon_refusal, read_upload
from harmonia.client import (
    Client,
    Execution,
    ExecutionSummary,
    Page,
    Workflow,
    WorkflowInfo,
)

__all__ = [
    "cmd_cancel",
    "cmd_checkpoint",
    "cmd_executions",
    "cmd_pause",
    "cmd_restore",
    "cmd_resume",
    "cmd_retry",
    "cmd_show",
    "cmd_submit",
    "cmd_templates",
    "cmd_watch",
    "cmd_workflows",
]

PAGE = 200
"""Items asked per request when a command lists everything."""


# ---- submit, watch, restore ------------------------------------------------------------------


@remote_command
def cmd_submit(args: argparse.Namespace) -> int:
    """Read everything local first (the file, the inputs), so a typo fails before the daemon is
    asked anything; the daemon validates the workflow and the input itself."""
    from harmonia.cli.inputs import input_from_args

    text, fmt = read_upload(args.file)
    given = input_from_args(args)
    with session(args) as client:
        with daemon_refusal(args, default_file=args.file):
            stored = client.create_workflow(text, fmt=fmt)
        execution = client.start_execution(stored.id, input=given)
        note = f"workflow {stored.name} stored as {stored.id}; execution {execution.id} started"
        return _started(client, execution, args, note)


@remote_command
def cmd_watch(args: argparse.Namespace) -> int:
    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        execution = client.get_execution(execution_id)
        # watching is what was asked: on through a gate's wait, to its decision and the end
        final = follow(client, execution, args, after=None, until_gate=False)
        return finish(client, final, args)


@remote_command
def cmd_restore(args: argparse.Namespace) -> int:
    with session(args) as client:
        execution = client.restore(args.checkpoint_id)
        note = f"execution {execution.id} started from checkpoint {args.checkpoint_id}"
        return _started(client, execution, args, note)


def _started(client: Client, execution: Execution, args: argparse.Namespace, note: str) -> int:
    """After `submit` or `restore` started an execution: say so (unless --quiet), then print
    its id (or JSON) and leave, or with --watch follow it and exit by its outcome."""
    if not args.quiet:
        info(note)
    if args.watch:
        return finish(client, follow(client, execution, args, after=None), args)
    if args.json:
        print_json(execution_json(execution))
    else:
        print(execution.id, flush=True)
    return EXIT_OK


# ---- cancel, pause, checkpoint ---------------------------------------------------------------


_DONE = {"cancel": "canceled", "pause": "paused"}


def _operate(args: argparse.Namespace, verb: str) -> int:
    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        summary: ExecutionSummary = getattr(client, verb)(execution_id)
        if args.json:
            print_json(summary.model_dump(mode="json"))
        elif summary.status == _DONE[verb]:
            print(f"execution {summary.id} {summary.status}")
        else:
            print(f"execution {summary.id}: {verb} requested (status {summary.status})")
        return EXIT_OK


@remote_command
def cmd_cancel(args: argparse.Namespace) -> int:
    return _operate(args, "cancel")


@remote_command
def cmd_pause(args: argparse.Namespace) -> int:
    return _operate(args, "pause")


@remote_command
def cmd_checkpoint(args: argparse.Namespace) -> int:
    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        checkpoint = client.checkpoint(execution_id, args.name)
        named = f" {checkpoint.name!r}" if checkpoint.name else ""
        at = f" at event {checkpoint.seq}" if checkpoint.seq is not None else ""
        note = f"checkpoint{named} of execution {checkpoint.execution_id}{at}"
        return print_answer(checkpoint, as_json=args.json, note=note, printed=checkpoint.id)


# ---- resume, retry (the daemon's side of the embedded commands) ------------------------------


@remote_command
def cmd_resume(args: argparse.Namespace) -> int:
    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        before = client.get_execution(execution_id)
        client.resume(execution_id, from_damaged=args.from_damaged)
        # from the last event before the resume: what came earlier is history
        final = follow(client, before, args, after=before.last_seq or 0)
        return finish(client, final, args)


@remote_command
def cmd_retry(args: argparse.Namespace) -> int:
    from harmonia.cli.fix_values import BY, input_override, show_plan

    override = input_override(args)  # checked before the daemon is asked anything
    with session(args) as client:
        if getattr(args, "dry_run", False):
            execution_id = resolve_execution_id(client, args.execution_id)
            plan = client.retry_plan(execution_id, args.task_id)
            return show_plan(args, plan.model_dump(mode="json"))
        execution_id = resolve_execution_id(client, args.execution_id)
        before = client.get_execution(execution_id)
        if args.task_id not in before.tasks:
            known = ", ".join(before.tasks)
            raise CliError(
                f"execution {execution_id} has no task {args.task_id!r}; its tasks: {known}"
            )
        result = client.retry_task(execution_id, args.task_id, input=override, by=BY)
        notice = (
            f"harmonia: retrying {args.task_id} of {execution_id}; will run again: "
            + ", ".join(result.reset)
        )
        final = follow(client, before, args, after=before.last_seq or 0, notice=notice)
        return finish(client, final, args)


# ---- executions, show ------------------------------------------------------------------------


@remote_command
def cmd_executions(args: argparse.Namespace) -> int:
    from harmonia.cli.report import display_status, executions_table

    with session(args) as client:
        status = args.status if args.status != "interrupted" else None
        wanted = args.limit if args.status != "interrupted" else None
        summaries: list[ExecutionSummary] = []

        def fetch(offset: int) -> Page[ExecutionSummary]:
            size = PAGE if wanted is None else min(PAGE, wanted - len(summaries))
            return client.list_executions(status=status, limit=size, offset=offset)

        for page in pages(fetch):
            summaries.extend(page.items)
            if wanted is not None and len(summaries) >= wanted:
                break
        if args.status:
            summaries = [
                s for s in summaries if display_status(s.status, s.interrupted) == args.status
            ]
        if args.limit is not None:
            summaries = summaries[: args.limit]
        if args.json:
            print_json([s.model_dump(mode="json") for s in summaries])
        elif not summaries:
            what = f"{args.status} executions" if args.status else "executions"
            print(f"no {what} in the daemon at {client.url}")
        else:
            rows = [summary_row(s) for s in summaries]
            print("\n".join(executions_table(rows, style_for(sys.stdout))))
        return EXIT_OK


@remote_command
def cmd_show(args: argparse.Namespace) -> int:
    from harmonia.cli.remote import execution_state
    from harmonia.cli.report import show_lines

    with session(args) as client:
        execution_id = resolve_execution_id(client, args.execution_id)
        execution = client.get_execution(execution_id)
        if args.json:
            print_json(execution_json(execution))
            return EXIT_OK
        lines = show_lines(
            execution_state(execution), style_for(sys.stdout), interrupted=execution.interrupted
        )
        print("\n".join(lines))
        return EXIT_OK


# ---- workflows -------------------------------------------------------------------------------


@remote_command
def cmd_workflows(args: argparse.Namespace) -> int:
    if args.action == "add":
        return _add_workflow(args)
    if args.action in ("show", "delete") and not args.workflow_id:
        raise CliError(f"workflows {args.action}: which workflow? give its ID")
    if args.action == "list" and args.workflow_id:
        raise CliError("workflows list takes no ID (did you mean `workflows show ID`?)")
    with session(args) as client:
        if args.action == "show":
            return _show_workflow(client, args.workflow_id, as_json=args.json)
        if args.action == "delete":
            return _delete_workflow(client, args.workflow_id, as_json=args.json)
        return _list_workflows(client, as_json=args.json)


def _delete_workflow(client: Client, workflow_id: str, *, as_json: bool) -> int:
    """`workflows delete ID`, saying what became of its schedules (a deleted workflow's
    schedules stop: one of its file goes with it, one made by hand stays, disabled). No
    hook is left: the daemon refuses while one starts it."""
    gone = client.delete_workflow(workflow_id)
    note = f"deleted workflow {workflow_id}"
    if gone.schedules_removed:
        note += f"; removed the schedules of its file: {', '.join(gone.schedules_removed)}"
    if gone.schedules_disabled:
        note += (
            f"; disabled {len(gone.schedules_disabled)} schedule"
            f"{'' if len(gone.schedules_disabled) == 1 else 's'} made for it: "
            f"{', '.join(gone.schedules_disabled)} (harmonia schedules delete ID)"
        )
    info(note)
    if as_json:
        print_json(gone.model_dump(mode="json"))
    return EXIT_OK


def _add_workflow(args: argparse.Namespace) -> int:
    """`workflows add FILE`: store it in the daemon without starting it (`submit` starts one;
    the dashboard's start form, `s`, starts a stored one later). Prints the workflow's id."""
    if not args.workflow_id:
        raise CliError("workflows add: which file? give the workflow file (YAML or JSON)")
    text, fmt = read_upload(args.workflow_id)
    with session(args) as client, daemon_refusal(args, default_file=args.workflow_id):
        stored = client.create_workflow(text, fmt=fmt)
    note = f"workflow {stored.name} stored as {stored.id} (not started)"
    return print_answer(stored, as_json=args.json, note=note, printed=stored.id)


def _list_workflows(client: Client, *, as_json: bool) -> int:
    from harmonia.cli.report import format_local_time

    found: list[WorkflowInfo] = [
        w
        for page in pages(lambda offset: client.list_workflows(limit=PAGE, offset=offset))
        for w in page.items
    ]
    return print_listing(
        found,
        as_json=as_json,
        none=f"no workflows in the daemon at {client.url}",
        header=["ID", "NAME", "VERSION", "TASKS", "UPDATED"],
        row=lambda w: [
            w.id,
            w.name,
            w.version or "-",
            str(w.task_count),
            format_local_time(_epoch(w.updated_at or w.created_at)),
        ],
    )


def _show_workflow(client: Client, workflow_id: str, *, as_json: bool) -> int:
    workflow = client.get_workflow(workflow_id)
    return print_item(workflow, as_json=as_json, lines=_workflow_lines)


def _workflow_lines(workflow: Workflow) -> list[str]:
    import yaml

    from harmonia.cli.report import field_lines, format_local_time

    fields = [
        ("workflow", workflow.id),
        ("name", f"{workflow.name} {workflow.version or ''}".rstrip()),
        ("description", workflow.description or "-"),
        ("tasks", str(workflow.task_count)),
        *_origin_fields(workflow),
        ("created", format_local_time(_epoch(workflow.created_at))),
        ("updated", format_local_time(_epoch(workflow.updated_at))),
    ]
    lines = field_lines(fields)
    definition = yaml.safe_dump(workflow.document, sort_keys=False, allow_unicode=True)
    lines.extend(["", "definition:", *("  " + line for line in definition.splitlines())])
    return lines


def _origin_fields(workflow: Workflow) -> list[tuple[str, str]]:
    """Where a workflow made from a template came from: which template, which values."""
    origin = workflow.origin
    if origin is None:
        return []
    import json

    made = f"template {origin.template_name} {origin.template_version or ''}".rstrip()
    values = ", ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in origin.parameters.items()
    )
    return [
        ("made from", f"{made} ({origin.template_id}, {origin.template_digest or '-'})"),
        ("parameters", values or "-"),
    ]


def _epoch(value: Any) -> float | None:
    return value.timestamp() if value is not None else None

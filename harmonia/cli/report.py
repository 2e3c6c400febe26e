"""Text views of executions: the end-of-run summary, `show`, and the `executions` table.

Plain functions from state to lines, so every view is testable without running a command and
the colour decision stays with the caller (see `harmonia.cli.style`).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harmonia.cli.progress import error_text, format_duration, one_line
from harmonia.cli.style import Style
from harmonia.events import iso_time
from harmonia.protocol import item_id, split_item_id
from harmonia.state import ExecutionState, TaskStatus

__all__ = [
    "damage_lines",
    "display_status",
    "execution_row_json",
    "executions_table",
    "format_local_time",
    "grouped_tasks",
    "item_counts",
    "render_table",
    "show_lines",
    "summary_lines",
    "trigger_rules",
]

ERROR_COLUMN_LIMIT = 80
_COUNT_ORDER = (
    "completed",
    "skipped",
    "failed",
    "canceled",
    "running",
    "retrying",
    "waiting",
    "pending",
)


def format_local_time(timestamp: float | None, *, offset: bool = False) -> str:
    """`2026-11-26 13:05:01` in the viewer's time zone, or `-`; with `offset`, the zone's
    UTC offset after it (`2026-11-26 13:05:01 +01:00`): a planned time read beside a cron
    expression's own zone must say which zone it is in."""
    if timestamp is None:
        return "-"
    moment = time.localtime(timestamp)
    text = time.strftime("%Y-%m-%d %H:%M:%S", moment)
    if not offset:
        return text
    zone = time.strftime("%z", moment)
    return f"{text} {zone[:3]}:{zone[3:]}"


def waiting_lines(state: ExecutionState, style: Style) -> list[str]:
    """The tasks waiting at an approval gate: what each asks, until when, how to decide."""
    lines: list[str] = []
    for tid, task in state.tasks.items():
        if task.status != "waiting" or not task.history:
            continue
        gate = task.history[-1].get("waiting")
        if not isinstance(gate, dict):
            continue
        deadline = gate.get("deadline")
        until = (
            f" (until {format_local_time(deadline)}, then {gate.get('on_timeout', 'reject')})"
            if deadline is not None
            else ""
        )
        lines.append(f"  {tid}: {style.paint(str(gate.get('message', '')), 'magenta')}{until}")
    if lines:
        hint = f"harmonia approve {state.id} TASK [--reject] [--reason TEXT]"
        lines = ["", "waiting for approval:", *lines, f"  decide: {hint}"]
    return lines


def display_status(status: str, interrupted: bool) -> str:
    """A `running` row whose process is gone is not running: call it what it is."""
    return "interrupted" if interrupted else status


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    paint: Callable[[int, str], str] | None = None,
) -> list[str]:
    """Left-aligned columns two spaces apart; `paint(column, text)` may colour a cell (widths
    are measured on the plain text, so escape codes do not break the alignment)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    last = len(headers) - 1

    def line(cells: Sequence[str], colour: bool) -> str:
        out = []
        for index, cell in enumerate(cells):
            text = paint(index, cell) if colour and paint is not None else cell
            pad = "" if index == last else " " * (widths[index] - len(cell))
            out.append(text + pad)
        return "  ".join(out).rstrip()

    return [line(headers, False), *(line(row, True) for row in rows)]


def field_lines(fields: Sequence[tuple[str, str]]) -> list[str]:
    """`name  value` lines with the values in one column, as `show` commands print one item."""
    width = max(len(name) for name, _ in fields)
    return [f"{name.ljust(width)}  {value}" for name, value in fields]


def _counts_text(state: ExecutionState) -> str:
    counts = state.counts()
    blocked = state.status == "failed"
    parts = []
    for status in _COUNT_ORDER:
        if counts.get(status):
            word = "blocked" if blocked and status == TaskStatus.PENDING else status
            parts.append(f"{counts[status]} {word}")
    return ", ".join(parts) or "no tasks"


def _indented_message(message: str, indent: str) -> list[str]:
    lines = message.rstrip().splitlines() or [""]
    return [lines[0], *(indent + line for line in lines[1:])]


def summary_lines(
    state: ExecutionState, style: Style, *, data_dir_option: str | None = None
) -> list[str]:
    """What a person wants to know when a run ends: how it ended, what failed and why, and
    the command that continues it."""
    duration = _duration(state)
    status = style.status(str(state.status))
    head = f"execution {state.id} ({state.workflow_name}) {status}"
    if duration is not None:
        head += f" in {format_duration(duration)}"
    lines = [head, f"  tasks: {_counts_text(state)}"]
    failed = {tid: t for tid, t in state.tasks.items() if t.status == TaskStatus.FAILED}
    if failed:
        lines.append("  failed tasks:")
        for tid, task in failed.items():
            attempt = "" if tid in state.expansions else f"attempt {task.attempts}  "
            prefix = f"    {tid}  {attempt}"
            text = error_text(task.error) or "failed"
            first, *rest = _indented_message(text, " " * 6)
            lines.append(prefix + style.paint(first, "red"))
            lines.extend(rest)
    if state.error and not failed:
        lines.append(f"  error: {state.error}")
    if state.status in ("failed", "canceled", "paused"):
        option = f" --data-dir {shlex.quote(data_dir_option)}" if data_dir_option else ""
        advice = "after fixing the cause, continue with" if failed else "continue with"
        lines.append(f"  {advice}: harmonia resume {state.id}{option}")
    return lines


def _duration(state: ExecutionState) -> float | None:
    if state.started_at is None:
        return None
    end = state.finished_at if state.finished_at is not None else time.time()
    return end - state.started_at


def show_lines(state: ExecutionState, style: Style, *, interrupted: bool = False) -> list[str]:
    """`harmonia show`: the execution's facts, a task table, then every error in full."""
    import orjson

    status = display_status(str(state.status), interrupted)
    fields: list[tuple[str, str]] = [
        ("execution", state.id),
        ("workflow", f"{state.workflow_name} {state.workflow.get('version') or ''}".rstrip()),
        ("status", style.status(status)),
        ("started", format_local_time(state.started_at)),
        ("finished", format_local_time(state.finished_at)),
        ("duration", format_duration(_duration(state))),
        ("input", orjson.dumps(state.input).decode()),
        ("tasks", _counts_text(state)),
    ]
    if state.restored_from:
        fields.append(("restored from", state.restored_from))
    if state.parent:
        link = f"{state.parent.get('execution_id')} task {state.parent.get('task_id')}"
        fields.append(("parent", link))
    if state.output is not None:
        fields.append(("output", orjson.dumps(state.output).decode()))
    if state.trigger and state.trigger.get("kind") == "schedule":
        planned = format_local_time(state.trigger.get("planned_at"))
        how = "run-now at" if state.trigger.get("manual") else "planned for"
        fields.append(("scheduled", f"{state.trigger.get('schedule_id')} ({how} {planned})"))
    if state.trigger and state.trigger.get("kind") == "hook":
        hook, delivery = state.trigger.get("hook"), state.trigger.get("delivery_id")
        fields.append(("hook", f"{hook} (delivery {delivery})"))
    if state.error:
        fields.append(("error", state.error))
    lines = field_lines(fields)

    rules = trigger_rules(state.workflow)
    rows = []
    for tid, label in grouped_tasks(state):
        task = state.tasks[tid]
        duration = (
            task.finished_at - task.started_at
            if task.started_at is not None and task.finished_at is not None
            else None
        )
        items = state.expansions.get(tid)
        row = [
            label,
            str(task.status),
            "-" if items is not None else str(task.attempts),
            format_duration(duration) if duration is not None and not task.operator else "-",
            item_counts(state, tid)
            if items is not None
            else by_hand(task.operator) or one_line(error_text(task.error), ERROR_COLUMN_LIMIT),
        ]
        if rules is not None:
            item = split_item_id(tid) is not None  # an item: its task's row shows the rule
            row.insert(2, "" if item else rules.get(tid, "all_success"))
        rows.append(row)
    headers = ["TASK", "STATUS", "ATTEMPTS", "DURATION", "ERROR"]
    if rules is not None:
        headers.insert(2, "RULE")
    lines.append("")
    lines.extend(
        render_table(
            headers,
            rows,
            lambda column, text: style.status(text) if column == 1 else text,
        )
    )
    children = [
        (tid, t.child_execution_id) for tid, t in state.tasks.items() if t.child_execution_id
    ]
    if children:
        lines.extend(["", "child executions:"])
        lines.extend(f"  {tid} -> {child}" for tid, child in children)
    lines.extend(waiting_lines(state, style))
    if state.damage:
        lines.extend(["", *damage_lines(state, style)])
    errors = [(tid, t) for tid, t in state.tasks.items() if t.error]
    if errors:
        lines.extend(["", "errors:"])
        for tid, task in errors:
            first, *rest = _indented_message(error_text(task.error), "    ")
            attempt = "" if tid in state.expansions else f" (attempt {task.attempts})"
            lines.append(f"  {tid}{attempt}: {style.paint(first, 'red')}")
            lines.extend(rest)
    return lines


def by_hand(operator: Mapping[str, Any] | None) -> str:
    """How `show` marks a result an operator made (`harmonia complete`/`skip`), not the task."""
    if not operator:
        return ""
    done = {"complete": "completed", "skip": "skipped"}.get(str(operator.get("action")), "set")
    reason = f": {operator['reason']}" if operator.get("reason") else ""
    return f"{done} by hand by {operator.get('by') or 'an operator'}{reason}"


def trigger_rules(workflow: Mapping[str, Any]) -> dict[str, str] | None:
    """Each task's join rule as the engine applies it (its own, else the defaults'), or None
    when the workflow sets none: the table then keeps its usual columns."""
    tasks = workflow.get("tasks")
    defaults = workflow.get("defaults")
    default = defaults.get("trigger_rule") if isinstance(defaults, Mapping) else None
    if not isinstance(tasks, Mapping):
        return None
    own = {
        str(tid): spec.get("trigger_rule")
        for tid, spec in tasks.items()
        if isinstance(spec, Mapping) and spec.get("trigger_rule")
    }
    if not own and not default:
        return None
    fallback = str(default or "all_success")
    return {str(tid): str(own.get(str(tid)) or fallback) for tid in tasks}


def grouped_tasks(state: ExecutionState) -> list[tuple[str, str]]:
    """(task id, label) in workflow order, each `for_each` task's items right below it,
    labelled `  [i]`: an execution's items are recorded after every task of the workflow."""
    out: list[tuple[str, str]] = []
    for tid in state.tasks:
        if split_item_id(tid) is not None:
            continue
        out.append((tid, tid))
        items = state.expansions.get(tid)
        if items is not None:
            out.extend((item_id(tid, i), f"  [{i}]") for i in range(len(items)))
    return out


def item_counts(state: ExecutionState, tid: str) -> str:
    """`8/10 completed, 2 failed`: how a `for_each` task's items stand."""
    count = len(state.expansions.get(tid) or ())
    counts: dict[str, int] = {}
    for index in range(count):
        status = str(state.tasks[item_id(tid, index)].status)
        counts[status] = counts.get(status, 0) + 1
    head = f"{counts.pop('completed', 0)}/{count} completed"
    rest = [f"{n} {status}" for status, n in sorted(counts.items())]
    return ", ".join([head, *rest])


def damage_lines(state: ExecutionState, style: Style) -> list[str]:
    """What is wrong with a damaged execution, where, and what an operator can do."""
    damage = state.damage or {}
    files = damage.get("files") or []
    lines = [
        f"damaged files (the state above is as far as their readable part goes; "
        f"there the execution was {damage.get('status') or 'unknown'}):"
    ]
    for item in files:
        where = ", ".join(
            f"{name} {item[key]}"
            for name, key in (("line", "line"), ("byte", "offset"))
            if item.get(key) is not None
        )
        text = f"{item.get('file')}: {where + ': ' if where else ''}{item.get('reason')}"
        lines.append("  " + style.paint(text, "red"))
        if item.get("kept_as"):
            lines.append(f"    kept as {item['kept_as']}")
    if files and all(str(f.get("file", "")).endswith("journal.jsonl") for f in files):
        lines.append(
            "  it is not run again unless resumed from the readable part of its journal: "
            f"harmonia resume {state.id} --from-damaged"
        )
    else:
        lines.append("  it cannot be run again: its workflow document was in its snapshot")
    return lines


def execution_row_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog row as `harmonia executions --json` prints it: times as ISO 8601."""
    return {
        "id": row["id"],
        "workflow": row.get("workflow"),
        "status": row.get("status"),
        "interrupted": bool(row.get("interrupted")),
        "created_at": iso_time(row.get("created_at")),
        "started_at": iso_time(row.get("started_at")),
        "finished_at": iso_time(row.get("finished_at")),
        "task_count": row.get("task_count", 0),
        "done_count": row.get("done_count", 0),
        "failed_count": row.get("failed_count", 0),
        "waiting_count": row.get("waiting_count", 0),
        "restored_from": row.get("restored_from"),
        "damage": row.get("damage"),
    }


def executions_table(
    rows: Sequence[Mapping[str, Any]], style: Style, *, now: float | None = None
) -> list[str]:
    """`harmonia executions`: one line per execution, newest first (the caller's order)."""
    now = time.time() if now is None else now
    cells = []
    for row in rows:
        started = row.get("started_at")
        finished = row.get("finished_at")
        status = display_status(str(row.get("status")), bool(row.get("interrupted")))
        if started is None:
            duration = "-"
        elif finished is not None:
            duration = format_duration(finished - started)
        elif status == "running":  # still going in another process: show how long so far
            duration = format_duration(now - started)
        else:
            duration = "-"
        cells.append(
            [
                str(row["id"]),
                str(row.get("workflow", "")),
                status,
                format_local_time(started if started is not None else row.get("created_at")),
                duration,
                f"{row.get('done_count', 0)}/{row.get('task_count', 0)}"
                + (f" ({row['waiting_count']} waiting)" if row.get("waiting_count") else ""),
            ]
        )
    return render_table(
        ["ID", "WORKFLOW", "STATUS", "STARTED", "DURATION", "TASKS"],
        cells,
        lambda column, text: style.status(text) if column == 2 else text,
    )

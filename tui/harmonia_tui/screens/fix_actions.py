"""Fix and continue from the dashboard: `r` retries the selected task after an editor of its
input (the daemon's retry plan listed above it), `m` marks it completed with an output typed
in an editor, `K` skips it after a confirm. Each call names the dashboard (`by: tui`) and
ends in a toast; the rules of when a key applies read here, apart from the screen.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from harmonia.protocol import FIXABLE_TASK_STATUSES, split_item_id
from harmonia_tui.connection import WorkflowShape
from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import Glyphs, plural
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.json_editor import JsonEditScreen

if TYPE_CHECKING:
    from harmonia.client import RetryPlan
    from harmonia_tui.app import HarmoniaApp

__all__ = [
    "BY",
    "FIXABLE",
    "complete",
    "complete_editor",
    "fix_unavailable",
    "override_of",
    "retry_editor",
    "retry_plan",
    "retry_with",
    "skip",
    "skip_question",
]

BY = "tui"
"""Who the journal says did an action taken from the dashboard."""

FIXABLE = FIXABLE_TASK_STATUSES
"""The task statuses `m` and `S` apply to (as the engine decides: `harmonia.protocol`)."""

_DONE = {"complete": "completed", "skip": "skipped"}


def _kinds() -> str:
    *most, last = sorted(FIXABLE)
    return f"{', '.join(most)} or {last}"


def fix_unavailable(action: str, view: ExecutionView, selected: str | None) -> str | None:
    """Why `complete` or `skip` does not apply to the selected task, or None when it does."""
    if selected is None or selected not in view.tasks:
        return f"select a {_kinds()} task first (arrows or hjkl)"
    if split_item_id(selected) is not None:
        return f"{selected} is an item of a for_each task; {action} the task itself"
    status = view.tasks[selected].status
    if status not in FIXABLE:
        return f"{selected} is {status}; only a {_kinds()} task can be {_DONE[action]} by hand"
    return None


def _fix_lines(
    action: str, view: ExecutionView, shape: WorkflowShape | None, task_id: str, g: Glyphs
) -> list[str]:
    """The lines of a fix's question: what it records for the task, what that means below
    it, and the tasks below it that are decided again."""
    recorded, then = _RECORDS[action]
    return [
        f"{task_id} ({view.tasks[task_id].status}) will be recorded as {recorded}",
        then,
        *_below(view, shape, task_id, g),
    ]


_RECORDS = {  # a sentence per line: each line of a dialog wraps on its own
    "complete": (
        "completed with the output below, marked as made by hand.",
        "The tasks below it run as if it had returned it.",
    ),
    "skip": (
        "skipped, marked as done by hand.",
        "The tasks below it follow their rules for a skipped parent.",
    ),
}


def _below(view: ExecutionView, shape: WorkflowShape | None, task_id: str, g: Glyphs) -> list[str]:
    if shape is None or not shape.known:
        return ["The tasks below it are decided again (the graph is not known to the TUI)."]
    below = [t for t in shape.dag.downstream(task_id) if t in view.tasks]
    if not below:
        return ["Nothing is below it."]
    return [f"Decided again below it ({len(below)}):"] + [
        f"  {g.bullet} {tid} ({view.tasks[tid].status})" for tid in below
    ]


def complete_editor(
    view: ExecutionView, shape: WorkflowShape | None, task_id: str, glyphs: Glyphs
) -> JsonEditScreen:
    """Before a completion by hand: the output to record (any JSON), and what runs next."""
    lines = _fix_lines("complete", view, shape, task_id, glyphs)
    text = json.dumps(view.tasks[task_id].output, indent=2)
    return JsonEditScreen(f"Complete {task_id} by hand?", lines, text, yes="Complete")


def skip_question(
    view: ExecutionView, shape: WorkflowShape | None, task_id: str, glyphs: Glyphs
) -> ConfirmScreen:
    lines = _fix_lines("skip", view, shape, task_id, glyphs)
    return ConfirmScreen(f"Skip {task_id}?", lines, yes="Skip", no="Don't")


def retry_editor(plan: RetryPlan, glyphs: Glyphs) -> JsonEditScreen:
    """The retry's confirm: exactly what the daemon's retry plan resets, then the task's input
    as last rendered, to edit (changed keys are sent as the override)."""
    count = len(plan.reset)
    lines = ["This task will run again:" if count == 1 else f"These {count} tasks will run again:"]
    lines += [f"  {glyphs.bullet} {tid}" for tid in plan.reset]
    if plan.refusal:
        lines.append(f"Not now: {plan.refusal}")
    lines += [
        "Results of finished tasks upstream are kept.",
        "Its input as last rendered: keys you change are merged over it for the next attempts.",
    ]
    text = json.dumps(plan.input if plan.input is not None else {}, indent=2)
    return JsonEditScreen(
        f"Retry {plan.task_id}?",
        lines,
        text,
        yes="Retry",
        need_object=True,
        allowed=plan.allowed,
    )


def override_of(original: Any, edited: dict[str, Any]) -> dict[str, Any] | None:
    """The top-level keys the operator changed or added (None: nothing changed, a plain retry).
    Unchanged keys are left out, so values shown as `${env.NAME}` are never sent back."""
    before = original if isinstance(original, dict) else {}
    changed = {k: v for k, v in edited.items() if k not in before or before[k] != v}
    return changed or None


async def retry_plan(app: HarmoniaApp, execution_id: str, task_id: str) -> RetryPlan | None:
    client = app.connection.client
    return await app.api(client.retry_plan(execution_id, task_id), what=f"planning {task_id}")


async def retry_with(
    app: HarmoniaApp, execution_id: str, task_id: str, override: dict[str, Any] | None
) -> None:
    client = app.connection.client
    call = client.retry_task(execution_id, task_id, input=override, by=BY)
    result = await app.api(call, what=f"retrying {task_id}")
    if result is not None:
        edited = f" with {plural(len(override), 'changed input key')}" if override else ""
        app.notify(
            f"{plural(len(result.reset), 'task')} run again ({', '.join(result.reset)}){edited}",
            title=f"Retrying {task_id}",
            markup=False,
        )


async def complete(app: HarmoniaApp, execution_id: str, task_id: str, output: Any) -> None:
    client = app.connection.client
    call = client.complete_task(execution_id, task_id, output, by=BY)
    _said(app, task_id, await app.api(call, what=f"completing {task_id}"))


async def skip(app: HarmoniaApp, execution_id: str, task_id: str) -> None:
    client = app.connection.client
    call = client.skip_task(execution_id, task_id, by=BY)
    _said(app, task_id, await app.api(call, what=f"skipping {task_id}"))


def _said(app: HarmoniaApp, task_id: str, result: Any) -> None:
    if result is not None:
        below = ", ".join(result.reset) or "nothing"
        app.notify(
            f"{task_id} {result.status} by hand; decided again: {below}",
            title=f"{task_id} {result.status}",
            markup=False,
        )

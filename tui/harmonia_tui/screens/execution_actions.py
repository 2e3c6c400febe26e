"""What an operator may do to the open execution: why a key does not apply now, the question
asked before a cancel (listing exactly what it will do), and the call to the daemon (a retry's
plan and editor are `harmonia_tui.screens.fix_actions`).
Kept apart from the screen, which loads, follows and draws, so that the rules read in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import plural
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.statuses import RESUMABLE

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = ["OPERATED", "cancel_question", "operate", "unavailable"]

OPERATED = {
    "pause": "Paused: nothing new starts; running tasks finish",
    "resume": "Resumed: failed and canceled tasks get fresh attempts",
    "resume paused": "Resumed: tasks start again where it paused",
    "cancel": "Canceled: running tasks were cancelled",
}
"""The toast after an operation succeeded, before the execution's new status (a paused
execution has no failed task to try again: its resume says so)."""


def unavailable(
    action: str, view: ExecutionView | None, selected: str | None, load_error: str | None
) -> str | None:
    """Why `action` does not apply to the execution as shown, or None when it does."""
    if action in ("back", "filter", "start"):
        return None
    if view is None:
        return load_error or "the execution is still loading"
    if action == "open":
        return None if selected else "select a task first (arrows or hjkl)"
    if action == "retry":
        # which tasks may be retried is the daemon's retry plan's to say (the editor shows its
        # refusal): a completed task or a waiting gate may be, as the CLI and the API allow
        return None if selected in view.tasks else "select a task first (arrows or hjkl)"
    if action == "resume" and view.status not in RESUMABLE:
        return (
            f"the execution is {view.status}; only a failed, paused or canceled one can be resumed"
        )
    if action == "pause" and view.status != "running":
        return f"the execution is {view.status}; only a running one can be paused"
    if action == "cancel" and view.finished:
        return f"the execution has already ended ({view.status})"
    return None


def cancel_question(view: ExecutionView) -> ConfirmScreen:
    """Before a cancel: how far the execution got and which running tasks will stop, and the
    gates that stop waiting (an execution waiting only for a person said "0 running tasks")."""
    active = view.active_tasks()
    waiting = [tid for tid, task in view.tasks.items() if task.status == "waiting"]
    lines = [
        f"workflow {view.workflow}: {view.done}/{len(view.tasks)} tasks done",
        f"{plural(len(active), 'running task')} will be cancelled"
        + (f": {', '.join(active[:10])}" if active else ""),
    ]
    if waiting:
        lines.append(
            f"{plural(len(waiting), 'task')} waiting for approval too: {', '.join(waiting[:10])}"
        )
    return ConfirmScreen(
        f"Cancel execution {view.id}?",
        [*lines, "R resumes it later; completed tasks are kept."],
        yes="Cancel execution",
        no="Keep it",
    )


async def operate(app: HarmoniaApp, execution_id: str, action: str, was: str | None = None) -> None:
    """Pause, resume or cancel the execution (whose status `was` this); say so with its new
    status."""
    client = app.connection.client
    calls = {"pause": client.pause, "resume": client.resume, "cancel": client.cancel}
    summary = await app.api(calls[action](execution_id), what=f"{action} {execution_id}")
    if summary is not None:
        said = OPERATED["resume paused" if action == "resume" and was == "paused" else action]
        app.notify(f"{said} (now {summary.status})", title=summary.workflow, markup=False)

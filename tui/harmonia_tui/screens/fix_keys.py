"""The execution screen's keys for fix and continue (`r`, `m`, `S`): open the editor or the
confirm over the selected task, and on yes hand the call to `fix_actions` as a screen task.
Apart from the screen so that it keeps to loading, following and drawing."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from harmonia_tui.screens.fix_actions import (
    complete,
    complete_editor,
    override_of,
    retry_editor,
    retry_plan,
    retry_with,
    skip,
    skip_question,
)
from harmonia_tui.screens.json_editor import Edited

if TYPE_CHECKING:
    from harmonia_tui.screens.execution import ExecutionScreen

__all__ = ["complete_key", "retry_key", "skip_key"]

GROUP = "the action"


def retry_key(screen: ExecutionScreen) -> None:
    """Ask the daemon for the retry plan, then show it above the task's input to edit."""
    task_id = screen.graph.selected if screen.view is not None else None
    if task_id is not None:
        screen.start_task(partial(_retry_edited, screen, task_id), group=GROUP)


async def _retry_edited(screen: ExecutionScreen, task_id: str) -> None:
    plan = await retry_plan(screen.harmonia, screen.execution_id, task_id)
    if plan is None:
        return

    def answered(edited: Edited | None) -> None:
        if edited is not None:
            override = override_of(plan.input, edited.value)
            work = partial(retry_with, screen.harmonia, screen.execution_id, task_id, override)
            screen.start_task(work, group=GROUP)

    screen.app.push_screen(retry_editor(plan, screen.harmonia.glyphs), answered)


def complete_key(screen: ExecutionScreen) -> None:
    view, task_id = screen.view, screen.graph.selected
    if view is None or task_id is None:
        return

    def answered(edited: Edited | None) -> None:
        if edited is not None:
            work = partial(complete, screen.harmonia, screen.execution_id, task_id, edited.value)
            screen.start_task(work, group=GROUP)

    editor = complete_editor(view, screen.shape, task_id, screen.harmonia.glyphs)
    screen.app.push_screen(editor, answered)


def skip_key(screen: ExecutionScreen) -> None:
    view, task_id = screen.view, screen.graph.selected
    if view is None or task_id is None:
        return
    screen.confirm_then(
        skip_question(view, screen.shape, task_id, screen.harmonia.glyphs),
        partial(skip, screen.harmonia, screen.execution_id, task_id),
        group=GROUP,
    )

"""Which keys apply to the open execution, and why not when they do not
(`harmonia_tui.screens.execution_actions`)."""

from __future__ import annotations

from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.execution_actions import cancel_question, unavailable
from helpers.tui_events import ev, fresh


def test_keys_are_explained_before_the_screen_is_composed() -> None:
    """Textual asks which keys apply as soon as the screen is pushed, before its widgets
    exist: every answer is the loading one, never an error."""
    screen = ExecutionScreen("x1")
    for action in ("retry", "resume", "pause", "cancel", "open", "copy_text"):
        assert screen.unavailable(action) == "the execution is still loading"
    for action in ("back", "filter", "start"):
        assert screen.unavailable(action) is None


def test_each_action_applies_to_the_execution_as_shown() -> None:
    view = fresh("a", "b")
    view.apply_all(
        [
            ev(1, "workflow_started"),
            ev(2, "task_started", "a", attempt=1),
            ev(3, "task_failed", "a", 1, attempt=1, error={"message": "x"}),
        ]
    )
    assert unavailable("retry", view, "a", None) is None
    assert unavailable("retry", view, "b", None) is None  # the daemon's plan says why not
    assert unavailable("retry", view, None, None) == "select a task first (arrows or hjkl)"
    assert unavailable("pause", view, "a", None) is None
    assert unavailable("resume", view, "a", None) == (
        "the execution is running; only a failed, paused or canceled one can be resumed"
    )
    view.apply(ev(4, "workflow_failed", None, 2, error="a failed"))
    assert unavailable("resume", view, "a", None) is None
    assert unavailable("cancel", view, "a", None) == "the execution has already ended (failed)"
    assert unavailable("pause", view, "a", None) == (
        "the execution is failed; only a running one can be paused"
    )
    assert unavailable("open", None, None, "cannot open execution x1") == (
        "cannot open execution x1"
    )


def test_the_cancel_confirm_names_the_gates_that_stop_waiting() -> None:
    """An execution whose only activity is a gate said "0 running tasks will be cancelled",
    as if the cancel stopped nothing; the gate is named too."""
    view = fresh("build", "release")
    view.apply_all(
        [
            ev(1, "workflow_started"),
            ev(2, "task_started", "release", attempt=1),
            ev(3, "task_waiting", "release", 1, attempt=1, message="ship it?"),
        ]
    )
    assert view.tasks["release"].status == "waiting"
    lines = cancel_question(view).lines
    assert "0 running tasks will be cancelled" in lines
    assert "1 task waiting for approval too: release" in lines

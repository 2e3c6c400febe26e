"""Operator fixes folded into the dashboard's view as the engine folds them: the task's result
is the operator's and marked so, what is below it is pending again, a finished execution runs
again; and the event log says who did it."""

from __future__ import annotations

from harmonia_tui.describe import describe_event
from helpers.tui_events import T0, ev, fresh


def test_a_completion_by_hand_folds_like_the_engine() -> None:
    view = fresh("a", "b", "c")
    view.apply_all(
        [
            ev(1, "workflow_started", t=0),
            ev(2, "task_started", "a", 0, attempt=1),
            ev(3, "task_failed", "a", 1, attempt=1, error={"kind": "error", "message": "x"}),
            ev(4, "workflow_failed", None, 1, error="1 task(s) failed: a"),
        ]
    )
    assert view.status == "failed"
    fixed = ev(
        5,
        "task_completed_by_operator",
        "a",
        2,
        action="complete",
        by="tui",
        output={"rows": 3},
        reset=["b", "c"],
    )
    change = view.apply_all([fixed])
    a = view.tasks["a"]
    assert (a.status, a.output, a.error) == ("completed", {"rows": 3}, None)
    assert a.operator == {"action": "complete", "by": "tui"}
    assert a.note == "completed by hand by tui"
    assert view.status == "running" and view.finished_at is None and view.error is None
    assert {"a", "b", "c"} <= change.tasks and change.execution
    line = describe_event(fixed, T0)
    assert line.status == "completed"
    assert line.text == "a completed by hand by tui; decided again: b, c"


def test_a_skip_by_hand_and_a_later_reset_clear_the_mark() -> None:
    view = fresh("a", "b")
    skipped = ev(2, "task_skipped_by_operator", "a", 1, action="skip", by="cli", reason="down")
    view.apply_all([ev(1, "workflow_started", t=0), skipped])
    a = view.tasks["a"]
    assert a.status == "skipped" and a.note == "skipped by hand by cli: down"
    assert describe_event(skipped, T0).text == "a skipped by hand by cli: down"
    view.apply_all([ev(3, "workflow_resumed", "a", 2, reason="retry", reset=["a", "b"])])
    assert a.status == "pending" and a.operator is None


def test_a_result_made_by_hand_has_no_duration() -> None:
    """The graph showed "skipped 2 10.3s by hand" (from the last attempt's start to the
    operator's skip); `harmonia show` prints "-": the operator's result took no run time."""
    view = fresh("a")
    view.apply_all(
        [
            ev(1, "workflow_started", t=0),
            ev(2, "task_started", "a", 0, attempt=1),
            ev(3, "task_failed", "a", 1, attempt=1, error={"kind": "error", "message": "x"}),
            ev(4, "task_skipped_by_operator", "a", 11, action="skip", by="tui"),
        ]
    )
    a = view.tasks["a"]
    assert a.status == "skipped" and a.duration(T0) is None
    view.apply_all([ev(5, "task_completed_by_operator", "a", 12, action="complete", by="tui")])
    assert a.status == "completed" and a.duration(T0) is None

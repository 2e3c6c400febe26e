"""The event log's lines: the task, the attempt, the error kind and the time, in words."""

from __future__ import annotations

from harmonia_tui.describe import describe_event
from helpers.tui_events import T0, ev


def test_log_lines_name_the_task_the_error_kind_and_the_time() -> None:
    line = describe_event(
        ev(
            7,
            "task_failed",
            "load",
            3.0,
            attempt=2,
            duration=0.5,
            error={"kind": "exit_code", "message": "boom"},
        ),
        T0,
    )
    assert (line.seq, line.offset, line.status) == (7, "+3.00s", "failed")
    assert line.text == "load failed in 0.50s: [exit_code] boom"
    resumed = describe_event(ev(8, "workflow_resumed", None, reason="retry", reset=["a", "b"]), T0)
    assert resumed.text == "execution resumed (retry); again: a, b"


def test_counts_are_words() -> None:
    one = describe_event(ev(1, "workflow_started", None, task_count=1), T0)
    assert one.text == "execution started (1 task)"
    many = describe_event(ev(1, "workflow_started", None, task_count=3), T0)
    assert many.text == "execution started (3 tasks)"

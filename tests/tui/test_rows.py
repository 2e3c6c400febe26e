"""The executions list's rows: the `/` filter, the progress text, and live status events."""

from __future__ import annotations

from harmonia_tui.rows import ExecutionRow
from helpers.tui_events import T0, ev


def test_execution_rows_filter_on_every_word_and_follow_status_events() -> None:
    row = ExecutionRow("20260102-x", "nightly-etl", "running", T0, T0, None, 9, 4, 1)
    assert row.matches("etl run") and row.matches("2026") and not row.matches("diamond")
    assert row.progress() == "4/9 (1 failed)"
    assert row.apply(ev(9, "workflow_paused")) and row.status == "paused"
    assert not row.apply(ev(10, "task_started", "a"))

"""Events and execution views for the TUI's tests of its pure view logic.

Every event happens at a fixed time (`T0` plus seconds), so that the folds, log lines and
durations these tests check never depend on when they run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from harmonia_tui.fold import ExecutionView

from harmonia.client import Event, Execution

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def ev(seq: int, kind: str, task: str | None = None, t: float = 0.0, **data: Any) -> Event:
    """Event `seq` of execution x1, `t` seconds after `T0`."""
    return Event(
        seq=seq,
        type=kind,
        execution_id="x1",
        task_id=task,
        timestamp=T0 + timedelta(seconds=t),
        data=data,
    )


def fresh(*tasks: str) -> ExecutionView:
    """Execution x1 of workflow wf, not started, with these tasks pending."""
    doc = Execution.model_validate(
        {
            "id": "x1",
            "workflow": "wf",
            "status": "pending",
            "tasks": {t: {"status": "pending"} for t in tasks},
            "last_seq": 0,
        }
    )
    return ExecutionView.from_execution(doc)

"""Execution state: what an execution and its tasks are (`model`), and how each event changes
them (`fold.apply`), shared by the live engine and by recovery from the journal.
"""

from __future__ import annotations

from harmonia.state.fold import apply, drop_expansion
from harmonia.state.model import (
    EXECUTION_FINISHED,
    TASK_ACTIVE,
    TASK_DONE,
    ExecutionState,
    ExecutionStatus,
    TaskState,
    TaskStatus,
)

__all__ = [
    "EXECUTION_FINISHED",
    "TASK_ACTIVE",
    "TASK_DONE",
    "ExecutionState",
    "ExecutionStatus",
    "TaskState",
    "TaskStatus",
    "apply",
    "drop_expansion",
]

"""What operator actions do to `for_each` tasks and their items: retry and restore.

Apart from `harmonia.engine.operations` so that the rules read in one place: an item retried
runs again with its task and what is below it; a task retried runs its failed items again (all
of them if none failed), on the list it recorded; a task below a retried one evaluates its list
again, since what it reads is about to change.
"""

from __future__ import annotations

import os
from typing import Any

from harmonia.engine.plan import ExecutionPlan
from harmonia.model.tasks import DEFAULT_MAX_ITEMS
from harmonia.protocol import item_id, split_item_id
from harmonia.state import ExecutionState, TaskState, TaskStatus

__all__ = ["LIMIT_VARIABLE", "fanout_limit", "restore_items", "retry_scope"]

LIMIT_VARIABLE = "HARMONIA_MAX_FANOUT_ITEMS"


def fanout_limit(given: int | None = None) -> int:
    """Most items a `for_each` task may have unless it sets `max_items`: `given`, else
    `HARMONIA_MAX_FANOUT_ITEMS`, else 10,000 (one setting for the daemon and `harmonia run`)."""
    if given is None:
        text = os.environ.get(LIMIT_VARIABLE, "").strip()
        given = int(text) if text.isdigit() else DEFAULT_MAX_ITEMS
    return given


_AGAIN = frozenset({TaskStatus.FAILED, TaskStatus.CANCELED})


def retry_scope(
    plan: ExecutionPlan, state: ExecutionState, task_id: str
) -> tuple[list[str], list[str]]:
    """The tasks an operator retry of `task_id` resets, and the expanded tasks whose list it
    forgets (`unexpanded`: evaluated again when they are next ready)."""
    split = split_item_id(task_id)
    if split is not None:
        parent = split[0]
        below = plan.downstream(parent)
        return [task_id, parent, *below], [t for t in below if t in state.expansions]
    below = plan.downstream(task_id)
    own: list[str] = []
    if task_id in state.expansions:
        items = [item_id(task_id, i) for i in range(len(state.expansions[task_id]))]
        own = [t for t in items if state.tasks[t].status in _AGAIN] or items
    return [*own, task_id, *below], [t for t in below if t in state.expansions]


def restore_items(
    meta: dict[str, Any], saved: dict[str, dict[str, Any]], tasks: dict[str, TaskState]
) -> dict[str, list[Any]]:
    """For a restore from a checkpoint: each expanded task keeps its list, and its items that
    had completed (or were skipped) keep their results; `tasks` gains the items. A task whose
    list is kept is pending again unless it had completed; its other items run."""
    expansions: dict[str, list[Any]] = {}
    for tid, items in (meta.get("expansions") or {}).items():
        if tid not in tasks:
            continue
        expansions[tid] = list(items)
        for index in range(len(items)):
            iid = item_id(tid, index)
            record = TaskState.from_record(saved.get(iid, {}))
            done = record.status in (TaskStatus.COMPLETED, TaskStatus.SKIPPED)
            tasks[iid] = record if done else TaskState()
    return expansions

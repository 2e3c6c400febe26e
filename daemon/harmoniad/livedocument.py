"""A running execution's document (`GET /api/v1/executions/{id}`), re-encoding only what changed.

The engine changes a running execution's state on the event loop, so its document cannot be
built in a worker thread; built whole on the loop it took ~90 ms for 5,000 tasks, for every
request. Between two requests only a few tasks change: each task's JSON is kept with the
values it was made from, compared field by field at the next request (no version to forget
to bump, as in `answercache.SummaryCache`); the head (status, counts) is encoded every time.
The bytes are those of `orjson.dumps(state.to_public(), option=OPT_NON_STR_KEYS)`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from harmonia.state import ExecutionState
from harmonia.state.model import TaskState

__all__ = ["LiveDocuments", "task_made_from"]

KEPT_BYTES = 64 * 1024 * 1024
"""Tasks' JSON kept at most, in bytes, over all running executions (~330 bytes a task)."""

_OPTIONS = orjson.OPT_NON_STR_KEYS


def task_made_from(state: ExecutionState, tid: str, task: TaskState) -> tuple[Any, ...]:
    """Everything a task's public form is made of that can change while it runs: its fields
    (not `budget_base`, which is not shown), how many attempts it has and the last one's
    items (the fold only ever changes the last attempt, in place), and its list's size."""
    history = task.history
    expansion = state.expansions.get(tid)
    return (
        task.status,
        task.attempts,
        task.output,
        task.error,
        task.started_at,
        task.finished_at,
        task.child_execution_id,
        task.operator,
        task.input_override,
        len(history),
        tuple(history[-1].items()) if history else None,
        None if expansion is None else len(expansion),
    )


class _Encoded:
    """One execution's tasks as JSON (`"id":{...}`), each with what it was made from."""

    __slots__ = ("bytes", "state", "tasks")

    def __init__(self, state: ExecutionState) -> None:
        self.state = state
        self.tasks: dict[str, tuple[tuple[Any, ...], bytes]] = {}
        self.bytes = 0

    def document(self) -> bytes:
        state = self.state
        kept = self.tasks
        fresh: dict[str, tuple[tuple[Any, ...], bytes]] = {}
        size = 0
        definitions = state.workflow.get("tasks") or {}
        for tid, task in state.tasks.items():
            made_from = task_made_from(state, tid, task)
            entry = kept.get(tid)
            if entry is None or entry[0] != made_from:
                public = state.public_task(tid, task, definitions)
                entry = (
                    made_from,
                    orjson.dumps(tid) + b":" + orjson.dumps(public, option=_OPTIONS),
                )
            fresh[tid] = entry
            size += len(entry[1])
        self.tasks, self.bytes = fresh, size  # tasks no longer there are dropped
        head = orjson.dumps(state.public_head(), option=_OPTIONS)
        body = b",".join([entry[1] for entry in fresh.values()])
        return head[:-1] + b',"tasks":{' + body + b"}}"


class LiveDocuments:
    """The kept tasks of the running executions last asked for, within `max_bytes` (the least
    recently asked for are dropped first)."""

    def __init__(self, max_bytes: int = KEPT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _Encoded] = OrderedDict()

    def document(self, state: ExecutionState) -> bytes:
        """`state`'s document now (call it on the loop that changes `state`)."""
        entry = self._entries.pop(state.id, None)
        if entry is None or entry.state is not state:  # a new run holds a new state
            entry = _Encoded(state)
        document = entry.document()
        if entry.bytes <= self.max_bytes:
            self._entries[state.id] = entry
            total = sum(e.bytes for e in self._entries.values())
            while total > self.max_bytes:
                _, oldest = self._entries.popitem(last=False)
                total -= oldest.bytes
        return document

    def prune(self, current: Callable[[str], ExecutionState | None]) -> None:
        """Forget the executions whose state `current(id)` no longer is (they ended here, or
        run again with a new state): nothing keeps a finished run's state alive."""
        for execution_id, entry in list(self._entries.items()):
            if current(execution_id) is not entry.state:
                del self._entries[execution_id]

    @property
    def kept_bytes(self) -> int:
        return sum(e.bytes for e in self._entries.values())

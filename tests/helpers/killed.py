"""What a process killed with -9 leaves behind, written directly: the first snapshot, a
`pending` catalog row and a journal, with no end recorded and no lock held."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harmonia.events import Event
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState
from harmonia.store import Store

__all__ = ["Journaled", "write_killed_execution"]

Journaled = list[tuple[str, str | None, dict[str, Any]]]
"""Events to journal, each `(type, task_id, data)`; their seqs count from 1."""


def write_killed_execution(
    data_dir: Path, wf_doc: dict[str, Any], events: Journaled, execution_id: str
) -> tuple[ExecutionState, list[Event]]:
    """The execution's first state (nothing folded in) and the events journaled after it."""
    store = Store(data_dir)
    now = time.time()
    state = ExecutionState.new(execution_id, load_workflow_dict(wf_doc).to_document(), {}, now)
    store.create_execution(state.meta_record(), {}, state.summary())
    journal = [
        Event(seq, type, execution_id, task_id, now + seq / 1000, data)
        for seq, (type, task_id, data) in enumerate(events, start=1)
    ]
    store.append_events(journal)
    store.close()
    return state, journal

"""The order of a writer commit's durable writes: journal lines and temporary copies fsynced in
one round, renames only once both are durable (harmonia.engine.writer, AtomicWrites.sync_first).

A crash (or a refused write) before the renames must leave the old snapshot, whole, beside
lines that are durable or cut back; never a snapshot ahead of its journal. (The snapshot a run
leaves when it stops is `latest.json`, not fsynced: its copy goes in the same first round.)"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.diskfull import injected_disk

import harmonia.store.storage as storage
from harmonia.events import Event
from harmonia.loader import load_workflow_dict
from harmonia.state import ExecutionState
from harmonia.store import Store
from harmonia.store.storage import AtomicWrites

WORKFLOW = {"name": "one", "tasks": {"a": {"component": "core", "action": "echo", "input": {}}}}


def new_store(data_dir: Path) -> tuple[Store, ExecutionState]:
    """A store with one execution created (first snapshot, catalog row), nothing journaled."""
    store = Store(data_dir)
    doc = load_workflow_dict(WORKFLOW).to_document()
    state = ExecutionState.new("20261203-000000-abcdef0123", doc, {}, time.time())
    store.create_execution(state.meta_record(), {}, state.summary())
    return store, state


def started(state: ExecutionState) -> Event:
    return Event(1, "workflow_started", state.id, None, time.time(), {"workflow": "one"})


def commit_with_lines(store: Store, state: ExecutionState, event: Event) -> AtomicWrites:
    """A group as the writer builds it: the event's line first, then the latest state."""
    group = AtomicWrites()
    lines = store.journal_lines([event])
    group.sync_first(*store.journal_round(lines))
    meta = {**state.meta_record(), "status": "completed", "last_seq": event.seq}
    store.write_latest(meta, [b"{}"], group)
    return group


def test_lines_and_copies_share_the_first_round_and_renames_follow_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, state = new_store(data_dir)
    order: list[Any] = []
    real_round, real_replace = storage.run_together, os.replace
    monkeypatch.setattr(
        storage, "run_together", lambda jobs: (order.append(len(jobs)), real_round(jobs))[1]
    )
    monkeypatch.setattr(
        os, "replace", lambda a, b: (order.append(Path(b).name), real_replace(a, b))[1]
    )
    commit_with_lines(store, state, started(state)).commit()
    assert order[0] == 2  # one round: the line and the copy
    assert "latest.json" in order[1:]  # then the rename
    assert [e.type for e in store.read_events(state.id)] == ["workflow_started"]
    assert store.load_execution(state.id).status == "completed"  # what latest.json says
    store.close()


@pytest.mark.parametrize(
    ("refused", "kept"),
    [
        ("journal.jsonl", []),  # the torn half line was cut back: no event, nothing renamed
        ("latest.json", ["workflow_started"]),  # the line was durable first: it stays
    ],
)
def test_a_refused_write_renames_nothing_and_leaves_no_copy(
    data_dir: Path, refused: str, kept: list[str]
) -> None:
    store, state = new_store(data_dir)
    before = store.state_path(state.id).read_bytes()
    group = commit_with_lines(store, state, started(state))
    with injected_disk(data_dir) as disk:
        disk.fill(only=refused)
        with pytest.raises(OSError, match="No space left"):
            group.commit()
    assert store.state_path(state.id).read_bytes() == before  # the old snapshot
    assert not store.latest_path(state.id).exists()
    assert list(store.execution_dir(state.id).glob("*.tmp")) == []
    assert [e.type for e in store.read_events(state.id)] == kept
    if not kept:
        assert store.journal_path(state.id).stat().st_size == 0
    store.close()

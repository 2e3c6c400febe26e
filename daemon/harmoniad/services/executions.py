"""Starting, listing and reporting executions, for the routes and the tools alike.

Listings come from the engine's index and live states: no catalog read unless another process
wrote the catalog since the last listing (see `harmonia.engine.index`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

import anyio

from harmonia.engine import Engine
from harmonia.errors import NotFound
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState
from harmonia.store.definitions import WorkflowDefinitions, definition_path
from harmoniad.bodies import SOURCE, off_the_loop
from harmoniad.context import DaemonState
from harmoniad.services.workflows import refuse_unset_secrets
from harmoniad.views import live_summary, summary_view

__all__ = [
    "UNFINISHED",
    "Listed",
    "Page",
    "events_page",
    "list_executions",
    "pause_execution",
    "require_execution",
    "select_page",
    "start_execution",
    "stored_workflow",
    "summary_of",
]

UNFINISHED = ("running", "pending")


async def stored_workflow(
    state: DaemonState, workflow_id: str | None, document: Mapping[str, Any] | None = None
) -> Workflow:
    """The workflow to start: a stored one (`workflow_id`) or an inline `document`, read and
    checked in a worker thread (see `off_the_loop`); a stored one once per version of its file
    (see `_LOADED`)."""
    registry = state.engine.registry

    def load() -> Workflow:
        if workflow_id is not None:
            stored = state.definitions.get(workflow_id)["document"]
            return load_workflow_dict(
                stored, source=f"workflow {workflow_id}", registry=registry, stored=True
            )
        assert document is not None
        return load_workflow_dict(document, source=SOURCE, registry=registry, stored=True)

    if workflow_id is None:
        return await off_the_loop(state, load)
    path = definition_path(state.engine.store.data_dir, workflow_id)
    try:
        stat = os.stat(path)
    except FileNotFoundError:  # deleted, or a definition from before files: no cache
        return await off_the_loop(state, load)
    version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    loaded = _LOADED.setdefault(state.definitions, {})
    cached = loaded.get(workflow_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    workflow = await off_the_loop(state, load)
    loaded[workflow_id] = (version, workflow)
    return workflow


_LOADED: WeakKeyDictionary[WorkflowDefinitions, dict[str, tuple[tuple[int, int, int], Workflow]]]
_LOADED = WeakKeyDictionary()
"""Stored workflows as `stored_workflow` read and checked them, per version of their file (a
`stat` tells: definitions are replaced whole, never written in place): a burst of starts of
one workflow (webhook deliveries, `POST /api/v1/executions`) would otherwise read and check
the same document for each."""


async def start_execution(
    state: DaemonState,
    workflow: Workflow,
    input: Mapping[str, Any] | None,
    *,
    source: str = SOURCE,
) -> ExecutionState:
    """Start it; refused (422) while its notify targets could never be signed, `source`
    naming where it came from (`SOURCE`, or `workflow ID` for a stored one)."""
    refuse_unset_secrets(state, workflow, source)
    return await state.engine.start(workflow, input)


async def list_executions(
    state: DaemonState,
    *,
    status: str | None,
    offset: int,
    limit: int,
    workflow: str | None = None,
) -> dict[str, Any]:
    """A page of `ExecutionSummary`s, newest first; `status` and the workflow's `name` filter."""
    page = await select_page(state, status=status, offset=offset, limit=limit, workflow=workflow)
    items = [
        live_summary(entry.live)
        if entry.live is not None
        else summary_view(entry.row, interrupted=entry.interrupted)
        for entry in page.entries
    ]
    return {"items": items, "total": page.total, "limit": limit, "offset": offset}


class Listed(NamedTuple):
    """One execution of a listing's page: its index row, its live state when this process
    drives it, and whether it was interrupted (unfinished, and no process drives it)."""

    row: dict[str, Any]
    live: ExecutionState | None
    interrupted: bool


class Page(NamedTuple):
    entries: list[Listed]
    total: int
    """How many executions match the filters."""
    known: int
    """How many executions there are."""


async def select_page(
    state: DaemonState,
    *,
    status: str | None,
    offset: int,
    limit: int,
    workflow: str | None = None,
) -> Page:
    """Which executions a listing's page shows (newest first), and how many match in all."""
    engine = state.engine
    rows = await engine.index.rows()
    selected: list[tuple[dict[str, Any], ExecutionState | None]] = []
    for row in rows:
        live = engine.live_state(row["id"])  # its row is rewritten now and then; this is now
        current = row["status"] if live is None else live.status
        if status is not None and current != status:
            continue
        if workflow is not None and row.get("workflow") != workflow:
            continue
        selected.append((row, live))
    page = selected[offset : offset + limit]
    idle = [row["id"] for row, live in page if live is None and row["status"] in UNFINISHED]
    held = await anyio.to_thread.run_sync(_locked, engine, idle) if idle else set()
    entries = [
        Listed(
            row,
            live,
            live is None and row["status"] in UNFINISHED and row["id"] not in held,
        )
        for row, live in page
    ]
    return Page(entries, len(selected), len(rows))


def _locked(engine: Engine, execution_ids: list[str]) -> set[str]:
    """Which of these unfinished executions another process is driving (the rest were
    interrupted: their process died)."""
    return {i for i in execution_ids if engine.store.is_locked(i)}


def summary_of(state: DaemonState, execution: ExecutionState) -> dict[str, Any]:
    """An execution's `ExecutionSummary` after an operator action."""
    row = execution.summary()
    interrupted = row["status"] in UNFINISHED and not state.engine.is_live(execution.id)
    return summary_view(row, interrupted=interrupted)


async def require_execution(state: DaemonState, execution_id: str) -> None:
    """NotFound unless the execution exists, without loading its whole state."""
    if state.engine.is_live(execution_id):
        return
    store = state.engine.store
    # its snapshot file exists from the moment it is created: a stat, not a catalog read
    if not await anyio.to_thread.run_sync(lambda: store.state_path(execution_id).is_file()):
        raise NotFound(f"no execution {execution_id!r}")


async def pause_execution(state: DaemonState, execution_id: str) -> ExecutionState:
    """Start nothing new; running tasks finish (NotFound for an unknown id, before any lock)."""
    await require_execution(state, execution_id)
    return await state.engine.pause(execution_id)


async def events_page(
    state: DaemonState, execution_id: str, *, after: int, limit: int
) -> dict[str, Any]:
    """A page of an execution's recorded events after seq `after`, oldest first."""
    await require_execution(state, execution_id)
    # the bus's replay hands out only what is durable (and published, for a live execution)
    events = await state.engine.bus.replay(execution_id, after)
    page = events[:limit]
    return {
        "items": [e.to_dict() for e in page],
        "next_after": page[-1].seq if page else after,
    }

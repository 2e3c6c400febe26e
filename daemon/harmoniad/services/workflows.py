"""Stored workflow definitions, for the routes and the tools alike.

Documents are parsed and checked off the event loop (`off_the_loop`); a request that fails
writes nothing: the loader refuses a bad document before the catalog is touched, and an unknown
id is refused before the catalog's lock is taken (see `WorkflowDefinitions`). Templates are
stored definitions too, but reached through `harmoniad.services.templates` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import anyio

from harmonia.errors import InvalidOperation, NotFound, ValidationFailed
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.schedules import parse_spec
from harmoniad.bodies import SOURCE, off_the_loop
from harmoniad.context import DaemonState
from harmoniad.views import page_of, workflow_view

__all__ = [
    "check_document",
    "delete_workflow",
    "get_workflow",
    "list_workflows",
    "refuse_unset_secrets",
    "replace_workflow",
    "store_workflow",
    "sync_schedules",
]


async def check_document(state: DaemonState, document: Mapping[str, Any], source: str) -> Workflow:
    """A workflow document checked by the loader as `harmonia validate` checks a file."""
    registry = state.engine.registry
    return await off_the_loop(
        state, lambda: load_workflow_dict(document, source=source, registry=registry, stored=True)
    )


def refuse_unset_secrets(state: DaemonState, workflow: Workflow, source: str = SOURCE) -> None:
    """A 422 naming `notify[i].secret_env` and the variable, when this daemon's environment
    does not set it: stored or started, every delivery to that target would fail until its
    attempts ran out, said nowhere but in the delivery listing. Checked where a workflow is
    stored and where it is started (a daemon restarted without the variable refuses to start
    a workflow stored while it was set)."""
    found = state.webhooks.sender.unset_secrets(workflow.notify) if state.webhooks else []
    if found:
        raise ValidationFailed([replace(p, file=source) for p in found])


async def store_workflow(
    state: DaemonState, workflow: Workflow, source: str = SOURCE
) -> dict[str, Any]:
    """Store a checked workflow (read from `source`) under a new id, its file's schedules
    with it; its `WorkflowInfo`."""
    refuse_unset_secrets(state, workflow, source)
    row = await off_the_loop(state, lambda: state.definitions.add(workflow.to_document()))
    await sync_schedules(state, row["id"], workflow.schedules)
    return workflow_view(row)


async def replace_workflow(
    state: DaemonState, workflow_id: str, workflow: Workflow, source: str = SOURCE
) -> dict[str, Any]:
    """Replace a stored workflow's definition (not a template's)."""
    await get_workflow(state, workflow_id)
    refuse_unset_secrets(state, workflow, source)
    row = await off_the_loop(
        state, lambda: state.definitions.replace(workflow_id, workflow.to_document())
    )
    await sync_schedules(state, workflow_id, workflow.schedules)
    return workflow_view(row)


async def delete_workflow(state: DaemonState, workflow_id: str) -> dict[str, Any]:
    """Delete a stored workflow (a template is deleted through the templates). Refused while
    inbound hooks start it: their senders would get a 409 for every delivery from then on,
    so the hooks go first, by a decision of the operator's. The answer says what became of
    its schedules: those of its file are removed with it, those made through the API are
    disabled (kept, so that their operator sees why they stopped)."""
    row = await get_workflow(state, workflow_id)
    bound = await state.hooks.bound_to(workflow_id) if state.hooks is not None else []
    if bound:
        names = ", ".join(bound)
        raise InvalidOperation(
            f"workflow {row.get('name') or workflow_id} ({workflow_id}) is started by inbound "
            f"hook{'s' if len(bound) > 1 else ''} {names}: delete "
            f"{'them' if len(bound) > 1 else 'it'} first (harmonia hooks delete NAME)"
        )
    await anyio.to_thread.run_sync(state.definitions.delete, workflow_id)
    removed = await sync_schedules(state, workflow_id, [])
    disabled: list[str] = []
    if state.scheduler is not None:  # the schedules made through the API: disabled
        disabled = await state.scheduler.workflow_deleted(workflow_id)
    return {
        "id": workflow_id,
        "deleted": True,
        "schedules_removed": removed,
        "schedules_disabled": disabled,
    }


async def get_workflow(state: DaemonState, workflow_id: str) -> dict[str, Any]:
    """A stored workflow with its `document`; a template's id is not a workflow's."""
    row = await off_the_loop(state, lambda: state.definitions.get(workflow_id))
    if row["template"]:
        raise NotFound(f"{workflow_id!r} is a template: see /api/v1/templates/{workflow_id}")
    return row


async def list_workflows(state: DaemonState, *, offset: int, limit: int) -> dict[str, Any]:
    """A page of stored workflows' info (templates left out), newest first."""
    rows = await anyio.to_thread.run_sync(lambda: state.definitions.list(template=False))
    return page_of(rows, workflow_view, offset=offset, limit=limit)


async def sync_schedules(state: DaemonState, workflow_id: str, raw: list[Any]) -> list[str]:
    """A stored workflow's `schedules:` (already checked by the loader) become its schedules
    (an unchanged one keeps its runs); none when the daemon runs no scheduler. The ids of
    the schedules it removed."""
    if state.scheduler is None:
        return []
    return await state.scheduler.sync_workflow(workflow_id, [parse_spec(r) for r in raw])

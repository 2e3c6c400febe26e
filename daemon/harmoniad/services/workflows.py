"""Stored workflow definitions and templates, for the routes and the tools alike.

Documents are parsed and checked off the event loop (`off_the_loop`); a request that fails
writes nothing: the loader refuses a bad document before the catalog is touched, and an unknown
id is refused before the catalog's lock is taken (see `WorkflowDefinitions`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import anyio

from harmonia.errors import NotFound, Problem, ValidationFailed
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow, unknown_input_message
from harmoniad.bodies import off_the_loop
from harmoniad.context import DaemonState
from harmoniad.views import workflow_view

__all__ = [
    "check_document",
    "delete_workflow",
    "get_workflow",
    "instantiate_template",
    "list_workflows",
    "replace_workflow",
    "store_workflow",
]


async def check_document(state: DaemonState, document: Mapping[str, Any], source: str) -> Workflow:
    """A workflow document checked by the loader as `harmonia validate` checks a file."""
    registry = state.engine.registry
    return await off_the_loop(
        state, lambda: load_workflow_dict(document, source=source, registry=registry)
    )


async def store_workflow(
    state: DaemonState, workflow: Workflow, *, template: bool
) -> dict[str, Any]:
    """Store a checked workflow under a new id; its `WorkflowInfo`."""
    row = await off_the_loop(
        state, lambda: state.definitions.add(workflow.to_document(), template=template)
    )
    return workflow_view(row)


async def replace_workflow(
    state: DaemonState, workflow_id: str, workflow: Workflow, *, template: bool | None
) -> dict[str, Any]:
    """Replace a stored definition (the template flag changes only when given)."""
    row = await off_the_loop(
        state,
        lambda: state.definitions.replace(workflow_id, workflow.to_document(), template=template),
    )
    return workflow_view(row)


async def delete_workflow(state: DaemonState, workflow_id: str) -> None:
    await anyio.to_thread.run_sync(state.definitions.delete, workflow_id)


async def get_workflow(
    state: DaemonState, workflow_id: str, *, template: bool | None = None
) -> dict[str, Any]:
    """A stored definition with its `document` (`template=True`: it must be a template)."""
    row = await off_the_loop(state, lambda: state.definitions.get(workflow_id))
    if template and not row["template"]:
        raise NotFound(f"workflow {workflow_id!r} is not a template")
    return row


async def list_workflows(
    state: DaemonState, *, template: bool | None, offset: int, limit: int
) -> dict[str, Any]:
    """A page of stored definitions' info, newest first."""
    rows = await anyio.to_thread.run_sync(lambda: state.definitions.list(template=template))
    items = [workflow_view(r) for r in rows[offset : offset + limit]]
    return {"items": items, "total": len(rows), "limit": limit, "offset": offset}


async def instantiate_template(
    state: DaemonState, template_id: str, *, name: str | None, input: Mapping[str, Any]
) -> dict[str, Any]:
    """A new (non-template) workflow: the template with the given input defaults and name."""
    template = await get_workflow(state, template_id, template=True)
    source = f"template {template['id']}"
    registry = state.engine.registry

    def instantiate() -> dict[str, Any]:
        document = with_input_defaults(template["document"], input, name)
        workflow = load_workflow_dict(document, source=source, registry=registry)
        return state.definitions.add(workflow.to_document(), template=False)

    return workflow_view(await off_the_loop(state, instantiate))


def with_input_defaults(
    document: Mapping[str, Any], values: Mapping[str, Any], name: str | None
) -> dict[str, Any]:
    """A copy of `document` whose declared inputs default to `values` (each must be declared)."""
    doc = copy.deepcopy(dict(document))
    declared: dict[str, Any] = doc.setdefault("input", {})
    problems = []
    for key, value in values.items():
        if key not in declared:
            problems.append(
                Problem(unknown_input_message(key, list(declared)), field=f"input.{key}")
            )
        else:
            declared[key] = {**declared[key], "default": value}
    if problems:
        raise ValidationFailed(problems=problems)
    if not declared:
        del doc["input"]
    if name is not None:
        doc["name"] = name
    return doc

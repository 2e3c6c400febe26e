"""Stored templates, for the routes and the tools alike: import, list, get, delete, and
instantiate into a stored workflow (with its origin). Blocking store work runs off the loop;
a request that fails writes nothing (`harmonia.store.templates`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio

from harmonia.loader.templates import Template, load_template_dict
from harmonia.store.templates import Templates
from harmoniad.bodies import off_the_loop
from harmoniad.context import DaemonState
from harmoniad.services.workflows import sync_schedules
from harmoniad.views import workflow_view

__all__ = [
    "check_template",
    "delete_template",
    "get_template",
    "import_template",
    "instantiate_template",
    "list_templates",
]


def _templates(state: DaemonState) -> Templates:
    return Templates(state.definitions)


async def check_template(state: DaemonState, document: Mapping[str, Any], source: str) -> Template:
    """A template document checked as `harmonia validate` checks a template file."""
    registry = state.engine.registry
    return await off_the_loop(
        state, lambda: load_template_dict(document, source=source, registry=registry)
    )


async def import_template(
    state: DaemonState, template: Template, *, replace: bool = False
) -> dict[str, Any]:
    """Store a checked template; its info row (a name already taken: 409 unless `replace`)."""
    return await off_the_loop(state, lambda: _templates(state).add(template, replace=replace))


async def list_templates(state: DaemonState) -> list[dict[str, Any]]:
    """Every template's info row, newest first."""
    return await anyio.to_thread.run_sync(_templates(state).list)


async def get_template(state: DaemonState, name_or_id: str) -> dict[str, Any]:
    """A template (by id or name) with its `document`."""
    return await off_the_loop(state, lambda: _templates(state).get(name_or_id))


async def delete_template(state: DaemonState, name_or_id: str) -> None:
    await anyio.to_thread.run_sync(_templates(state).delete, name_or_id)


async def instantiate_template(
    state: DaemonState,
    name_or_id: str,
    values: Mapping[str, Any],
    *,
    name: str | None = None,
) -> dict[str, Any]:
    """Check the values, make the workflow and store it with its origin: its `WorkflowInfo`
    (with `origin`). Every bad value is named at once (`ValidationFailed`)."""
    registry = state.engine.registry
    row = await off_the_loop(
        state,
        lambda: _templates(state).instantiate(name_or_id, dict(values), registry, name=name),
    )
    stored = await off_the_loop(state, lambda: state.definitions.get(row["id"]))
    await sync_schedules(state, row["id"], stored["document"].get("schedules") or [])
    return workflow_view(row)

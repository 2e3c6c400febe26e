"""Stored workflow definitions: `/api/v1/workflows` (templates: `routes.templates`).

Listings read the catalog's info rows (no documents); a definition's document is read from its
own file, like every document, off the event loop (`off_the_loop`). A request that fails writes
nothing: an unknown id is refused before the catalog's lock is taken.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from harmonia.errors import NotFound
from harmoniad.bodies import off_the_loop, query_params, workflow_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import Endpoint
from harmoniad.schemas import PageQuery, WorkflowDetail, WorkflowInfo, WorkflowList
from harmoniad.views import workflow_view

__all__ = ["ENDPOINTS"]


async def create_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow = await workflow_body(request, state.engine.registry)
    row = await off_the_loop(state, lambda: state.definitions.add(workflow.to_document()))
    return JSONResponse(workflow_view(row), status_code=201)


async def list_workflows(request: Request) -> Response:
    return await _listing(request)


async def get_workflow(request: Request) -> Response:
    row = await _get(request)
    return JSONResponse(workflow_view(row))


async def replace_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    await _get(request)  # a template is not replaced through here
    workflow = await workflow_body(request, state.engine.registry)
    row = await off_the_loop(
        state, lambda: state.definitions.replace(workflow_id, workflow.to_document())
    )
    return JSONResponse(workflow_view(row))


async def delete_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    await _get(request)  # a template is deleted through /api/v1/templates
    await anyio.to_thread.run_sync(state.definitions.delete, workflow_id)
    return NoContent()


async def _listing(request: Request) -> Response:
    state = daemon_state(request)
    page = query_params(request, PageQuery)
    rows = await anyio.to_thread.run_sync(lambda: state.definitions.list(template=False))
    items = [workflow_view(r) for r in rows[page.offset : page.offset + page.limit]]
    return JSONResponse(
        {"items": items, "total": len(rows), "limit": page.limit, "offset": page.offset}
    )


async def _get(request: Request) -> dict[str, Any]:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    row = await off_the_loop(state, lambda: state.definitions.get(workflow_id))
    if row["template"]:
        raise NotFound(f"{workflow_id!r} is a template: see /api/v1/templates/{workflow_id}")
    return row


_WRITE_ERRORS = (401, 403, 413, 415, 422)

ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/workflows",
        create_workflow,
        "Store a workflow definition",
        "workflows",
        {201: WorkflowInfo},
        _WRITE_ERRORS,
        body="workflow",
        description="The body is the workflow file, as YAML or JSON; it is validated as "
        "`harmonia validate` does (a template goes to /api/v1/templates).",
    ),
    Endpoint(
        "GET",
        "/api/v1/workflows",
        list_workflows,
        "List stored workflows, newest first",
        "workflows",
        {200: WorkflowList},
        (401, 403, 422),
        query=PageQuery,
    ),
    Endpoint(
        "GET",
        "/api/v1/workflows/{id}",
        get_workflow,
        "A stored workflow with its document",
        "workflows",
        {200: WorkflowDetail},
        (401, 403, 404),
    ),
    Endpoint(
        "PUT",
        "/api/v1/workflows/{id}",
        replace_workflow,
        "Replace a stored workflow's definition",
        "workflows",
        {200: WorkflowInfo},
        (*_WRITE_ERRORS, 404),
        body="workflow",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/workflows/{id}",
        delete_workflow,
        "Delete a stored workflow (its executions stay)",
        "workflows",
        {204: None},
        (401, 403, 404),
    ),
]

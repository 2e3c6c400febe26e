"""Stored workflow definitions: `/api/v1/workflows` (templates: `routes.templates`).

Listings read the catalog's info rows (no documents); a definition's document is read from its
own file, like every document, off the event loop (`off_the_loop`). A request that fails writes
nothing: an unknown id is refused before the catalog's lock is taken.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import query_params, workflow_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import (
    LOOKUP_ERRORS,
    Endpoint,
    listing_endpoint,
    lookup_endpoint,
)
from harmoniad.schemas import (
    PageQuery,
    WorkflowDeleted,
    WorkflowDetail,
    WorkflowInfo,
    WorkflowList,
)
from harmoniad.services import workflows as service
from harmoniad.views import workflow_view

__all__ = ["ENDPOINTS"]


async def create_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow = await workflow_body(request, state.engine.registry)
    return JSONResponse(await service.store_workflow(state, workflow), status_code=201)


async def list_workflows(request: Request) -> Response:
    page = query_params(request, PageQuery)
    listing = await service.list_workflows(
        daemon_state(request), offset=page.offset, limit=page.limit
    )
    return JSONResponse(listing)


async def get_workflow(request: Request) -> Response:
    row = await service.get_workflow(daemon_state(request), request.path_params["id"])
    return JSONResponse(workflow_view(row))


async def replace_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow = await workflow_body(request, state.engine.registry)
    info = await service.replace_workflow(state, request.path_params["id"], workflow)
    return JSONResponse(info)


async def delete_workflow(request: Request) -> Response:
    return JSONResponse(
        await service.delete_workflow(daemon_state(request), request.path_params["id"])
    )


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
    listing_endpoint(
        "/api/v1/workflows",
        list_workflows,
        "List stored workflows, newest first",
        "workflows",
        WorkflowList,
        query=PageQuery,
    ),
    lookup_endpoint(
        "/api/v1/workflows/{id}",
        get_workflow,
        "A stored workflow with its document",
        "workflows",
        WorkflowDetail,
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
        {200: WorkflowDeleted},
        (*LOOKUP_ERRORS, 409),
        description="Refused (409, the message naming them) while inbound hooks start the "
        "workflow: delete them first. The answer names its schedules: those of its file "
        "removed, those made through the API disabled.",
    ),
]

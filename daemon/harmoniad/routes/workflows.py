"""Stored workflow definitions and templates: `/api/v1/workflows`, `/api/v1/templates`.

Listings read the catalog's info rows (no documents); a definition's document is read from its
own file, like every document, off the event loop (`off_the_loop`). A request that fails writes
nothing: an unknown id is refused before the catalog's lock is taken.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import json_body, query_params, workflow_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import Endpoint
from harmoniad.schemas import (
    PageQuery,
    TemplateInstantiate,
    WorkflowDetail,
    WorkflowInfo,
    WorkflowList,
    WorkflowWriteQuery,
)
from harmoniad.services import workflows as service
from harmoniad.views import workflow_view

__all__ = ["ENDPOINTS"]


async def create_workflow(request: Request) -> Response:
    state = daemon_state(request)
    query = query_params(request, WorkflowWriteQuery)
    workflow = await workflow_body(request, state.engine.registry)
    info = await service.store_workflow(state, workflow, template=bool(query.template))
    return JSONResponse(info, status_code=201)


async def list_workflows(request: Request) -> Response:
    return await _listing(request, template=None)


async def get_workflow(request: Request) -> Response:
    row = await service.get_workflow(daemon_state(request), request.path_params["id"])
    return JSONResponse(workflow_view(row))


async def replace_workflow(request: Request) -> Response:
    state = daemon_state(request)
    query = query_params(request, WorkflowWriteQuery)
    workflow = await workflow_body(request, state.engine.registry)
    info = await service.replace_workflow(
        state, request.path_params["id"], workflow, template=query.template
    )
    return JSONResponse(info)


async def delete_workflow(request: Request) -> Response:
    await service.delete_workflow(daemon_state(request), request.path_params["id"])
    return NoContent()


async def list_templates(request: Request) -> Response:
    return await _listing(request, template=True)


async def get_template(request: Request) -> Response:
    state = daemon_state(request)
    row = await service.get_workflow(state, request.path_params["id"], template=True)
    return JSONResponse(workflow_view(row))


async def instantiate_template(request: Request) -> Response:
    """A new (non-template) workflow: the template with the given input defaults and name."""
    state = daemon_state(request)
    body = await json_body(request, TemplateInstantiate, required=False)
    info = await service.instantiate_template(
        state, request.path_params["id"], name=body.name, input=body.input
    )
    return JSONResponse(info, status_code=201)


async def _listing(request: Request, *, template: bool | None) -> Response:
    page = query_params(request, PageQuery)
    listing = await service.list_workflows(
        daemon_state(request), template=template, offset=page.offset, limit=page.limit
    )
    return JSONResponse(listing)


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
        query=WorkflowWriteQuery,
        description="The body is the workflow file, as YAML or JSON; it is validated as "
        "`harmonia validate` does. `?template=true` stores it as a template.",
    ),
    Endpoint(
        "GET",
        "/api/v1/workflows",
        list_workflows,
        "List stored workflows (templates included), newest first",
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
        query=WorkflowWriteQuery,
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
    Endpoint(
        "GET",
        "/api/v1/templates",
        list_templates,
        "List stored templates, newest first",
        "templates",
        {200: WorkflowList},
        (401, 403, 422),
        query=PageQuery,
    ),
    Endpoint(
        "GET",
        "/api/v1/templates/{id}",
        get_template,
        "A stored template with its document",
        "templates",
        {200: WorkflowDetail},
        (401, 403, 404),
    ),
    Endpoint(
        "POST",
        "/api/v1/templates/{id}/instantiate",
        instantiate_template,
        "Store a new workflow made from a template, with new input defaults",
        "templates",
        {201: WorkflowInfo},
        (401, 403, 404, 413, 415, 422),
        body="json",
        body_model=TemplateInstantiate,
        body_required=False,
    ),
]

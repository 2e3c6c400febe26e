"""Stored workflow definitions and templates: `/api/v1/workflows`, `/api/v1/templates`.

Listings read the catalog's info rows (no documents); a definition's document is read from its
own file, like every document, off the event loop (`off_the_loop`). A request that fails writes
nothing: an unknown id is refused before the catalog's lock is taken.
"""

from __future__ import annotations

import copy
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from harmonia.errors import NotFound, Problem, ValidationFailed
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow, unknown_input_message
from harmoniad.bodies import json_body, off_the_loop, query_params, workflow_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routes.schedules import sync_document_schedules
from harmoniad.routing import Endpoint
from harmoniad.schemas import (
    PageQuery,
    TemplateInstantiate,
    WorkflowDetail,
    WorkflowInfo,
    WorkflowList,
    WorkflowWriteQuery,
)
from harmoniad.views import workflow_view

__all__ = ["ENDPOINTS"]


async def create_workflow(request: Request) -> Response:
    state = daemon_state(request)
    query = query_params(request, WorkflowWriteQuery)
    workflow = await workflow_body(request, state.engine.registry)
    row = await off_the_loop(
        state, lambda: state.definitions.add(workflow.to_document(), template=bool(query.template))
    )
    await sync_document_schedules(request, row["id"], _schedules(row, workflow))
    return JSONResponse(workflow_view(row), status_code=201)


async def list_workflows(request: Request) -> Response:
    return await _listing(request, template=None)


async def get_workflow(request: Request) -> Response:
    row = await _get(request, template=None)
    return JSONResponse(workflow_view(row))


async def replace_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    query = query_params(request, WorkflowWriteQuery)
    workflow = await workflow_body(request, state.engine.registry)
    row = await off_the_loop(
        state,
        lambda: state.definitions.replace(
            workflow_id, workflow.to_document(), template=query.template
        ),
    )
    await sync_document_schedules(request, workflow_id, _schedules(row, workflow))
    return JSONResponse(workflow_view(row))


async def delete_workflow(request: Request) -> Response:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    await anyio.to_thread.run_sync(state.definitions.delete, workflow_id)
    await sync_document_schedules(request, workflow_id, [])
    return NoContent()


async def list_templates(request: Request) -> Response:
    return await _listing(request, template=True)


async def get_template(request: Request) -> Response:
    row = await _get(request, template=True)
    return JSONResponse(workflow_view(row))


async def instantiate_template(request: Request) -> Response:
    """A new (non-template) workflow: the template with the given input defaults and name."""
    state = daemon_state(request)
    body = await json_body(request, TemplateInstantiate, required=False)
    template = await _get(request, template=True)
    source = f"template {template['id']}"

    def instantiate() -> tuple[dict[str, Any], Workflow]:
        document = _instantiated(template["document"], body)
        workflow = load_workflow_dict(document, source=source, registry=state.engine.registry)
        return state.definitions.add(workflow.to_document(), template=False), workflow

    row, workflow = await off_the_loop(state, instantiate)
    await sync_document_schedules(request, row["id"], _schedules(row, workflow))
    return JSONResponse(workflow_view(row), status_code=201)


def _schedules(row: dict[str, Any], workflow: Workflow) -> list[dict[str, Any]]:
    """A stored workflow's schedules: its file's, but none for a template (its instances
    run; the template itself is never started by a clock)."""
    return [] if row.get("template") else workflow.schedules


def _instantiated(document: dict[str, Any], body: TemplateInstantiate) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    declared: dict[str, Any] = doc.setdefault("input", {})
    problems = []
    for name, value in body.input.items():
        if name not in declared:
            message = unknown_input_message(name, list(declared))
            problems.append(Problem(message, field=f"input.{name}"))
        else:
            declared[name] = {**declared[name], "default": value}
    if problems:
        raise ValidationFailed(problems=problems)
    if not declared:
        del doc["input"]
    if body.name is not None:
        doc["name"] = body.name
    return doc


async def _listing(request: Request, *, template: bool | None) -> Response:
    state = daemon_state(request)
    page = query_params(request, PageQuery)
    rows = await anyio.to_thread.run_sync(lambda: state.definitions.list(template=template))
    items = [workflow_view(r) for r in rows[page.offset : page.offset + page.limit]]
    return JSONResponse(
        {"items": items, "total": len(rows), "limit": page.limit, "offset": page.offset}
    )


async def _get(request: Request, *, template: bool | None) -> dict[str, Any]:
    state = daemon_state(request)
    workflow_id = request.path_params["id"]
    row = await off_the_loop(state, lambda: state.definitions.get(workflow_id))
    if template and not row["template"]:
        raise NotFound(f"workflow {workflow_id!r} is not a template")
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

"""Templates: `/api/v1/templates` (import, list, show, delete) and `.../{name}/instantiate`.

A template is named by its id or its (unique) name. Instantiating checks the values against
the declared parameters (a 422 naming every bad one at once), substitutes them, loads the
result as any workflow and stores it with its origin. A request that fails writes nothing:
every check runs before the store is touched.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from harmonia.store.templates import Templates
from harmoniad.bodies import json_body, off_the_loop, query_params, template_body
from harmoniad.context import DaemonState, daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import Endpoint
from harmoniad.schemas import PageQuery
from harmoniad.template_schemas import (
    InstantiatedWorkflow,
    TemplateDetail,
    TemplateInfo,
    TemplateInstantiate,
    TemplateList,
    TemplateWriteQuery,
)
from harmoniad.views import workflow_view

__all__ = ["ENDPOINTS"]

INFO_FIELDS = tuple(TemplateInfo.model_fields)


def _templates(state: DaemonState) -> Templates:
    return Templates(state.definitions)


def template_view(row: dict[str, Any]) -> dict[str, Any]:
    """A stored template row as the API shows it (no `template` flag: they all are)."""
    view = workflow_view({k: row.get(k) for k in INFO_FIELDS})
    if "document" in row:
        document = row["document"]
        view["parameters"] = document.get("parameters", {}) if document.get("kind") else {}
        view["document"] = document
    return view


async def create_template(request: Request) -> Response:
    state = daemon_state(request)
    query = query_params(request, TemplateWriteQuery)
    template = await template_body(request, state.engine.registry)
    row = await off_the_loop(state, lambda: _templates(state).add(template, replace=query.replace))
    return JSONResponse(template_view(row), status_code=201)


async def list_templates(request: Request) -> Response:
    state = daemon_state(request)
    page = query_params(request, PageQuery)
    rows = await anyio.to_thread.run_sync(_templates(state).list)
    items = [template_view(r) for r in rows[page.offset : page.offset + page.limit]]
    return JSONResponse(
        {"items": items, "total": len(rows), "limit": page.limit, "offset": page.offset}
    )


async def get_template(request: Request) -> Response:
    state = daemon_state(request)
    name = request.path_params["name"]
    row = await off_the_loop(state, lambda: _templates(state).get(name))
    return JSONResponse(template_view(row))


async def delete_template(request: Request) -> Response:
    state = daemon_state(request)
    name = request.path_params["name"]
    await anyio.to_thread.run_sync(_templates(state).delete, name)
    return NoContent()


async def instantiate_template(request: Request) -> Response:
    """A new stored workflow: the template with the given parameter values."""
    state = daemon_state(request)
    body = await json_body(request, TemplateInstantiate, required=False)
    name = request.path_params["name"]
    registry = state.engine.registry
    row = await off_the_loop(
        state,
        lambda: _templates(state).instantiate(name, body.parameters, registry, name=body.name),
    )
    return JSONResponse(workflow_view(row), status_code=201)


_NAME_ERRORS = (401, 403, 404)

ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/templates",
        create_template,
        "Import a template",
        "templates",
        {201: TemplateInfo},
        (401, 403, 409, 413, 415, 422),
        body="template",
        query=TemplateWriteQuery,
        description="The body is the template file (`kind: template`, `parameters`, "
        "`workflow`), as YAML or JSON, checked as `harmonia validate` does. A name already "
        "taken is a 409 unless `?replace=true`.",
    ),
    Endpoint(
        "GET",
        "/api/v1/templates",
        list_templates,
        "List stored templates, newest first",
        "templates",
        {200: TemplateList},
        (401, 403, 422),
        query=PageQuery,
    ),
    Endpoint(
        "GET",
        "/api/v1/templates/{name}",
        get_template,
        "A template (by id or name) with its parameters and document",
        "templates",
        {200: TemplateDetail},
        _NAME_ERRORS,
    ),
    Endpoint(
        "DELETE",
        "/api/v1/templates/{name}",
        delete_template,
        "Delete a template (workflows made from it stay)",
        "templates",
        {204: None},
        _NAME_ERRORS,
    ),
    Endpoint(
        "POST",
        "/api/v1/templates/{name}/instantiate",
        instantiate_template,
        "Store a new workflow made from a template with the given parameter values",
        "templates",
        {201: InstantiatedWorkflow},
        (*_NAME_ERRORS, 413, 415, 422),
        body="json",
        body_model=TemplateInstantiate,
        body_required=False,
        description="Every bad value is reported at once: a 422 whose `details` name each "
        "parameter (`field`: `parameters.NAME`); then the workflow the values make is "
        "validated as any workflow. Nothing is stored unless all is well.",
    ),
]

"""Templates: `/api/v1/templates` (import, list, show, delete) and `.../{name}/instantiate`.

A template is named by its id or its (unique) name. Instantiating checks the values against
the declared parameters (a 422 naming every bad one at once), substitutes them, loads the
result as any workflow and stores it with its origin. A request that fails writes nothing:
every check runs before the store is touched.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import json_body, query_params, template_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import (
    LOOKUP_ERRORS,
    Endpoint,
    action_endpoint,
    delete_endpoint,
    listing_endpoint,
    lookup_endpoint,
)
from harmoniad.schemas import PageQuery
from harmoniad.services import templates as service
from harmoniad.template_schemas import (
    InstantiatedWorkflow,
    TemplateDetail,
    TemplateInfo,
    TemplateInstantiate,
    TemplateList,
    TemplateWriteQuery,
)
from harmoniad.views import page_of, workflow_view

__all__ = ["ENDPOINTS"]

INFO_FIELDS = tuple(TemplateInfo.model_fields)


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
    row = await service.import_template(state, template, replace=query.replace)
    return JSONResponse(template_view(row), status_code=201)


async def list_templates(request: Request) -> Response:
    page = query_params(request, PageQuery)
    rows = await service.list_templates(daemon_state(request))
    return JSONResponse(page_of(rows, template_view, offset=page.offset, limit=page.limit))


async def get_template(request: Request) -> Response:
    row = await service.get_template(daemon_state(request), request.path_params["name"])
    return JSONResponse(template_view(row))


async def delete_template(request: Request) -> Response:
    await service.delete_template(daemon_state(request), request.path_params["name"])
    return NoContent()


async def instantiate_template(request: Request) -> Response:
    """A new stored workflow: the template with the given parameter values."""
    state = daemon_state(request)
    body = await json_body(request, TemplateInstantiate, required=False)
    info = await service.instantiate_template(
        state, request.path_params["name"], body.parameters, name=body.name
    )
    return JSONResponse(info, status_code=201)


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
    listing_endpoint(
        "/api/v1/templates",
        list_templates,
        "List stored templates, newest first",
        "templates",
        TemplateList,
        query=PageQuery,
    ),
    lookup_endpoint(
        "/api/v1/templates/{name}",
        get_template,
        "A template (by id or name) with its parameters and document",
        "templates",
        TemplateDetail,
    ),
    delete_endpoint(
        "/api/v1/templates/{name}",
        delete_template,
        "Delete a template (workflows made from it stay)",
        "templates",
    ),
    action_endpoint(
        "/api/v1/templates/{name}/instantiate",
        instantiate_template,
        "Store a new workflow made from a template with the given parameter values",
        "templates",
        {201: InstantiatedWorkflow},
        TemplateInstantiate,
        errors=(*LOOKUP_ERRORS, 413, 415, 422),
        description="Every bad value is reported at once: a 422 whose `details` name each "
        "parameter (`field`: `parameters.NAME`); then the workflow the values make is "
        "validated as any workflow. Nothing is stored unless all is well.",
    ),
]

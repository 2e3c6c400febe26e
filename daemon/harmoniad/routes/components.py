"""The components workflows may call, with each action's input schema."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmonia.components import UnknownComponent
from harmonia.errors import NotFound
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.schemas import ActionList, ComponentList

__all__ = ["ENDPOINTS"]


async def list_components(request: Request) -> Response:
    registry = daemon_state(request).engine.registry
    return JSONResponse({"items": registry.describe()})


async def list_actions(request: Request) -> Response:
    registry = daemon_state(request).engine.registry
    name = request.path_params["name"]
    try:
        component = registry.get(name)
    except UnknownComponent as exc:
        raise NotFound(str(exc)) from None
    return JSONResponse({"items": component.describe()["actions"]})


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v1/components",
        list_components,
        "The components workflows may call",
        "components",
        {200: ComponentList},
        (401, 403),
    ),
    Endpoint(
        "GET",
        "/api/v1/components/{name}/actions",
        list_actions,
        "One component's actions, with their input schemas",
        "components",
        {200: ActionList},
        (401, 403, 404),
    ),
]

"""The components workflows may call, with each action's input schema: built-in ones, installed
packages' ones, and remote ones (asked now for their health and tools, within short time-outs:
see `harmonia.components.registry`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import listing_endpoint, lookup_endpoint
from harmoniad.schemas import ActionList, ComponentInfo, ComponentList

__all__ = ["ENDPOINTS"]


async def list_components(request: Request) -> Response:
    registry = daemon_state(request).engine.registry
    return JSONResponse({"items": await registry.describe_all()})


async def get_component(request: Request) -> Response:
    registry = daemon_state(request).engine.registry
    return JSONResponse(await registry.describe_one(request.path_params["name"]))


async def list_actions(request: Request) -> Response:
    registry = daemon_state(request).engine.registry
    return JSONResponse({"items": await registry.actions(request.path_params["name"])})


ENDPOINTS = [
    listing_endpoint(
        "/api/v1/components",
        list_components,
        "Every component workflows may call: kind, endpoint, health and actions",
        "components",
        ComponentList,
        errors=(401, 403),
    ),
    lookup_endpoint(
        "/api/v1/components/{name}",
        get_component,
        "One component, as the list shows it (404 says where Harmonia looked)",
        "components",
        ComponentInfo,
    ),
    lookup_endpoint(
        "/api/v1/components/{name}/actions",
        list_actions,
        "One component's actions, with their input schemas (a remote tool's parameters too)",
        "components",
        ActionList,
    ),
]

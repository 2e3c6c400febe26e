"""Inbound hooks: `/api/v1/hooks` (list, create, show, delete, rotate: with the token) and
`POST /api/v1/hooks/{name}` (a delivery: no token, its HMAC signature is the credential).

The delivery path is the only one a hook's secret opens, and it only starts the hook's
workflow with the body as input (`harmoniad.security` lets nothing else through unsigned).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import iso_time
from harmonia.signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from harmoniad.bodies import json_body
from harmoniad.hook_schemas import (
    Hook,
    HookCreate,
    HookDelivered,
    HookList,
    HookRotate,
    HookSecret,
)
from harmoniad.hooks.service import HookService
from harmoniad.hooks.store import HookRecord
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import (
    Endpoint,
    HeaderParam,
    action_endpoint,
    delete_endpoint,
    listing_endpoint,
    lookup_endpoint,
)

__all__ = ["DELIVERY_PATH", "ENDPOINTS", "hook_view"]

_PATH = "/api/v1/hooks"
DELIVERY_PATH = f"{_PATH}/{{name}}"


def hook_service(request: Request) -> HookService:
    service = request.app.state.hooks
    assert isinstance(service, HookService), "create_app sets up the hooks"
    return service


def hook_view(
    record: HookRecord, *, secret: bool = False, activity: dict[str, Any] | None = None
) -> dict[str, Any]:
    view = {
        "name": record.name,
        "workflow_id": record.workflow_id,
        "input_map": record.input_map,
        "window": record.window,
        "description": record.description,
        "created_at": iso_time(record.created_at),
        "rotated_at": None if record.rotated_at is None else iso_time(record.rotated_at),
        "path": f"{_PATH}/{record.name}",
        "deliveries": (activity or {}).get("deliveries", 0),
        "last_delivery": (activity or {}).get("last_delivery"),
    }
    if secret:
        view["secret"] = record.secret
    return view


async def list_hooks(request: Request) -> Response:
    service = hook_service(request)
    hooks, activity = await service.list(), await service.activity()
    return JSONResponse({"items": [hook_view(r, activity=activity.get(r.name)) for r in hooks]})


async def create_hook(request: Request) -> Response:
    body = await json_body(request, HookCreate)
    record = await hook_service(request).create(
        body.name,
        body.workflow_id,
        input_map=body.input_map,
        window=body.window,
        description=body.description,
    )
    return JSONResponse(hook_view(record, secret=True), status_code=201)


async def get_hook(request: Request) -> Response:
    service = hook_service(request)
    record = await service.get(request.path_params["name"])
    activity = (await service.activity()).get(record.name)
    return JSONResponse(hook_view(record, activity=activity))


async def delete_hook(request: Request) -> Response:
    await hook_service(request).delete(request.path_params["name"])
    return NoContent()


async def rotate_hook_secret(request: Request) -> Response:
    await json_body(request, HookRotate, required=False)
    service = hook_service(request)
    record = await service.rotate(request.path_params["name"])
    activity = (await service.activity()).get(record.name)
    return JSONResponse(hook_view(record, secret=True, activity=activity))


async def deliver_to_hook(request: Request) -> Response:
    name = request.path_params["name"]
    body = await request.body()
    headers = dict(request.headers.items())  # lower-case names
    execution_id, replayed = await hook_service(request).deliver(name, headers, body)
    answer = {
        "hook": name,
        "delivery_id": headers[DELIVERY_HEADER.lower()],
        "execution_id": execution_id,
        "replayed": replayed,
    }
    return JSONResponse(answer, status_code=200 if replayed else 201)


ENDPOINTS = [
    listing_endpoint(_PATH, list_hooks, "List inbound hooks (without secrets)", "hooks", HookList),
    Endpoint(
        "POST",
        _PATH,
        create_hook,
        "Create an inbound hook; its secret is in this answer only",
        "hooks",
        {201: HookSecret},
        (401, 403, 404, 409, 413, 415, 422),
        body="json",
        body_model=HookCreate,
        description="An unknown `workflow_id` is a 404, a name in use a 409, a bad name or "
        "an `input_map` naming inputs the workflow does not declare a 422; nothing is stored.",
    ),
    lookup_endpoint(DELIVERY_PATH, get_hook, "An inbound hook (without its secret)", "hooks", Hook),
    delete_endpoint(DELIVERY_PATH, delete_hook, "Delete an inbound hook (its runs stay)", "hooks"),
    action_endpoint(
        f"{DELIVERY_PATH}/rotate",
        rotate_hook_secret,
        "Give a hook a new secret (the old one stops working at once)",
        "hooks",
        {200: HookSecret},
        HookRotate,
        errors=(401, 403, 404, 413, 415, 422),
    ),
    Endpoint(
        "POST",
        DELIVERY_PATH,
        deliver_to_hook,
        "Deliver to a hook: start its workflow with the signed JSON body as input",
        "hooks",
        {201: HookDelivered, 200: HookDelivered},
        (400, 401, 403, 404, 409, 413, 422),
        headers=(
            HeaderParam(SIGNATURE_HEADER, "`sha256=` and the hex HMAC-SHA256, keyed with the "
                        "hook's secret, of `{timestamp}.{raw body}`."),
            HeaderParam(TIMESTAMP_HEADER, "Unix seconds when it was signed.", r"^[0-9]{1,12}$"),
            HeaderParam(DELIVERY_HEADER, "One id per delivery; a retry sends the same one.",
                        r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"),
        ),
        public=True,
        description="No bearer token: the signature is the credential. A wrong or missing "
        "signature or a timestamp outside the hook's window is a 401 (`details.reason`), a "
        "body that is not JSON a 400, an input the workflow does not take a 422; nothing is "
        "recorded. A delivery id accepted before answers 200 with the execution it started.",
    ),
]  # fmt: skip

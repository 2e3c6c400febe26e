"""The route table: one `Endpoint` per method and path, read by the router, `/discovery` and the
OpenAPI generator alike, so the three can never disagree about what the daemon serves.

All methods of one path share one Starlette `Route`, so that a method the path does not have
gets a 405 whose `Allow` header names every method it does have.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from harmonia.errors import NotFound
from harmoniad.errors import ApiError

__all__ = [
    "ACTION_ERRORS",
    "LISTING_ERRORS",
    "LOOKUP_ERRORS",
    "PATH_PARAM_PATTERN",
    "Endpoint",
    "Handler",
    "HeaderParam",
    "SocketEndpoint",
    "action_endpoint",
    "delete_endpoint",
    "listing_endpoint",
    "lookup_endpoint",
    "routes_for",
    "valid_path_param",
]

PATH_PARAM_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}(\[[0-9]{1,9}\])?$"
"""What ids in paths look like (execution, workflow, checkpoint, task and component ids, and
a `for_each` item's `TASK[i]`); any other value names nothing (404) and never reaches the
store as a file name."""
_PATH_PARAM = re.compile(PATH_PARAM_PATTERN)

Handler = Callable[[Request], Awaitable[Response]]

BodyKind = Literal["json", "workflow", "template"]
"""`json`: a JSON object validated by `body_model`; `workflow`: a workflow file (YAML or JSON);
`template`: a template file (`kind: template`, YAML or JSON)."""

Answer = type[BaseModel] | Literal["sse", "object"] | None
"""What a status answers with: a model (JSON), an event stream, any JSON object, or nothing."""


@dataclass(frozen=True)
class HeaderParam:
    name: str
    description: str
    pattern: str | None = None


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    responses: dict[int, Answer]
    errors: tuple[int, ...] = ()
    body: BodyKind | None = None
    body_model: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    headers: tuple[HeaderParam, ...] = ()
    public: bool = False
    """Served without a token (only /health)."""
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__.strip("_")

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{([^}:]+)", self.path)


ACTION_ERRORS = (401, 403, 404, 409, 413, 415, 422)
"""An action's refusals: the thing is unknown (404), the action does not apply to its state
(409), the body is too large, not JSON or not valid (413, 415, 422)."""


def action_endpoint(
    path: str,
    handler: Handler,
    summary: str,
    tag: str,
    responses: dict[int, Answer],
    body_model: type[BaseModel],
    *,
    errors: tuple[int, ...] = ACTION_ERRORS,
    body_required: bool = False,
    description: str = "",
) -> Endpoint:
    """A POST that acts on one existing thing (an execution, a task, a checkpoint, a schedule,
    a hook) with a JSON body of options, which may be left out unless `body_required`."""
    return Endpoint(
        "POST",
        path,
        handler,
        summary,
        tag,
        responses,
        errors,
        body="json",
        body_model=body_model,
        body_required=body_required,
        description=description,
    )


LISTING_ERRORS = (401, 403, 422)
"""A listing's refusals: no or a wrong token, a host not allowed, a bad query string."""

LOOKUP_ERRORS = (401, 403, 404)
"""Refusals of a request for one thing by its id or name: the token, the host, no such thing."""


def listing_endpoint(
    path: str,
    handler: Handler,
    summary: str,
    tag: str,
    answer: type[BaseModel],
    *,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = LISTING_ERRORS,
    description: str = "",
) -> Endpoint:
    """A GET of many things (a page of them where `query` takes `offset` and `limit`)."""
    return Endpoint(
        "GET",
        path,
        handler,
        summary,
        tag,
        {200: answer},
        errors,
        query=query,
        description=description,
    )


def lookup_endpoint(
    path: str, handler: Handler, summary: str, tag: str, answer: type[BaseModel]
) -> Endpoint:
    """A GET of one thing named in the path: 404 when there is no such thing."""
    return Endpoint("GET", path, handler, summary, tag, {200: answer}, LOOKUP_ERRORS)


def delete_endpoint(
    path: str,
    handler: Handler,
    summary: str,
    tag: str,
    *,
    errors: tuple[int, ...] = LOOKUP_ERRORS,
    description: str = "",
) -> Endpoint:
    """A DELETE of one thing named in the path: 204 and no body when it is gone."""
    return Endpoint(
        "DELETE", path, handler, summary, tag, {204: None}, errors, description=description
    )


@dataclass(frozen=True)
class SocketEndpoint:
    path: str
    handler: Callable[..., Awaitable[None]]
    summary: str
    query: tuple[str, ...] = field(default=())


def routes_for(endpoints: Sequence[Endpoint], sockets: Iterable[SocketEndpoint]) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for endpoint in endpoints:
        methods = by_path.setdefault(endpoint.path, {})
        if endpoint.method in methods:
            raise ValueError(f"two endpoints for {endpoint.method} {endpoint.path}")
        methods[endpoint.method] = endpoint
    routes: list[BaseRoute] = [
        Route(path, _dispatcher(by_method), methods=list(by_method), name=path)
        for path, by_method in by_path.items()
    ]
    routes.extend(WebSocketRoute(s.path, s.handler, name=s.path) for s in sockets)
    return routes


def _kind_named(path: str, param: str) -> str:
    """What `{param}` of `path` names, said as a 404 for a well-formed id says it: `execution`
    for `/api/v1/executions/{id}` (the segment before it, singular), not `id`."""
    parts = path.split("/")
    marker = "{" + param + "}"
    if marker in parts and (at := parts.index(marker)) > 0 and parts[at - 1].endswith("s"):
        return parts[at - 1].removesuffix("s")
    return param.replace("_", " ")


def valid_path_param(value: str) -> bool:
    return bool(_PATH_PARAM.fullmatch(value)) and ".." not in value


class _dispatcher:
    """An ASGI app (so Starlette does not wrap it as a plain function) that picks the endpoint
    for the request's method; Starlette has already answered 405 for any other method.

    It also refuses what no handler would look at: a path parameter that cannot be an id (404)
    and a query string on an endpoint that takes none (422); handlers with a query model
    validate theirs, unknown parameters included."""

    def __init__(self, endpoints: dict[str, Endpoint]) -> None:
        self.endpoints = dict(endpoints)
        if "GET" in self.endpoints:
            self.endpoints.setdefault("HEAD", self.endpoints["GET"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        endpoint = self.endpoints[request.method]
        for name, value in request.path_params.items():
            if not valid_path_param(value):
                raise NotFound(f"no {_kind_named(endpoint.path, name)} {value!r}")
        if endpoint.query is None and request.query_params:
            names = ", ".join(sorted(set(request.query_params)))
            raise ApiError(
                422, f"{endpoint.method} {endpoint.path} takes no query parameters ({names})"
            )
        response = await endpoint.handler(request)
        await response(scope, receive, send)

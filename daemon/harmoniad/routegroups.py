"""The route table with groups imported on first use: a daemon start imports the endpoints (and
their request and answer models) only of the groups nearly every client calls.

A `RouteGroup` names a route module and the path prefixes its endpoints live under. Its module
is imported, and its routes built, by the first request under one of them (or by whoever asks
for every endpoint: `/discovery`, the OpenAPI document). Hooks, schedules, webhooks, templates,
components, discovery and Tekton's MCP v2 are such groups; a start paid ~10% of its imports for
them. tests/daemon/test_route_groups.py keeps each group's endpoints under its prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Router
from starlette.types import Receive, Scope, Send

from harmoniad.routing import Endpoint, SocketEndpoint, routes_for

__all__ = ["RouteGroup", "RouteTable"]


@dataclass(frozen=True)
class RouteGroup:
    module: str
    """The route module (`harmoniad.routes.hooks`); its `ENDPOINTS` are the group's."""
    prefixes: tuple[str, ...]
    """Every endpoint's path is one of these or below one (`/api/v1/hooks/{name}`)."""

    def covers(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)

    def load(self) -> list[Endpoint]:
        endpoints: list[Endpoint] = import_module(self.module).ENDPOINTS
        return endpoints


class _Public:
    """Which (method, path) of some endpoints need no token: a public path, or a public path
    with parameters (an inbound hook's delivery, whose handler checks its signature)."""

    def __init__(self, endpoints: Sequence[Endpoint]) -> None:
        public = [e for e in endpoints if e.public]
        self.paths = frozenset(e.path for e in public if not e.path_params)
        self.patterns = tuple(
            (e.method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", e.path) + "$"))
            for e in public
            if e.path_params
        )

    def __call__(self, method: str, path: str) -> bool:
        return path in self.paths or any(m == method and p.match(path) for m, p in self.patterns)


class RouteTable:
    """Endpoints imported already and groups imported on first use (`entries`, in the order
    `/discovery` and the OpenAPI document list them), and the WebSocket `sockets`: what the
    router serves, `/discovery` lists, the OpenAPI document describes and the security
    middleware lets through without a token."""

    def __init__(
        self, entries: Sequence[Endpoint | RouteGroup], sockets: Sequence[SocketEndpoint]
    ) -> None:
        eager = [e for e in entries if isinstance(e, Endpoint)]
        groups = [e for e in entries if isinstance(e, RouteGroup)]
        for group in groups:
            taken = [e.path for e in eager if group.covers(e.path)]
            if taken:
                raise ValueError(f"{group.module} covers paths served eagerly: {taken}")
        self.entries = tuple(entries)
        self.eager = eager
        self.groups = tuple(groups)
        self.sockets = tuple(sockets)
        self._public = _Public(self.eager)
        self._loaded: dict[RouteGroup, tuple[list[Endpoint], _Public]] = {}

    def _load(self, group: RouteGroup) -> tuple[list[Endpoint], _Public]:
        loaded = self._loaded.get(group)
        if loaded is None:
            endpoints = group.load()
            stray = [e.path for e in endpoints if not group.covers(e.path)]
            if stray:
                raise ValueError(f"{group.module} serves paths outside its prefixes: {stray}")
            loaded = self._loaded[group] = (endpoints, _Public(endpoints))
        return loaded

    def group_endpoints(self, group: RouteGroup) -> list[Endpoint]:
        return self._load(group)[0]

    def endpoints(self) -> list[Endpoint]:
        """Every endpoint, in the table's order (importing every group)."""
        found: list[Endpoint] = []
        for entry in self.entries:
            found.extend(self._load(entry)[0] if isinstance(entry, RouteGroup) else [entry])
        return found

    def is_public(self, method: str, path: str) -> bool:
        """Whether a request needs no token; a group's own endpoints say so once it is loaded
        (it is by a request under its prefixes, which it would serve anyway)."""
        if self._public(method, path):
            return True
        return any(self._load(g)[1](method, path) for g in self.groups if g.covers(path))

    def routes(self) -> list[BaseRoute]:
        """The router's routes: one per eager path, each socket, then one per group."""
        routes = routes_for(self.eager, self.sockets)
        routes.extend(_GroupRoute(self, group) for group in self.groups)
        return routes


class _GroupRoute(BaseRoute):
    """A group's routes, built on the first request under its prefixes: it takes every HTTP
    request there, and its own router answers it (404 and 405 as the main router would)."""

    def __init__(self, table: RouteTable, group: RouteGroup) -> None:
        self.table = table
        self.group = group
        self._router: Router | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and self.group.covers(scope["path"]):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._router is None:
            routes = routes_for(self.table.group_endpoints(self.group), ())
            self._router = Router(routes=routes, redirect_slashes=False)
        await self._router(scope, receive, send)

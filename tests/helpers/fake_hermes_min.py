"""A minimal fake Hermes for discovery tests: `GET /api/components` (or, with `root_paths`, only
`/components`, as a Hermes on a newer FastAPI serves it: TEKTON.md §2) listing the components
registered with `add`, in Hermes' Entry shape. Registration itself is h-hermes' fake's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpers._serve import ThreadedServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class FakeHermes:
    root_paths: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def add(self, name: str, endpoint: str) -> None:
        self.entries.append(
            {
                "component_id": f"{name}-{len(self.entries)}",
                "name": name,
                "version": "0.1.0",
                "type": None,
                "port": None,
                "status": "unknown",
                "capabilities": [],
                "endpoint": endpoint,
                "last_heartbeat": None,
                "registered_at": 0.0,
                "metadata": {},
            }
        )

    async def components(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        return JSONResponse({"total": len(self.entries), "components": self.entries})

    async def not_found(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    def app(self) -> Starlette:
        listing = "/components" if self.root_paths else "/api/components"
        other = "/api/components" if self.root_paths else "/components"
        return Starlette(routes=[Route(listing, self.components), Route(other, self.not_found)])

    def serve(self, port: int = 0) -> ThreadedServer:
        return ThreadedServer(self.app(), port)

"""The REST endpoints, grouped by what they serve; `TABLE` is the whole table, in the order
`/discovery` and the OpenAPI document list it.

Its endpoints are imported with the daemon: what nearly every client calls (liveness,
workflows, executions and the actions on their tasks). Each `RouteGroup` in it is imported on
its first request (`harmoniad.routegroups`): a daemon start that nobody asks about hooks,
schedules, webhooks, templates, components, discovery or Tekton's MCP v2 never imports their
routes and models.
"""

from __future__ import annotations

from harmoniad.routegroups import RouteGroup
from harmoniad.routes import approvals, executions, fixes, system, workflows
from harmoniad.routing import Endpoint

__all__ = ["TABLE"]

TABLE: list[Endpoint | RouteGroup] = [
    *system.LIVENESS,
    RouteGroup("harmoniad.routes.discovery", ("/discovery", "/api/v1/discovery")),
    *system.DOCUMENT,
    *workflows.ENDPOINTS,
    RouteGroup("harmoniad.routes.templates", ("/api/v1/templates",)),
    *executions.ENDPOINTS,
    *fixes.ENDPOINTS,
    RouteGroup("harmoniad.routes.components", ("/api/v1/components",)),
    RouteGroup("harmoniad.routes.tekton", ("/api/mcp/v2",)),
    RouteGroup("harmoniad.routes.schedules", ("/api/v1/schedules",)),
    RouteGroup("harmoniad.routes.hooks", ("/api/v1/hooks",)),
    *approvals.ENDPOINTS,
    RouteGroup("harmoniad.routes.webhooks", ("/api/v1/webhooks",)),
]

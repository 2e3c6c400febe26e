"""The REST endpoints, grouped by what they serve; `ENDPOINTS` is the whole table."""

from __future__ import annotations

from harmoniad.routes import (
    approvals,
    components,
    executions,
    fixes,
    hooks,
    schedules,
    system,
    tekton,
    templates,
    webhooks,
    workflows,
)
from harmoniad.routing import Endpoint

__all__ = ["ENDPOINTS"]

ENDPOINTS: list[Endpoint] = [
    *system.ENDPOINTS,
    *workflows.ENDPOINTS,
    *templates.ENDPOINTS,
    *executions.ENDPOINTS,
    *fixes.ENDPOINTS,
    *components.ENDPOINTS,
    *tekton.ENDPOINTS,
    *schedules.ENDPOINTS,
    *hooks.ENDPOINTS,
    *approvals.ENDPOINTS,
    *webhooks.ENDPOINTS,
]

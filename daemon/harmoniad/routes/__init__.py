"""The REST endpoints, grouped by what they serve; `ENDPOINTS` is the whole table."""

from __future__ import annotations

from harmoniad.routes import (
    components,
    executions,
    fixes,
    schedules,
    system,
    tekton,
    templates,
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
]

"""What Harmonia tells Hermes about itself, and what `/ready` tells about the registration."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harmonia.events import iso_time

__all__ = [
    "CAPABILITIES",
    "COMPONENT_ID",
    "DEFAULT_INTERVAL",
    "MCP_PATH",
    "TOKEN_HEADER",
    "TOKEN_LIFETIME",
    "LinkState",
    "LinkStatus",
    "Registration",
    "off_status",
]

COMPONENT_ID = "harmonia"
TOKEN_HEADER = "X-Authentication-Token"
MCP_PATH = "/api/mcp/v2"
"""Where Harmonia serves Tekton's MCP v2 dialect, announced in the registration's metadata."""
CAPABILITIES = (
    "workflow_orchestration",
    "workflow_execution",
    "state_management",
    "event_streaming",
    "component_coordination",
)
"""Original Harmonia's capability names (Tekton lists capabilities as flat strings)."""
TOKEN_LIFETIME = 3600.0
"""Seconds a Hermes token lasts; Hermes has no refresh, so the link registers again before."""
DEFAULT_INTERVAL = 20.0
"""Heartbeat and check period: a third of Hermes' 60 s liveness window."""


class LinkState(StrEnum):
    OFF = "off"
    """No Hermes configured: the daemon runs on its own."""
    REGISTERING = "registering"
    """The first registration, or a new one after the entry went missing or the token was
    refused, is under way."""
    REGISTERED = "registered"
    UNREACHABLE = "unreachable"
    """No HTTP answer (refused, reset, timed out): retried with backoff."""
    REFUSED = "refused"
    """Hermes answered, but not as a working registry (an error status, or an odd answer)."""
    DISPLACED = "displaced"
    """The entry under Harmonia's name points at another endpoint (another Harmonia)."""
    UNREGISTERED = "unregistered"
    """The daemon is stopping and has removed its entry."""


@dataclass(frozen=True)
class Registration:
    """What Harmonia tells Hermes about itself (TEKTON.md §10)."""

    endpoint: str
    port: int
    version: str
    event_types: tuple[str, ...] = ()
    component_id: str = COMPONENT_ID
    capabilities: tuple[str, ...] = CAPABILITIES

    def body(self) -> dict[str, Any]:
        return {
            "component_id": self.component_id,
            "name": self.component_id,
            "type": self.component_id,
            "version": self.version,
            "endpoint": self.endpoint,
            "capabilities": list(self.capabilities),
            "metadata": {
                "port": self.port,
                "category": "workflow",
                "description": "Workflow orchestration: DAGs of component calls, durable runs",
                "event_types": list(self.event_types),
                "mcp": MCP_PATH,
                "api": "/api/v1",
                "discovery": "/discovery",
            },
        }


@dataclass
class LinkStatus:
    """The registration's state for `/ready`."""

    state: LinkState
    url: str | None = None
    component_id: str | None = None
    endpoint: str | None = None
    since: float | None = field(default_factory=time.time)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "url": self.url,
            "component_id": self.component_id,
            "endpoint": self.endpoint,
            "since": iso_time(self.since),
            "error": self.error,
        }


def off_status() -> dict[str, Any]:
    """`/ready`'s `hermes` field of a daemon that joins no Tekton installation."""
    return LinkStatus(LinkState.OFF, since=None).as_json()

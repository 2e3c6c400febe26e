"""Webhooks out: the URLs a workflow (or the daemon) notifies of chosen events.

A target is checked where it is written (the workflow file's `notify:`, the daemon's `--notify`)
so that a typo in an event name or a URL that can never be reached is an error with its line,
not a delivery that silently never happens. The daemon does the sending (`harmoniad.webhooks`).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from harmonia.model.base import Strict, suggest
from harmonia.protocol import EventType

__all__ = [
    "DEFAULT_NOTIFY_EVENTS",
    "NOTIFY_EVENTS",
    "NotifyTarget",
    "check_event_names",
    "check_notify_url",
]

TASK_WAITING: Final = "task_waiting"
"""A task waits at an approval gate (issue 14, item 1): named here so a file may ask for it."""
NOTIFY_EVENTS: Final[tuple[str, ...]] = tuple(dict.fromkeys([*map(str, EventType), TASK_WAITING]))
"""Every event a target may ask for: the journal's event types (once the approval gates add
`task_waiting` to them, it is listed once)."""
DEFAULT_NOTIFY_EVENTS: Final[tuple[str, ...]] = (
    "workflow_completed",
    "workflow_failed",
    "task_failed",
    TASK_WAITING,
)
"""What a target without `events:` is told of: the ends of a run and what needs a person."""
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_notify_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL with a host; else ValueError saying why."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"not a URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host")
    if any(c.isspace() for c in url):
        raise ValueError(f"{url!r} contains white space")
    return url


def check_event_names(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names, each one an event a target may ask for; else ValueError listing the bad."""
    messages = []
    for name in names:
        if name not in NOTIFY_EVENTS:
            hint = suggest(name, NOTIFY_EVENTS)
            messages.append(f"unknown event '{name}'" + (f" ({hint})" if hint else ""))
    if messages:
        raise ValueError("; ".join(messages) + f"; events: {', '.join(NOTIFY_EVENTS)}")
    return list(names)


class NotifyTarget(Strict):
    """One URL told of chosen events, each delivery signed with the secret in `secret_env`."""

    url: str = Field(min_length=1, description="The http:// or https:// URL POSTed to.")
    events: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NOTIFY_EVENTS),
        min_length=1,
        description="The events delivered (default: workflow_completed, workflow_failed, "
        "task_failed, task_waiting).",
        json_schema_extra={"items": {"enum": list(NOTIFY_EVENTS)}},
    )
    secret_env: str | None = Field(
        default=None,
        description="The daemon's environment variable holding the HMAC-SHA256 signing "
        "secret (README, Webhooks out); none: deliveries are not signed.",
        json_schema_extra={"pattern": _ENV_NAME.pattern},
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_notify_url(value)

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        return check_event_names(value)

    @field_validator("secret_env")
    @classmethod
    def _secret_env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(f"not an environment variable name: {value!r}")
        return value

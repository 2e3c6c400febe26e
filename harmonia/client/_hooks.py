"""Inbound hooks in the client: the models and calls of `/api/v1/hooks`.

`deliver_hook` signs a body with a hook's secret the way a sender must (`harmonia.signing`),
so a script can deliver to a hook, and tests can show what a sender sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import Field

from harmonia.client._calls import API, Call, _items, _json_call, _model, _nothing, segment
from harmonia.client._models import ApiModel, Timestamp
from harmonia.signing import signed_headers

__all__ = [
    "Hook",
    "HookDelivered",
    "HookLastDelivery",
    "create_hook",
    "delete_hook",
    "deliver_hook",
    "get_hook",
    "list_hooks",
    "rotate_hook_secret",
]


class HookLastDelivery(ApiModel):
    """The newest delivery to a hook that started an execution."""

    delivery_id: str | None = None
    execution_id: str
    at: Timestamp | None = None


class Hook(ApiModel):
    """An inbound hook; `secret` is only set in the answers of create and rotate."""

    name: str
    workflow_id: str
    input_map: dict[str, str] | None = None
    window: float = 300
    description: str | None = None
    created_at: Timestamp | None = None
    rotated_at: Timestamp | None = None
    path: str = ""
    deliveries: int = 0
    """Executions its deliveries started (0 from a daemon before the field)."""
    last_delivery: HookLastDelivery | None = None
    secret: str | None = Field(default=None, repr=False)


class HookDelivered(ApiModel):
    """What a delivery started: `replayed` when its id was accepted before."""

    hook: str
    delivery_id: str
    execution_id: str
    replayed: bool = False


def list_hooks() -> Call[list[Hook]]:
    """Every inbound hook (without secrets)."""
    return Call("GET", f"{API}/hooks", _items(Hook))


def create_hook(
    name: str,
    workflow_id: str,
    *,
    input_map: Mapping[str, str] | None = None,
    window: float | None = None,
    description: str | None = None,
) -> Call[Hook]:
    """A hook starting `workflow_id`; the answer's `secret` is shown this once. `input_map`:
    `{input name: JSON Pointer into the body}` (without it the body is the input)."""
    body: dict[str, Any] = {"name": name, "workflow_id": workflow_id}
    if input_map is not None:
        body["input_map"] = dict(input_map)
    if window is not None:
        body["window"] = window
    if description is not None:
        body["description"] = description
    return _json_call("POST", f"{API}/hooks", _model(Hook), body)


def get_hook(name: str) -> Call[Hook]:
    return Call("GET", f"{API}/hooks/{segment(name)}", _model(Hook))


def delete_hook(name: str) -> Call[None]:
    """The executions it started stay."""
    return Call("DELETE", f"{API}/hooks/{segment(name)}", _nothing)


def rotate_hook_secret(name: str) -> Call[Hook]:
    """A new secret (in the answer); the old one stops working at once."""
    return Call("POST", f"{API}/hooks/{segment(name)}/rotate", _model(Hook))


def deliver_hook(
    name: str, body: Any, secret: str, *, delivery_id: str | None = None
) -> Call[HookDelivered]:
    """Deliver `body` (JSON-able, or raw bytes) to a hook, signed with its `secret` now."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = signed_headers(secret, content, delivery_id=delivery_id)
    return Call(
        "POST", f"{API}/hooks/{segment(name)}", _model(HookDelivered), content=content,
        headers=headers,
    )  # fmt: skip

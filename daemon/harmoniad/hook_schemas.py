"""The shapes of `/api/v1/hooks`: a hook as listed (never its secret), as created or rotated
(its secret, shown that once), and the answer to a delivery."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, WithJsonSchema

from harmoniad.hooks.store import DEFAULT_WINDOW
from harmoniad.schemas import Time, _Answer, _Request

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
INPUT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
POINTER_PATTERN = r"^(/.*)?$"
InputMap = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=INPUT_PATTERN)],
        Annotated[str, StringConstraints(pattern=POINTER_PATTERN)],
    ],
    WithJsonSchema(
        {
            "type": "object",
            "patternProperties": {INPUT_PATTERN: {"type": "string", "pattern": POINTER_PATTERN}},
            "additionalProperties": False,
        }
    ),
]
"""`{input name: JSON Pointer}`; checked again (with messages by field) by the service."""

__all__ = [
    "Hook",
    "HookCreate",
    "HookDelivered",
    "HookLastDelivery",
    "HookList",
    "HookRotate",
    "HookSecret",
]


class HookCreate(_Request):
    """A hook that starts a stored workflow with each signed delivery's body as its input."""

    name: str = Field(
        pattern=NAME_PATTERN,
        description="The hook's name, in its URL: `POST /api/v1/hooks/{name}`.",
    )
    workflow_id: str = Field(min_length=1, description="The stored workflow a delivery starts.")
    input_map: InputMap | None = Field(
        default=None,
        description='`{input name: JSON Pointer into the body}` (RFC 6901, `""` is the whole '
        "body). Without it the body, a JSON object, is the input.",
    )
    window: float = Field(
        default=DEFAULT_WINDOW,
        ge=1,
        le=86400,
        description="Seconds a delivery's `X-Harmonia-Timestamp` may be from the daemon's clock.",
    )
    description: str | None = None


class HookLastDelivery(_Answer):
    """The newest delivery that started an execution."""

    delivery_id: str | None
    execution_id: str
    at: Time = Field(description="When its execution was created.")


class Hook(_Answer):
    name: str
    workflow_id: str
    input_map: dict[str, str] | None
    window: float
    description: str | None
    created_at: Time
    rotated_at: Time = Field(description="When the secret was last rotated (null: never).")
    path: str = Field(description="Where deliveries are posted.")
    deliveries: int = Field(
        ge=0,
        description="Executions its deliveries started, among those on record (a replayed "
        "delivery id starts nothing and is not counted).",
    )
    last_delivery: HookLastDelivery | None = Field(
        description="The newest delivery that started an execution (null: none yet)."
    )


class HookSecret(Hook):
    secret: str = Field(
        description="The HMAC-SHA256 key of deliveries. Shown only when the hook is created "
        "and when its secret is rotated: store it then."
    )


class HookList(_Answer):
    items: list[Hook]


class HookRotate(_Request):
    """Rotate takes no parameters: no body, or `{}`."""


class HookDelivered(_Answer):
    hook: str
    delivery_id: str
    execution_id: str = Field(description="The execution this delivery started.")
    replayed: bool = Field(
        description="True when this delivery id was accepted before: the execution is the one "
        "it started then, and nothing new started."
    )

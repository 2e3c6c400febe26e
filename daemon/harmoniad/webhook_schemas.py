"""The shapes of `/api/v1/webhooks/deliveries`: the query and a delivery with its attempts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harmoniad.routing import PATH_PARAM_PATTERN
from harmoniad.schemas import PageQuery, Time, _Answer, _Paged

__all__ = ["DeliveryAttempt", "DeliveryList", "DeliveryQuery", "WebhookDelivery"]

DeliveryStatus = Literal["pending", "delivered", "failed"]


class DeliveryQuery(PageQuery):
    execution_id: str | None = Field(
        default=None, pattern=PATH_PARAM_PATTERN, description="Only this execution's."
    )
    status: DeliveryStatus | None = Field(default=None, description="Only this status.")


class DeliveryAttempt(_Answer):
    """One POST of a delivery and what came of it."""

    attempt: int = Field(ge=1)
    at: Time
    status_code: int | None = Field(description="The receiver's HTTP status; null: no answer.")
    error: str | None = Field(description="Why it did not deliver (null: a 2xx answer).")
    duration: float = Field(description="Seconds the attempt took.")
    answer: str = Field(description="The start of the receiver's answer body.")


class WebhookDelivery(_Answer):
    """One event for one URL, recorded before its first attempt; its id is sent as
    `X-Harmonia-Delivery` on every attempt."""

    id: str
    url: str
    source: Literal["workflow", "daemon"] = Field(
        description="`workflow`: its file's `notify:`; `daemon`: `harmoniad --notify`."
    )
    event: str
    execution_id: str
    task_id: str | None
    seq: int = Field(ge=1, description="The event's seq in its execution.")
    status: DeliveryStatus
    created_at: Time
    next_attempt_at: Time = Field(description="When the next attempt is due (pending only).")
    attempts: list[DeliveryAttempt] = Field(description="Oldest first.")


class DeliveryList(_Paged[WebhookDelivery]):
    pass

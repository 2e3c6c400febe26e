"""The webhooks endpoints as client calls (`_calls` holds the rest; this keeps it small)."""

from __future__ import annotations

from harmonia.client._calls import API, Call, _page, _params
from harmonia.client._models import Page, WebhookDelivery

__all__ = ["webhook_deliveries"]


def webhook_deliveries(
    execution_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Call[Page[WebhookDelivery]]:
    """Outbound webhook deliveries with their attempts, newest first; `execution_id` and
    `status` (`pending`, `delivered`, `failed`) filter."""
    return Call(
        "GET",
        f"{API}/webhooks/deliveries",
        _page(WebhookDelivery),
        params=_params(execution_id=execution_id, status=status, limit=limit, offset=offset),
    )

"""Webhooks out: `GET /api/v1/webhooks/deliveries`, every delivery with its attempts and
answers, newest first, a page at a time (as the executions listing pages). Inbound hooks are
served elsewhere."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import iso_time
from harmoniad.bodies import query_params
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint
from harmoniad.webhook_schemas import DeliveryList, DeliveryQuery
from harmoniad.webhooks.store import PENDING, Delivery

__all__ = ["ENDPOINTS", "delivery_view"]


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "url": delivery.url,
        "source": delivery.source,
        "event": delivery.event,
        "execution_id": delivery.execution_id,
        "task_id": delivery.task_id,
        "seq": delivery.seq,
        "status": delivery.status,
        "created_at": iso_time(delivery.created_at),
        "next_attempt_at": iso_time(delivery.next_at) if delivery.status == PENDING else None,
        "attempts": [{**a, "at": iso_time(a.get("at"))} for a in delivery.attempts],
    }


async def list_webhook_deliveries(request: Request) -> Response:
    query = query_params(request, DeliveryQuery)
    webhooks = daemon_state(request).webhooks
    found = [] if webhooks is None else webhooks.listing(query.execution_id, query.status)
    page = found[query.offset : query.offset + query.limit]
    return JSONResponse(
        {
            "items": [delivery_view(d) for d in page],
            "total": len(found),
            "limit": query.limit,
            "offset": query.offset,
        }
    )


ENDPOINTS = [
    Endpoint(
        "GET",
        "/api/v1/webhooks/deliveries",
        list_webhook_deliveries,
        "Outbound webhook deliveries with their attempts, newest first",
        "webhooks",
        {200: DeliveryList},
        (401, 403, 422),
        query=DeliveryQuery,
        description="Each delivery is recorded before its first attempt and keeps its id on "
        "every attempt; `pending` ones are retried with backoff until the daemon's attempt "
        "limit, then `failed`.",
    ),
]

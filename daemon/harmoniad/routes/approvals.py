"""Approval gates: approve or reject a task waiting at one (`core.approve`).

Apart from the other execution actions because a decision carries a body (a reason, who
decides); the engine refuses (409) a task that is not waiting and records nothing then.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.approval_schemas import ApprovalDecision, ApprovalResult
from harmoniad.bodies import json_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint, Handler, action_endpoint

__all__ = ["ENDPOINTS"]


def _decider(request: Request, body: ApprovalDecision) -> str:
    """Who decides: the body's `by`, else the User-Agent's product name (a client), else `api`."""
    if body.by:
        return body.by
    agent = request.headers.get("user-agent", "").strip()
    product = agent.split(" ", 1)[0].split("/", 1)[0][:200]
    return product or "api"


async def approve_task(request: Request) -> Response:
    return await _decide(request, approve=True)


async def reject_task(request: Request) -> Response:
    return await _decide(request, approve=False)


async def _decide(request: Request, *, approve: bool) -> Response:
    state = daemon_state(request)
    body = await json_body(request, ApprovalDecision, required=False)
    execution_id = request.path_params["id"]
    task_id = request.path_params["task_id"]
    decide = state.engine.approve if approve else state.engine.reject
    record = await decide(execution_id, task_id, by=_decider(request, body), reason=body.reason)
    return JSONResponse(record)


def _endpoint(verb: str, handler: Handler, summary: str) -> Endpoint:
    return action_endpoint(
        f"/api/v1/executions/{{id}}/tasks/{{task_id}}/{verb}",
        handler,
        summary,
        "executions",
        {200: ApprovalResult},
        ApprovalDecision,
    )


ENDPOINTS = [
    _endpoint(
        "approve",
        approve_task,
        "Approve a task waiting at an approval gate: it completes with the decision",
    ),
    _endpoint(
        "reject",
        reject_task,
        "Reject a task waiting at an approval gate: it fails, kind `rejected`",
    ),
]

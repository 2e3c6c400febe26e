"""Fix and continue: `POST .../tasks/{task_id}/complete`, `.../skip`, and
`GET .../tasks/{task_id}/retry-plan` (what a retry would reset, the confirm's list).

Each action is one engine call that records one journal event, durable before the answer; a
task in a status the action does not apply to is a 409 naming that status.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import json_body
from harmoniad.context import daemon_state
from harmoniad.fix_schemas import CompleteAction, FixResult, RetryPlan, SkipAction
from harmoniad.responses import JSONResponse
from harmoniad.routing import Endpoint, action_endpoint

__all__ = ["ENDPOINTS"]

_TASK = "/api/v1/executions/{id}/tasks/{task_id}"


async def complete_task(request: Request) -> Response:
    body = await json_body(request, CompleteAction)
    execution_id, task_id = request.path_params["id"], request.path_params["task_id"]
    engine = daemon_state(request).engine
    reset = await engine.complete_task(execution_id, task_id, body.output, by=body.by)
    return _fixed(execution_id, task_id, "completed", reset)


async def skip_task(request: Request) -> Response:
    body = await json_body(request, SkipAction, required=False)
    execution_id, task_id = request.path_params["id"], request.path_params["task_id"]
    engine = daemon_state(request).engine
    reset = await engine.skip_task(execution_id, task_id, by=body.by, reason=body.reason)
    return _fixed(execution_id, task_id, "skipped", reset)


def _fixed(execution_id: str, task_id: str, status: str, reset: list[str]) -> Response:
    return JSONResponse(
        {"execution_id": execution_id, "task_id": task_id, "status": status, "reset": reset}
    )


async def retry_plan(request: Request) -> Response:
    execution_id, task_id = request.path_params["id"], request.path_params["task_id"]
    plan = await daemon_state(request).engine.retry_plan(execution_id, task_id)
    return JSONResponse(plan.to_public(execution_id))


ENDPOINTS = [
    action_endpoint(
        f"{_TASK}/complete",
        complete_task,
        "Mark a failed, pending, waiting or canceled task completed with a given output",
        "executions",
        {200: FixResult},
        CompleteAction,
        body_required=True,
    ),
    action_endpoint(
        f"{_TASK}/skip",
        skip_task,
        "Mark a failed, pending, waiting or canceled task skipped",
        "executions",
        {200: FixResult},
        SkipAction,
    ),
    Endpoint(
        "GET",
        f"{_TASK}/retry-plan",
        retry_plan,
        "Exactly the tasks a retry of this task would run again, and whether it would be refused",
        "executions",
        {200: RetryPlan},
        (401, 403, 404, 409),
    ),
]

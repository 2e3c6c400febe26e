"""Executions, their events and checkpoints: `/api/v1/executions`, `/api/v1/checkpoints`.

Each operator action maps to one engine method; the engine decides whether it applies (an
`InvalidOperation` becomes 409) and records it as an event before anything else happens.
"""

from __future__ import annotations

import anyio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from harmoniad.bodies import SOURCE, json_body, query_params
from harmoniad.context import DaemonState, daemon_state
from harmoniad.fix_schemas import RetryAction
from harmoniad.listing import etag_matches, execution_document, listing_page
from harmoniad.responses import JSONResponse
from harmoniad.routing import (
    LOOKUP_ERRORS,
    Answer,
    Endpoint,
    Handler,
    HeaderParam,
    action_endpoint,
    listing_endpoint,
    lookup_endpoint,
)
from harmoniad.schemas import (
    Checkpoint,
    CheckpointCreate,
    CheckpointList,
    CheckpointQuery,
    EventPage,
    EventsQuery,
    Execution,
    ExecutionCreate,
    ExecutionList,
    ExecutionListQuery,
    ExecutionSummary,
    OperatorAction,
    ResumeAction,
    RetryResult,
)
from harmoniad.services import executions as service
from harmoniad.services.executions import require_execution
from harmoniad.views import checkpoint_view

__all__ = ["ENDPOINTS", "require_execution"]


async def create_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, ExecutionCreate)
    workflow = await service.stored_workflow(state, body.workflow_id, body.workflow)
    source = SOURCE if body.workflow_id is None else f"workflow {body.workflow_id}"
    execution = await service.start_execution(state, workflow, body.input, source=source)
    return JSONResponse(execution.to_public(), status_code=201)


async def list_executions(request: Request) -> Response:
    query = query_params(request, ExecutionListQuery)
    page = await listing_page(
        daemon_state(request), status=query.status, offset=query.offset, limit=query.limit
    )
    headers = {"ETag": page.etag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)


async def get_execution(request: Request) -> Response:
    document = await execution_document(daemon_state(request), request.path_params["id"])
    return Response(document, media_type="application/json")


async def cancel_execution(request: Request) -> Response:
    state, execution_id = await _operator_request(request)
    execution = await state.engine.cancel(execution_id)
    return JSONResponse(service.summary_of(state, execution))


async def pause_execution(request: Request) -> Response:
    state, execution_id = await _operator_request(request)
    execution = await service.pause_execution(state, execution_id)
    return JSONResponse(service.summary_of(state, execution))


async def resume_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, ResumeAction, required=False)
    execution_id = request.path_params["id"]
    execution = await state.engine.resume(execution_id, from_damaged=body.from_damaged)
    return JSONResponse(service.summary_of(state, execution))


async def _operator_request(request: Request) -> tuple[DaemonState, str]:
    """An operator action's request: its (optional, empty) body checked, and the execution id."""
    await json_body(request, OperatorAction, required=False)
    return daemon_state(request), request.path_params["id"]


async def checkpoint_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, CheckpointCreate, required=False)
    record = await state.engine.checkpoint(request.path_params["id"], body.name)
    return JSONResponse(checkpoint_view(record), status_code=201)


async def retry_task(request: Request) -> Response:
    state, execution_id = daemon_state(request), request.path_params["id"]
    body = await json_body(request, RetryAction, required=False)  # input override, by
    task_id = request.path_params["task_id"]
    reset = await state.engine.retry_task(execution_id, task_id, input=body.input, by=body.by)
    return JSONResponse({"execution_id": execution_id, "task_id": task_id, "reset": reset})


async def list_events(request: Request) -> Response:
    query = query_params(request, EventsQuery)
    page = await service.events_page(
        daemon_state(request), request.path_params["id"], after=query.after, limit=query.limit
    )
    return JSONResponse(page)


async def list_checkpoints(request: Request) -> Response:
    state = daemon_state(request)
    query = query_params(request, CheckpointQuery)
    rows = await anyio.to_thread.run_sync(state.engine.store.list_checkpoints, query.execution_id)
    return JSONResponse({"items": [checkpoint_view(r) for r in rows]})


async def restore_checkpoint(request: Request) -> Response:
    state = daemon_state(request)
    await json_body(request, OperatorAction, required=False)
    execution = await state.engine.restore(request.path_params["id"])
    return JSONResponse(execution.to_public(), status_code=201)


LISTING_ETAG = HeaderParam(
    "If-None-Match",
    "The `ETag` of a listing this client has: 304 (no body) while the listing is the same.",
)
_EXECUTION = "executions"


def _operator_endpoint(
    path: str,
    handler: Handler,
    summary: str,
    responses: dict[int, Answer],
    body_model: type[BaseModel] = OperatorAction,
) -> Endpoint:
    """An operator action on an execution, refused (409) when it does not apply to its state."""
    return action_endpoint(path, handler, summary, _EXECUTION, responses, body_model)


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/executions",
        create_execution,
        "Start an execution of a stored workflow or of an inline document",
        _EXECUTION,
        {201: Execution},
        (401, 403, 404, 413, 415, 422),
        body="json",
        body_model=ExecutionCreate,
    ),
    Endpoint(
        "GET",
        "/api/v1/executions",
        list_executions,
        "List executions, newest first",
        _EXECUTION,
        {200: ExecutionList, 304: None},
        (401, 403, 422),
        query=ExecutionListQuery,
        headers=(LISTING_ETAG,),
    ),
    lookup_endpoint(
        "/api/v1/executions/{id}",
        get_execution,
        "An execution with every task's state",
        _EXECUTION,
        Execution,
    ),
    _operator_endpoint(
        "/api/v1/executions/{id}/cancel",
        cancel_execution,
        "Cancel an execution (running tasks are cancelled)",
        {200: ExecutionSummary},
    ),
    _operator_endpoint(
        "/api/v1/executions/{id}/pause",
        pause_execution,
        "Pause a running execution (start nothing new; running tasks finish)",
        {200: ExecutionSummary},
    ),
    _operator_endpoint(
        "/api/v1/executions/{id}/resume",
        resume_execution,
        "Resume a paused, failed, canceled or interrupted execution",
        {200: ExecutionSummary},
        body_model=ResumeAction,
    ),
    _operator_endpoint(
        "/api/v1/executions/{id}/checkpoint",
        checkpoint_execution,
        "Take a named snapshot of an execution",
        {201: Checkpoint},
        body_model=CheckpointCreate,
    ),
    _operator_endpoint(
        "/api/v1/executions/{id}/tasks/{task_id}/retry",
        retry_task,
        "Run a task and everything downstream of it again",
        {200: RetryResult},
        body_model=RetryAction,
    ),
    listing_endpoint(
        "/api/v1/executions/{id}/events",
        list_events,
        "A page of an execution's recorded events, oldest first",
        _EXECUTION,
        EventPage,
        query=EventsQuery,
        errors=(*LOOKUP_ERRORS, 422),
    ),
    listing_endpoint(
        "/api/v1/checkpoints",
        list_checkpoints,
        "List checkpoints, oldest first",
        "checkpoints",
        CheckpointList,
        query=CheckpointQuery,
    ),
    action_endpoint(
        "/api/v1/checkpoints/{id}/restore",
        restore_checkpoint,
        "Start a new execution from a checkpoint",
        "checkpoints",
        {201: Execution},
        OperatorAction,
    ),
]

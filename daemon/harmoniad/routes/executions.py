"""Executions, their events and checkpoints: `/api/v1/executions`, `/api/v1/checkpoints`.

Each operator action maps to one engine method; the engine decides whether it applies (an
`InvalidOperation` becomes 409) and records it as an event before anything else happens.
"""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from harmonia.engine import Engine
from harmonia.errors import NotFound
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState
from harmoniad.bodies import SOURCE, json_body, off_the_loop, query_params
from harmoniad.context import DaemonState, daemon_state
from harmoniad.responses import JSONResponse
from harmoniad.routing import Answer, Endpoint, Handler
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
from harmoniad.views import checkpoint_view, live_summary, summary_view

__all__ = ["ENDPOINTS", "require_execution"]


async def create_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, ExecutionCreate)
    workflow = await _workflow_of(state, body)
    execution = await state.engine.start(workflow, body.input)
    return JSONResponse(execution.to_public(), status_code=201)


async def _workflow_of(state: DaemonState, body: ExecutionCreate) -> Workflow:
    """The workflow to start, read and checked in a worker thread (see `off_the_loop`)."""
    registry = state.engine.registry
    workflow_id = body.workflow_id
    document = body.workflow

    def load() -> Workflow:
        if workflow_id is not None:
            stored = state.definitions.get(workflow_id)["document"]
            return load_workflow_dict(stored, source=f"workflow {workflow_id}", registry=registry)
        assert document is not None
        return load_workflow_dict(document, source=SOURCE, registry=registry)

    return await off_the_loop(state, load)


UNFINISHED = ("running", "pending")


async def list_executions(request: Request) -> Response:
    """From the engine's index and live states: no catalog read unless another process wrote
    the catalog since the last listing (see `harmonia.engine.index`)."""
    state = daemon_state(request)
    engine = state.engine
    query = query_params(request, ExecutionListQuery)
    rows = await engine.index.rows()
    selected: list[tuple[dict[str, Any], ExecutionState | None]] = []
    for row in rows:
        live = engine.live_state(row["id"])  # its row is rewritten now and then; this is now
        status = row["status"] if live is None else live.status
        if query.status is None or status == query.status:
            selected.append((row, live))
    page = selected[query.offset : query.offset + query.limit]
    idle = [row["id"] for row, live in page if live is None and row["status"] in UNFINISHED]
    held = await anyio.to_thread.run_sync(_locked, engine, idle) if idle else set()
    items = [
        live_summary(live)
        if live is not None
        else summary_view(row, interrupted=row["status"] in UNFINISHED and row["id"] not in held)
        for row, live in page
    ]
    return JSONResponse(
        {"items": items, "total": len(selected), "limit": query.limit, "offset": query.offset}
    )


def _locked(engine: Engine, execution_ids: list[str]) -> set[str]:
    """Which of these unfinished executions another process is driving (the rest were
    interrupted: their process died)."""
    return {i for i in execution_ids if engine.store.is_locked(i)}


async def get_execution(request: Request) -> Response:
    state = daemon_state(request)
    execution = await state.engine.get(request.path_params["id"])
    return JSONResponse(execution.to_public())


async def cancel_execution(request: Request) -> Response:
    state, execution_id = await _operator_request(request)
    execution = await state.engine.cancel(execution_id)
    return _summary_response(state, execution)


async def pause_execution(request: Request) -> Response:
    state, execution_id = await _operator_request(request)
    await require_execution(state, execution_id)
    execution = await state.engine.pause(execution_id)
    return _summary_response(state, execution)


async def resume_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, ResumeAction, required=False)
    execution_id = request.path_params["id"]
    execution = await state.engine.resume(execution_id, from_damaged=body.from_damaged)
    return _summary_response(state, execution)


async def _operator_request(request: Request) -> tuple[DaemonState, str]:
    """An operator action's request: its (optional, empty) body checked, and the execution id."""
    await json_body(request, OperatorAction, required=False)
    return daemon_state(request), request.path_params["id"]


def _summary_response(state: DaemonState, execution: ExecutionState) -> Response:
    row = execution.summary()
    interrupted = row["status"] in ("running", "pending") and not state.engine.is_live(execution.id)
    return JSONResponse(summary_view(row, interrupted=interrupted))


async def checkpoint_execution(request: Request) -> Response:
    state = daemon_state(request)
    body = await json_body(request, CheckpointCreate, required=False)
    record = await state.engine.checkpoint(request.path_params["id"], body.name)
    return JSONResponse(checkpoint_view(record), status_code=201)


async def retry_task(request: Request) -> Response:
    state, execution_id = await _operator_request(request)
    task_id = request.path_params["task_id"]
    reset = await state.engine.retry_task(execution_id, task_id)
    return JSONResponse({"execution_id": execution_id, "task_id": task_id, "reset": reset})


async def list_events(request: Request) -> Response:
    state = daemon_state(request)
    execution_id = request.path_params["id"]
    query = query_params(request, EventsQuery)
    await require_execution(state, execution_id)
    # the bus's replay hands out only what is durable (and published, for a live execution)
    events = await state.engine.bus.replay(execution_id, query.after)
    page = events[: query.limit]
    return JSONResponse(
        {
            "items": [e.to_dict() for e in page],
            "next_after": page[-1].seq if page else query.after,
        }
    )


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


async def require_execution(state: DaemonState, execution_id: str) -> None:
    """404 (NotFound) unless the execution exists, without loading its whole state."""
    if state.engine.is_live(execution_id):
        return
    store = state.engine.store
    # its snapshot file exists from the moment it is created: a stat, not a catalog read
    if not await anyio.to_thread.run_sync(lambda: store.state_path(execution_id).is_file()):
        raise NotFound(f"no execution {execution_id!r}")


_ACTION_ERRORS = (401, 403, 404, 409, 413, 415, 422)
_EXECUTION = "executions"


def _operator_endpoint(
    path: str,
    handler: Handler,
    summary: str,
    responses: dict[int, Answer],
    body_model: type[BaseModel] = OperatorAction,
) -> Endpoint:
    """An operator action on an execution: a POST whose JSON body may be left out, refused
    (409) when it does not apply to the execution's state."""
    return Endpoint(
        "POST",
        path,
        handler,
        summary,
        _EXECUTION,
        responses,
        _ACTION_ERRORS,
        body="json",
        body_model=body_model,
        body_required=False,
    )


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
        {200: ExecutionList},
        (401, 403, 422),
        query=ExecutionListQuery,
    ),
    Endpoint(
        "GET",
        "/api/v1/executions/{id}",
        get_execution,
        "An execution with every task's state",
        _EXECUTION,
        {200: Execution},
        (401, 403, 404),
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
    ),
    Endpoint(
        "GET",
        "/api/v1/executions/{id}/events",
        list_events,
        "A page of an execution's recorded events, oldest first",
        _EXECUTION,
        {200: EventPage},
        (401, 403, 404, 422),
        query=EventsQuery,
    ),
    Endpoint(
        "GET",
        "/api/v1/checkpoints",
        list_checkpoints,
        "List checkpoints, oldest first",
        "checkpoints",
        {200: CheckpointList},
        (401, 403, 422),
        query=CheckpointQuery,
    ),
    Endpoint(
        "POST",
        "/api/v1/checkpoints/{id}/restore",
        restore_checkpoint,
        "Start a new execution from a checkpoint",
        "checkpoints",
        {201: Execution},
        (401, 403, 404, 409, 413, 415, 422),
        body="json",
        body_model=OperatorAction,
        body_required=False,
    ),
]

"""Schedules of stored workflows: `/api/v1/schedules` (list, create, get, delete, pause,
unpause, run-now).

Every change goes through the daemon's one `Scheduler`, which writes the schedules' file
before it answers; a refused request (422, 404) changes nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harmonia.events import iso_time
from harmonia.schedules import parse_spec
from harmonia.schedules.loop import Scheduler
from harmonia.schedules.records import ScheduleRecord
from harmoniad.bodies import json_body
from harmoniad.context import daemon_state
from harmoniad.responses import JSONResponse, NoContent
from harmoniad.routing import (
    Endpoint,
    action_endpoint,
    delete_endpoint,
    listing_endpoint,
    lookup_endpoint,
)
from harmoniad.schedule_schemas import (
    Schedule,
    ScheduleCreate,
    ScheduleList,
    ScheduleRun,
    ScheduleRunNow,
)

__all__ = ["ENDPOINTS", "schedule_view"]


def schedule_view(scheduler: Scheduler, record: ScheduleRecord) -> dict[str, Any]:
    spec = record.spec.to_dict()
    return {
        "id": record.id,
        "workflow_id": record.workflow_id,
        **spec,
        "paused": record.paused,
        "created_at": iso_time(record.created_at),
        "last_planned_at": iso_time(record.cursor),
        "next_planned_at": iso_time(scheduler.next_planned(record)),
        "queued": [iso_time(t) for t in record.queue],
        "skipped": record.skipped,
        "origin": record.origin,
        "disabled": record.disabled,
        "runs": [run_view(r) for r in record.runs],
    }


def run_view(run: dict[str, Any]) -> dict[str, Any]:
    return {**run, "planned_at": iso_time(run["planned_at"]), "manual": bool(run.get("manual"))}


def _scheduler(request: Request) -> Scheduler:
    scheduler = daemon_state(request).scheduler
    assert scheduler is not None, "the daemon runs a scheduler"
    return scheduler


async def list_schedules(request: Request) -> Response:
    scheduler = _scheduler(request)
    return JSONResponse({"items": [schedule_view(scheduler, r) for r in scheduler.list()]})


async def create_schedule(request: Request) -> Response:
    scheduler = _scheduler(request)
    body = await json_body(request, ScheduleCreate)
    fields = body.model_dump(exclude_unset=True, exclude={"workflow_id", "paused"})
    spec = parse_spec(fields)
    record = await scheduler.create(body.workflow_id, spec, paused=body.paused)
    return JSONResponse(schedule_view(scheduler, record), status_code=201)


async def get_schedule(request: Request) -> Response:
    scheduler = _scheduler(request)
    return JSONResponse(schedule_view(scheduler, scheduler.get(request.path_params["id"])))


async def delete_schedule(request: Request) -> Response:
    await _scheduler(request).delete(request.path_params["id"])
    return NoContent()


async def pause_schedule(request: Request) -> Response:
    return await _set_paused(request, paused=True)


async def unpause_schedule(request: Request) -> Response:
    return await _set_paused(request, paused=False)


async def _set_paused(request: Request, *, paused: bool) -> Response:
    scheduler = _scheduler(request)
    await json_body(request, ScheduleRunNow, required=False)
    scheduler.get(request.path_params["id"])  # 404 before anything else
    record = await scheduler.set_paused(request.path_params["id"], paused)
    return JSONResponse(schedule_view(scheduler, record))


async def run_schedule_now(request: Request) -> Response:
    scheduler = _scheduler(request)
    await json_body(request, ScheduleRunNow, required=False)
    scheduler.get(request.path_params["id"])
    run = await scheduler.run_now(request.path_params["id"])
    return JSONResponse(run_view(run), status_code=201)


_PATH = "/api/v1/schedules"
_NO_CONFLICT = (401, 403, 404, 413, 415, 422)
"""Pausing applies in every state: no 409 (unpausing a disabled schedule is one)."""

ENDPOINTS = [
    listing_endpoint(
        _PATH,
        list_schedules,
        "List schedules with their next planned times",
        "schedules",
        ScheduleList,
    ),
    Endpoint(
        "POST",
        _PATH,
        create_schedule,
        "Schedule a stored workflow (cron in a time zone, or an interval)",
        "schedules",
        {201: Schedule},
        (401, 403, 404, 413, 415, 422),
        body="json",
        body_model=ScheduleCreate,
        description="A bad cron expression, an unknown time zone, an interval <= 0 or an input "
        "the workflow does not take is a 422 naming the field; nothing is stored. An unknown "
        "`workflow_id` is a 404.",
    ),
    lookup_endpoint(
        f"{_PATH}/{{id}}", get_schedule, "A schedule with its latest runs", "schedules", Schedule
    ),
    delete_endpoint(
        f"{_PATH}/{{id}}",
        delete_schedule,
        "Delete a schedule (the executions it started stay)",
        "schedules",
    ),
    action_endpoint(
        f"{_PATH}/{{id}}/pause",
        pause_schedule,
        "Pause a schedule: nothing starts until it is unpaused",
        "schedules",
        {200: Schedule},
        ScheduleRunNow,
        errors=_NO_CONFLICT,
    ),
    action_endpoint(
        f"{_PATH}/{{id}}/unpause",
        unpause_schedule,
        "Unpause a schedule: it counts its planned times from now",
        "schedules",
        {200: Schedule},
        ScheduleRunNow,
    ),
    action_endpoint(
        f"{_PATH}/{{id}}/run-now",
        run_schedule_now,
        "Start one run of a schedule now, whatever its overlap policy",
        "schedules",
        {201: ScheduleRun},
        ScheduleRunNow,
    ),
]

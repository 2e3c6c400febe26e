"""The shapes of `/api/v1/schedules`: the create body and the schedule as the API shows it.

The body model types the fields for the OpenAPI document; what a value means (a cron
expression, a time zone, an interval > 0) is checked by `harmonia.schedules.parse_spec`, so
the API, the CLI and workflow files give the same messages.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harmoniad.schemas import Time, _Answer, _Request

__all__ = ["Schedule", "ScheduleCreate", "ScheduleList", "ScheduleRun", "ScheduleRunNow"]

Missed = Literal["skip", "run_once", "run_all"]
Overlap = Literal["allow", "skip", "queue"]


class ScheduleCreate(_Request):
    """A schedule for a stored workflow: exactly one of `cron` and `interval`."""

    workflow_id: str = Field(min_length=1, description="The stored workflow to start.")
    cron: str | None = Field(default=None, description="A cron expression (5 or 6 fields).")
    timezone: str = Field(default="UTC", description="The IANA time zone `cron` is read in.")
    interval: float | None = Field(default=None, description="Seconds between runs (> 0).")
    input: dict[str, Any] = Field(default_factory=dict, description="Each run's input.")
    missed: Missed = Field(
        default="skip",
        description="Planned times missed while the daemon was down: `skip` them, `run_once` "
        "for all of them, or `run_all` (at most `max_missed`, the latest).",
    )
    max_missed: int = Field(default=10, ge=1, le=1000)
    overlap: Overlap = Field(
        default="skip",
        description="A planned time while the last run still runs: `allow` another, `skip` "
        "it, or `queue` it until the running one ends.",
    )
    grace: float = Field(default=60, ge=0, description="Seconds late that still count as on time.")
    description: str | None = None
    paused: bool = False


class ScheduleRun(_Answer):
    planned_at: Time
    state: Literal["starting", "started", "failed"]
    execution_id: str | None
    error: str | None
    manual: bool = Field(description="Started by run-now, not by the clock.")


class Schedule(_Answer):
    id: str
    workflow_id: str
    cron: str | None
    timezone: str
    interval: float | None
    input: dict[str, Any]
    missed: Missed
    max_missed: int
    overlap: Overlap
    grace: float
    description: str | None
    paused: bool
    created_at: Time
    last_planned_at: Time = Field(description="The latest planned time dealt with.")
    next_planned_at: Time = Field(description="The next planned time (null while paused).")
    queued: list[str] = Field(description="Planned times waiting for the running run to end.")
    skipped: int = Field(description="Planned times not run (missed or overlapping), in all.")
    origin: Literal["api", "document"] = Field(
        description="`document`: from the workflow file's `schedules:`, replaced with it."
    )
    disabled: str | None = Field(
        default=None,
        description="Why the daemon stopped it (its workflow was deleted): it stays paused and "
        "cannot be unpaused (409); delete it.",
    )
    runs: list[ScheduleRun] = Field(description="The latest runs, oldest first.")


class ScheduleList(_Answer):
    items: list[Schedule]


class ScheduleRunNow(_Request):
    """Run-now takes no parameters: no body, or `{}`."""

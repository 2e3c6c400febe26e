"""The schedules screen, driven from the keyboard (Textual's Pilot) against a real daemon:
reached with `S`, it shows each schedule's expression and next planned time; `p` pauses and
unpauses (with a toast), `n` starts a run now whose execution the row then names, and enter
opens it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from harmonia_tui.screens.execution import ExecutionScreen
from harmonia_tui.screens.executions import ExecutionsScreen
from harmonia_tui.screens.schedules import SchedulesScreen
from helpers.daemon_testing import Harmoniad, echo_workflow
from helpers.pilot_steps import cell, piloted, reach
from helpers.timezones import local_zone
from helpers.tui_testing import press, toasts, until


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path / "data") as running:
        yield running


def make_schedule(client: httpx.Client) -> tuple[str, str]:
    workflow_id = client.post("/api/v1/workflows", json=echo_workflow("tui-sched")).json()["id"]
    body = {"workflow_id": workflow_id, "cron": "15 4 * * *", "timezone": "Asia/Tokyo"}
    made = client.post("/api/v1/schedules", json=body).json()
    return str(made["id"]), str(made["next_planned_at"])


@pytest.mark.anyio
async def test_schedules_screen_shows_next_times_pauses_and_runs_now(daemon: Harmoniad) -> None:
    with daemon.client() as client:
        sid, upcoming = make_schedule(client)
    with local_zone("Asia/Kolkata"):  # the viewer's zone, +05:30: not the machine's UTC
        expected = datetime.fromisoformat(upcoming.replace("Z", "+00:00")).astimezone()
        async with piloted(daemon) as (app, pilot):
            await reach(pilot, ExecutionsScreen, "executions")
            screen = await reach(pilot, SchedulesScreen, "schedules", key="S")
            await until(pilot, lambda: screen.loaded, "the list")
            assert cell(screen, sid, "when") == "15 4 * * * (Asia/Tokyo)"
            # with its UTC offset: beside a cron's own zone, a bare local time said no zone at all
            assert cell(screen, sid, "next") == expected.strftime("%Y-%m-%d %H:%M:%S +05:30")
            assert cell(screen, sid, "last") == "-"
            assert screen.unavailable("open_last") == f"{sid} has started nothing yet"

            await press(pilot, "p")
            await until(pilot, lambda: cell(screen, sid, "next") == "paused", "paused")
            assert any(f"schedule {sid} paused" in t for t in toasts(app))
            await press(pilot, "p")
            await until(pilot, lambda: cell(screen, sid, "next") != "paused", "unpaused")

            await press(pilot, "n")
            await until(pilot, lambda: cell(screen, sid, "last") != "-", "the run")
            execution_id = cell(screen, sid, "last")
            assert any(f"execution {execution_id} started" in t for t in toasts(app))
            with daemon.client() as client:
                execution = client.get(f"/api/v1/executions/{execution_id}").json()
            assert execution["trigger"]["schedule_id"] == sid

            # enter opens that run (its footer offered "Select", which did nothing)
            opened = await reach(pilot, ExecutionScreen, "the last run", key="enter")
            assert opened.execution_id == execution_id
            await reach(pilot, SchedulesScreen, "back on the schedules", key="escape")
            await reach(pilot, ExecutionsScreen, "back", key="escape")


def test_a_disabled_schedule_says_why_in_the_next_column() -> None:
    from harmonia_tui.screens.schedules import next_text

    from harmonia.client import Schedule

    gone = Schedule(id="sch-1", workflow_id="wf-1", interval=60, paused=True, disabled="x gone")
    assert next_text(gone).plain == "disabled: x gone"
    assert next_text(Schedule(id="sch-2", workflow_id="wf-1", paused=True)).plain == "paused"

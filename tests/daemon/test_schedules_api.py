"""`/api/v1/schedules` on a real daemon: create, list, get, pause, unpause, run-now, delete;
bad specs and inputs are 422s naming the field with nothing stored; unknown ids are 404s; a
scheduled run shows its schedule and planned time on the execution and its first event."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow, store_workflow

API = "/api/v1/schedules"


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[httpx.Client]:
    with daemon.client() as c:
        yield c


@pytest.fixture(scope="module")
def workflow_id(daemon: Harmoniad) -> str:
    with daemon.client() as c:
        return store_workflow(c, echo_workflow("scheduled"))


def wait_for_runs(client: httpx.Client, sid: str, count: int) -> list[dict[str, Any]]:
    """Poll the schedule (nothing notifies a client of a schedule's run) until `count` runs
    started, within 20 s."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = client.get(f"{API}/{sid}").json()["runs"]
        started = [r for r in runs if r["state"] == "started"]
        if len(started) >= count:
            return started
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} runs started: {runs}")


def stored(daemon: Harmoniad) -> bytes | None:
    path: Path = daemon.data_dir / "schedules.json"
    return path.read_bytes() if path.exists() else None


def test_create_list_get_pause_unpause_delete(
    daemon: Harmoniad, client: httpx.Client, workflow_id: str
) -> None:
    body = {
        "workflow_id": workflow_id,
        "cron": "0 9 * * 1-5",
        "timezone": "Europe/Paris",
        "input": {"who": "team"},
        "missed": "run_all",
        "max_missed": 3,
        "overlap": "queue",
    }
    created = client.post(API, json=body)
    assert created.status_code == 201, created.text
    schedule = created.json()
    sid = schedule["id"]
    assert schedule["cron"] == "0 9 * * 1-5" and schedule["timezone"] == "Europe/Paris"
    assert (schedule["missed"], schedule["max_missed"], schedule["overlap"]) == (
        "run_all",
        3,
        "queue",
    )
    assert schedule["paused"] is False and schedule["runs"] == []
    upcoming = datetime.fromisoformat(schedule["next_planned_at"].replace("Z", "+00:00"))
    assert upcoming.minute == 0 and upcoming.weekday() < 5
    assert sid in {s["id"] for s in client.get(API).json()["items"]}
    assert client.get(f"{API}/{sid}").json() == schedule

    paused = client.post(f"{API}/{sid}/pause").json()
    assert paused["paused"] is True and paused["next_planned_at"] is None
    unpaused = client.post(f"{API}/{sid}/unpause", json={}).json()
    assert (
        unpaused["paused"] is False and unpaused["next_planned_at"] == schedule["next_planned_at"]
    )

    assert client.delete(f"{API}/{sid}").status_code == 204
    assert client.get(f"{API}/{sid}").status_code == 404
    assert sid not in (stored(daemon) or b"").decode()


def test_run_now_starts_an_execution_that_names_its_schedule(
    daemon: Harmoniad, client: httpx.Client, workflow_id: str
) -> None:
    body = {"workflow_id": workflow_id, "interval": 86400, "input": {"who": "cron"}}
    sid = client.post(API, json=body).json()["id"]
    run = client.post(f"{API}/{sid}/run-now")
    assert run.status_code == 201, run.text
    execution_id = run.json()["execution_id"]
    assert run.json()["state"] == "started" and run.json()["manual"] is True
    execution = daemon.wait_finished(execution_id)
    assert execution["status"] == "completed" and execution["input"] == {"who": "cron"}
    trigger = execution["trigger"]
    assert trigger["kind"] == "schedule" and trigger["schedule_id"] == sid
    assert trigger["manual"] is True
    first = client.get(f"/api/v1/executions/{execution_id}/events", params={"limit": 1}).json()
    assert first["items"][0]["type"] == "workflow_started"
    assert first["items"][0]["data"]["trigger"] == trigger
    runs = client.get(f"{API}/{sid}").json()["runs"]
    assert [r["execution_id"] for r in runs] == [execution_id]
    client.delete(f"{API}/{sid}")


def test_interval_schedule_runs_by_itself(
    daemon: Harmoniad, client: httpx.Client, workflow_id: str
) -> None:
    sid = client.post(API, json={"workflow_id": workflow_id, "interval": 0.5}).json()["id"]
    try:
        started = wait_for_runs(client, sid, 1)
        assert started
        execution = daemon.wait_finished(started[0]["execution_id"])
        assert execution["trigger"]["schedule_id"] == sid and "manual" not in execution["trigger"]
    finally:
        client.delete(f"{API}/{sid}")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"cron": "61 * * * *"}, "cron", "bad cron expression"),
        ({"cron": "0 * * * *", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"interval": 0}, "interval", "> 0"),
        ({"interval": -3}, "interval", "> 0"),
        ({"interval": 5, "input": {"nobody": 1}}, "input.nobody", "nobody"),
        ({"interval": 5, "input": {"who": 7}}, "input.who", "string"),
        ({"cron": "* * * * *", "interval": 5}, "cron", "exactly one"),
    ],
)
def test_bad_schedule_is_422_naming_the_field_and_stores_nothing(
    daemon: Harmoniad,
    client: httpx.Client,
    workflow_id: str,
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before, listed = stored(daemon), client.get(API).json()["items"]
    answer = client.post(API, json={"workflow_id": workflow_id, **change})
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["code"] == "validation_error"
    named = [d for d in error["details"] if d.get("field") == field]
    assert named and words in named[0]["message"], error
    assert stored(daemon) == before and client.get(API).json()["items"] == listed


def test_unknown_workflow_is_404(daemon: Harmoniad, client: httpx.Client) -> None:
    before = stored(daemon)
    answer = client.post(API, json={"workflow_id": "wf-000000000000", "interval": 5})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert stored(daemon) == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("DELETE", ""), ("POST", "/pause"), ("POST", "/unpause"), ("POST", "/run-now")],
)
def test_unknown_schedule_is_404(client: httpx.Client, method: str, suffix: str) -> None:
    answer = client.request(method, f"{API}/sch-0123456789ab{suffix}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found" and "sch-0123456789ab" in answer.json()["message"]


def test_schedules_are_in_the_openapi_document(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert {"/api/v1/schedules", "/api/v1/schedules/{id}/run-now"} <= set(document["paths"])
    assert "Schedule" in document["components"]["schemas"]


def test_a_workflow_file_schedules_follow_the_stored_workflow(
    daemon: Harmoniad, client: httpx.Client
) -> None:
    document = {**echo_workflow("with-schedules"), "schedules": [{"cron": "0 4 * * *"}]}
    stored_id = client.post("/api/v1/workflows", json=document).json()["id"]

    def mine() -> list[dict[str, Any]]:
        items = client.get(API).json()["items"]
        return [s for s in items if s["workflow_id"] == stored_id]

    first = mine()
    assert [(s["cron"], s["origin"]) for s in first] == [("0 4 * * *", "document")]
    both = {**document, "schedules": [{"cron": "0 4 * * *"}, {"interval": 3600}]}
    assert client.put(f"/api/v1/workflows/{stored_id}", json=both).status_code == 200
    now = mine()
    assert first[0]["id"] in {s["id"] for s in now}  # unchanged: kept as it was
    assert sorted(str(s["cron"] or s["interval"]) for s in now) == ["0 4 * * *", "3600.0"]
    bad = {**document, "schedules": [{"cron": "0 4 * * *", "timezone": "Nowhere/Land"}]}
    refused = client.put(f"/api/v1/workflows/{stored_id}", json=bad)
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "schedules[0].timezone"
    assert len(mine()) == 2
    by_hand = client.post(API, json={"workflow_id": stored_id, "interval": 60}).json()["id"]
    deleted = client.delete(f"/api/v1/workflows/{stored_id}")
    # it was a bare 204: nobody learnt that two schedules went and one stopped
    assert deleted.status_code == 200, deleted.text
    said = deleted.json()
    assert said["id"] == stored_id and said["deleted"] is True
    assert sorted(said["schedules_removed"]) == sorted(s["id"] for s in now)
    assert said["schedules_disabled"] == [by_hand]
    assert [(s["id"], s["paused"]) for s in mine()] == [(by_hand, True)]


def test_a_template_is_never_scheduled_but_its_instances_are(client: httpx.Client) -> None:
    body = {**echo_workflow("templated"), "schedules": [{"interval": 3600}]}
    document = {"kind": "template", "name": "templated", "parameters": {}, "workflow": body}
    created = client.post("/api/v1/templates", json=document)
    assert created.status_code == 201, created.text
    template = created.json()["id"]
    items = client.get(API).json()["items"]
    assert [s for s in items if s["workflow_id"] == template] == []
    made = client.post(f"/api/v1/templates/{template}/instantiate", json={"name": "copy"})
    assert made.status_code == 201, made.text
    instance = made.json()["id"]
    items = client.get(API).json()["items"]
    assert [s["interval"] for s in items if s["workflow_id"] == instance] == [3600.0]
    client.delete(f"/api/v1/workflows/{instance}")
    client.delete(f"/api/v1/templates/{template}")

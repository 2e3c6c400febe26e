"""Webhooks out through a real daemon and a real receiver: signed headers, retries until the
receiver recovers, a delivery in flight at kill -9 delivered after the restart with the same
id, the listing (API, CLI), and bad settings refused before anything starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.daemon_testing import Harmoniad, echo_workflow, start_execution
from helpers.waiting import wait_until
from helpers.webhook_receiver import receiver

from harmonia.client import Client
from harmonia.signing import sign, signature_matches

SECRET = "s3cret-for-tests"


def notified(url: str, events: list[str], **extra: Any) -> dict[str, Any]:
    workflow = echo_workflow("notified")
    workflow["notify"] = [{"url": url, "events": events, **extra}]
    return workflow


def deliveries(daemon: Harmoniad, **params: str) -> dict[str, Any]:
    with daemon.client() as api:
        response = api.get("/api/v1/webhooks/deliveries", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())


def settled(daemon: Harmoniad, count: int, status: str = "delivered") -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]] | None:
        items = deliveries(daemon, status=status)["items"]
        return items if len(items) >= count else None

    return wait_until(check, 30, f"{count} {status} deliveries", detail=lambda: daemon.log)


def test_a_signed_delivery_with_every_header(tmp_path: Path) -> None:
    with receiver() as hook:
        env = {"HOOK_SECRET": SECRET}
        with Harmoniad(tmp_path / "data", env=env) as daemon, daemon.client() as api:
            workflow = notified(hook.url, ["workflow_completed"], secret_env="HOOK_SECRET")
            execution_id = start_execution(api, workflow)
            (request,) = hook.wait_for(1)
            items = settled(daemon, 1)
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp = headers["x-harmonia-timestamp"]
        assert headers["x-harmonia-signature-256"] == sign(SECRET.encode(), timestamp, request.body)
        assert signature_matches(
            SECRET.encode(), timestamp, request.body, headers["x-harmonia-signature-256"]
        )
        assert not signature_matches(
            b"other", timestamp, request.body, headers["x-harmonia-signature-256"]
        )
        assert headers["x-harmonia-event"] == "workflow_completed"
        assert headers["content-type"] == "application/json"
        body = request.json()
        assert body["delivery_id"] == headers["x-harmonia-delivery"] == items[0]["id"]
        assert body["execution_id"] == execution_id
        assert body["workflow"] == "notified"
        assert body["event"] == "workflow_completed"
        (item,) = items
        assert item["source"] == "workflow" and item["url"] == hook.url
        assert [a["status_code"] for a in item["attempts"]] == [200]
        assert SECRET not in daemon.log


def test_retried_until_the_receiver_recovers(tmp_path: Path) -> None:
    with receiver(statuses=[500, 503]) as hook:
        args = ("--webhook-retry-delay", "0.05", "--notify", hook.url)
        args += ("--notify-events", "workflow_completed,task_completed")
        with Harmoniad(tmp_path / "data", *args) as daemon, daemon.client() as api:
            execution_id = start_execution(api, echo_workflow())
            settled(daemon, 3)
            requests = hook.wait_for(5)
            page = deliveries(daemon, execution_id=execution_id)
            with Client(daemon.url, token=daemon.token) as client:
                typed = client.webhook_deliveries(execution_id=execution_id, status="delivered")
        ids = [r.headers["X-Harmonia-Delivery"] for r in requests]
        assert all(r.json()["delivery_id"] == i for r, i in zip(requests, ids, strict=True))
        assert len(set(ids)) == 3 and page["total"] == 3  # two tasks and the end
        by_id = {d["id"]: d for d in page["items"]}
        codes = sorted(([a["status_code"] for a in d["attempts"]] for d in by_id.values()), key=len)
        assert codes[-1][-1] == 200 and sum(len(c) for c in codes) == 5
        assert sorted(c for attempts in codes for c in attempts) == [200, 200, 200, 500, 503]
        for ident, delivery in by_id.items():  # the same id on every attempt of a delivery
            assert ids.count(ident) == len(delivery["attempts"])
            assert delivery["source"] == "daemon" and delivery["status"] == "delivered"
        failed = next(a for d in by_id.values() for a in d["attempts"] if a["status_code"] == 500)
        assert failed["error"] == "answered HTTP 500" and failed["answer"] == "try again later"
        assert {d.id for d in typed.items} == set(ids) and typed.total == 3
        assert all(d.attempts[-1].status_code == 200 for d in typed.items)


def test_failed_after_the_attempt_limit(tmp_path: Path) -> None:
    with receiver(statuses=[500] * 4) as hook:
        args = ("--webhook-retry-delay", "0.05", "--webhook-attempts", "2", "--notify", hook.url)
        with Harmoniad(tmp_path / "data", *args) as daemon, daemon.client() as api:
            workflow = echo_workflow()
            workflow["tasks"]["hello"]["action"] = "fail"
            workflow["tasks"]["hello"]["input"] = {"message": "no"}
            start_execution(api, workflow)
            failed = settled(daemon, 2, "failed")
        assert {d["event"] for d in failed} == {"task_failed", "workflow_failed"}
        assert all(len(d["attempts"]) == 2 for d in failed)


def test_a_delivery_in_flight_at_kill_9_is_delivered_after_restart(tmp_path: Path) -> None:
    with receiver() as hook:
        hook.hold()
        args = ("--notify", hook.url, "--notify-events", "workflow_completed")
        daemon = Harmoniad(tmp_path / "data", *args).start()
        try:
            with daemon.client() as api:
                execution_id = start_execution(api, echo_workflow())
            (in_flight,) = hook.wait_for(1)
            daemon.kill()
            hook.release()
            daemon.start()
            requests = hook.wait_for(2)
            (item,) = settled(daemon, 1)
        finally:
            daemon.terminate()
        ids = {r.headers["X-Harmonia-Delivery"] for r in requests}
        assert ids == {in_flight.headers["X-Harmonia-Delivery"]} == {item["id"]}
        assert requests[1].body == in_flight.body
        assert item["execution_id"] == execution_id


def test_the_listing_pages_and_filters(tmp_path: Path) -> None:
    with receiver() as hook:
        args = ("--notify", hook.url, "--notify-events", "task_completed")
        with Harmoniad(tmp_path / "data", *args) as daemon, daemon.client() as api:
            start_execution(api, echo_workflow())
            settled(daemon, 2)
            first = deliveries(daemon, limit="1")
            second = deliveries(daemon, limit="1", offset="1")
            none = deliveries(daemon, status="failed")
            bad = api.get("/api/v1/webhooks/deliveries", params={"status": "lost"})
        assert first["total"] == 2 and len(first["items"]) == 1
        assert first["items"][0]["id"] != second["items"][0]["id"]
        assert none["items"] == [] and none["total"] == 0
        assert bad.status_code == 422


def test_a_secret_env_the_daemon_lacks_is_refused_where_stored_and_started(
    tmp_path: Path,
) -> None:
    """It was taken (validate ok, submit 201) and every delivery then failed until its
    attempts ran out. Now a 422 names the field and the variable, nothing is stored; and a
    workflow stored while the variable was set is refused at its start by a daemon restarted
    without it (the variable is the daemon's own: no request can set it)."""
    workflow = notified("http://127.0.0.1:9/hook", ["workflow_completed"], secret_env="HOOK_KEY")
    said = (
        "field 'notify[0].secret_env': $HOOK_KEY is not set in the daemon's environment, so "
        "its deliveries could not be signed: set it where harmoniad starts (and restart "
        "harmoniad), or drop secret_env"
    )
    with Harmoniad(tmp_path / "data", env={"HOOK_KEY": SECRET}) as daemon, daemon.client() as api:
        stored = api.post("/api/v1/workflows", json=workflow)
        assert stored.status_code == 201, stored.text
        workflow_id = stored.json()["id"]
    with Harmoniad(tmp_path / "data") as daemon, daemon.client() as api:
        for body in ({"workflow": workflow}, {"workflow_id": workflow_id}):
            refused = api.post("/api/v1/executions", json=body)
            assert refused.status_code == 422, refused.text
            where = "<request body>" if "workflow" in body else f"workflow {workflow_id}"
            assert refused.json()["message"] == f"{where}, {said}"
            assert refused.json()["details"][0]["field"] == "notify[0].secret_env"
        assert api.post("/api/v1/workflows", json=workflow).status_code == 422
        again = api.put(f"/api/v1/workflows/{workflow_id}", json=workflow)
        assert again.status_code == 422, again.text
        assert api.get("/api/v1/executions").json()["total"] == 0
        assert api.get("/api/v1/workflows").json()["total"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--notify", "ftp://example.org/x"), "is not an http:// or https:// URL"),
        (("--notify", "http://example.org", "--notify-events", "nope"), "unknown event 'nope'"),
        (("--notify-secret-env", "NO_SUCH_SECRET_VAR"), "$NO_SUCH_SECRET_VAR is not set"),
    ],
)
def test_bad_settings_stop_the_daemon(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    daemon = Harmoniad(tmp_path / "data", *args)
    with pytest.raises(RuntimeError, match="exited with 2"):
        daemon.start()
    assert message in daemon.log
    assert not (tmp_path / "data").exists()

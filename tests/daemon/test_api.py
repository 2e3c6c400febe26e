"""harmoniad's REST API against a real daemon: every endpoint's happy path, the one error
shape, security checks, and that a rejected request stores nothing.

One daemon subprocess (uvicorn on 127.0.0.1, port 0) serves the whole module; each test makes
its own workflows and executions, and compares counts before and after rather than assuming
an empty catalog. Waiting for an execution means following its SSE stream to the end.
"""

from __future__ import annotations

import json
import re
import socket
import stat
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import (
    Harmoniad,
    echo_template,
    echo_workflow,
    event_seqs,
    read_sse,
    sleep_workflow,
    sse_stream,
    store_template,
    store_workflow_yaml,
)

from harmonia.events import EventType

MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    data_dir = tmp_path_factory.mktemp("daemon") / "data"
    with Harmoniad(data_dir, "--max-body", str(MAX_BODY)) as running:
        yield running


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "message", "details"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["message"]
    assert "Traceback" not in response.text
    return dict(body)


def start(api: httpx.Client, workflow: dict[str, Any], **input: Any) -> dict[str, Any]:
    response = api.post("/api/v1/executions", json={"workflow": workflow, "input": input})
    assert response.status_code == 201, response.text
    return dict(response.json())


def counts(api: httpx.Client) -> tuple[int, int]:
    workflows = api.get("/api/v1/workflows").json()["total"]
    executions = api.get("/api/v1/executions").json()["total"]
    return workflows, executions


# ---- the daemon itself -------------------------------------------------------------------


def test_health_needs_no_token(daemon: Harmoniad) -> None:
    with daemon.client(token=False) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": "0.1.0",
        "component": "harmonia",
        "port": daemon.port,
    }


def test_ready_and_discovery(api: httpx.Client, daemon: Harmoniad) -> None:
    ready = api.get("/ready").json()
    assert ready["ready"] is True and ready["running_executions"] >= 0
    found = api.get("/discovery").json()
    assert found["name"] == "harmonia"
    assert found["port"] == daemon.port
    paths = {(e["method"], e["path"]) for e in found["endpoints"]}
    assert ("POST", "/api/v1/executions") in paths
    assert ("WS", "/ws/executions/{id}") in paths
    assert {"workflows", "executions", "checkpoints", "sse", "websocket", "templates"} <= set(
        found["capabilities"]
    )
    assert found["event_types"] == [str(t) for t in EventType]


def test_openapi_document_lists_every_endpoint(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    endpoints = api.get("/discovery").json()["endpoints"]
    for endpoint in endpoints:
        # WebSockets and the MCP server (streamable HTTP) are not describable in OpenAPI
        if endpoint["method"] != "WS" and endpoint["path"] != "/mcp":
            assert endpoint["method"].lower() in document["paths"][endpoint["path"]]
    assert "WorkflowDocument" in document["components"]["schemas"]
    assert document["paths"]["/health"]["get"]["security"] == []


def test_components(api: httpx.Client) -> None:
    items = api.get("/api/v1/components").json()["items"]
    names = [c["name"] for c in items]
    assert {"core", "shell", "python", "http"} <= set(names)
    actions = api.get("/api/v1/components/core/actions").json()["items"]
    sleep = next(a for a in actions if a["name"] == "sleep")
    assert sleep["input_schema"]["required"] == ["seconds"]
    assert_error(api.get("/api/v1/components/nope/actions"), 404, "not_found")


# ---- workflows and templates -------------------------------------------------------------


def test_workflow_crud(api: httpx.Client) -> None:
    info = store_workflow_yaml(api, echo_workflow("crud"))
    assert info["name"] == "crud" and info["task_count"] == 2 and info["template"] is False
    assert info["created_at"].endswith("Z")
    listed = api.get("/api/v1/workflows", params={"limit": 500}).json()
    assert info["id"] in [w["id"] for w in listed["items"]]
    detail = api.get(f"/api/v1/workflows/{info['id']}").json()
    assert detail["document"]["tasks"]["hello"]["action"] == "echo"

    replacement = {**echo_workflow("crud"), "description": "second version"}
    response = api.put(
        f"/api/v1/workflows/{info['id']}",
        content=json.dumps(replacement),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "second version"
    assert response.json()["created_at"] == info["created_at"]

    assert api.delete(f"/api/v1/workflows/{info['id']}").status_code == 200
    assert_error(api.get(f"/api/v1/workflows/{info['id']}"), 404, "not_found")
    assert_error(api.delete(f"/api/v1/workflows/{info['id']}"), 404, "not_found")


def test_templates_and_instantiate(api: httpx.Client, daemon: Harmoniad) -> None:
    plain = store_workflow_yaml(api, echo_workflow("plain"))
    template = store_template(api, echo_template("greeter"))
    ids = [t["id"] for t in api.get("/api/v1/templates").json()["items"]]
    assert template["id"] in ids and plain["id"] not in ids
    assert api.get(f"/api/v1/templates/{template['id']}").json()["document"]["name"] == "greeter"
    assert_error(api.get(f"/api/v1/templates/{plain['id']}"), 404, "not_found")
    assert_error(api.get(f"/api/v1/workflows/{template['id']}"), 404, "not_found")

    response = api.post(
        "/api/v1/templates/greeter/instantiate",
        json={"name": "greet-bob", "parameters": {"who": "bob"}},
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["name"] == "greet-bob" and made["template"] is False

    execution = api.post("/api/v1/executions", json={"workflow_id": made["id"]}).json()
    done = daemon.wait_finished(execution["id"])
    assert done["status"] == "completed"
    assert done["tasks"]["hello"]["output"] == {"msg": "hi bob"}

    before = counts(api)
    bad = api.post(
        f"/api/v1/templates/{template['id']}/instantiate", json={"parameters": {"whom": "x"}}
    )
    body = assert_error(bad, 422, "validation_error")
    assert body["details"][0]["field"] == "parameters.whom"
    wrong_type = api.post(
        f"/api/v1/templates/{template['id']}/instantiate", json={"parameters": {"who": 5}}
    )
    assert_error(wrong_type, 422, "validation_error")
    assert counts(api) == before


# ---- executions --------------------------------------------------------------------------


def test_execution_of_stored_workflow_runs_to_completion(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    info = store_workflow_yaml(api, echo_workflow("stored"))
    response = api.post(
        "/api/v1/executions", json={"workflow_id": info["id"], "input": {"who": "ann"}}
    )
    assert response.status_code == 201, response.text
    execution = response.json()
    assert execution["workflow"] == "stored"
    assert execution["status"] == "running"
    assert execution["input"] == {"who": "ann"}
    assert set(execution["tasks"]) == {"hello", "bye"}

    done = daemon.wait_finished(execution["id"])
    assert done["status"] == "completed"
    assert done["tasks"]["bye"]["output"] == {"prev": "hi ann"}
    assert done["counts"]["completed"] == 2

    listed = api.get("/api/v1/executions", params={"status": "completed", "limit": 1000}).json()
    row = next(r for r in listed["items"] if r["id"] == execution["id"])
    assert row["done_count"] == 2 and row["task_count"] == 2 and row["interrupted"] is False
    assert all(r["status"] == "completed" for r in listed["items"])
    assert listed["limit"] == 1000 and listed["offset"] == 0

    page = api.get(f"/api/v1/executions/{execution['id']}/events", params={"limit": 2}).json()
    assert [e["seq"] for e in page["items"]] == [1, 2] and page["next_after"] == 2
    rest = api.get(
        f"/api/v1/executions/{execution['id']}/events", params={"after": page["next_after"]}
    ).json()
    assert [e["seq"] for e in rest["items"]] == list(range(3, done["last_seq"] + 1))
    assert rest["items"][-1]["type"] == "workflow_completed"


def test_execution_listing_pages_newest_first(api: httpx.Client, daemon: Harmoniad) -> None:
    first = start(api, echo_workflow("page-a"))
    second = start(api, echo_workflow("page-b"))
    daemon.wait_finished(first["id"])
    daemon.wait_finished(second["id"])
    items = api.get("/api/v1/executions", params={"limit": 2, "offset": 0}).json()["items"]
    assert [i["id"] for i in items] == [second["id"], first["id"]]


def test_pause_resume_cancel(api: httpx.Client, daemon: Harmoniad) -> None:
    execution = start(api, sleep_workflow(60))
    execution_id = execution["id"]
    paused = api.post(f"/api/v1/executions/{execution_id}/pause")
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert_error(api.post(f"/api/v1/executions/{execution_id}/pause"), 409, "conflict")

    resumed = api.post(f"/api/v1/executions/{execution_id}/resume", json={})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "running"
    running = api.get("/api/v1/executions", params={"status": "running", "limit": 1000}).json()
    assert execution_id in [r["id"] for r in running["items"]]

    canceled = api.post(f"/api/v1/executions/{execution_id}/cancel")
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert_error(api.post(f"/api/v1/executions/{execution_id}/cancel"), 409, "conflict")
    assert_error(api.post(f"/api/v1/executions/{execution_id}/pause"), 409, "conflict")
    shown = api.get(f"/api/v1/executions/{execution_id}").json()
    assert shown["status"] == "canceled" and shown["tasks"]["nap"]["status"] == "canceled"


def test_checkpoint_and_restore(api: httpx.Client, daemon: Harmoniad) -> None:
    execution = start(api, echo_workflow("to-restore"))
    daemon.wait_finished(execution["id"])
    response = api.post(
        f"/api/v1/executions/{execution['id']}/checkpoint", json={"name": "after the run"}
    )
    assert response.status_code == 201, response.text
    checkpoint = response.json()
    assert checkpoint["name"] == "after the run" and checkpoint["kind"] == "manual"
    assert checkpoint["execution_id"] == execution["id"]

    listed = api.get("/api/v1/checkpoints", params={"execution_id": execution["id"]}).json()
    assert [c["id"] for c in listed["items"]] == [checkpoint["id"]]
    assert checkpoint["id"] in [c["id"] for c in api.get("/api/v1/checkpoints").json()["items"]]

    restored = api.post(f"/api/v1/checkpoints/{checkpoint['id']}/restore")
    assert restored.status_code == 201, restored.text
    new = restored.json()
    assert new["id"] != execution["id"] and new["restored_from"] == checkpoint["id"]
    done = daemon.wait_finished(new["id"])
    assert done["status"] == "completed"
    assert done["tasks"]["bye"]["output"] == {"prev": "hi world"}
    assert_error(api.post("/api/v1/checkpoints/ckpt-nope/restore"), 404, "not_found")


def test_retry_a_failed_task(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow = {
        "name": "fails",
        "tasks": {
            "ok": {"component": "core", "action": "echo", "input": {}},
            "boom": {"component": "core", "action": "fail", "depends_on": ["ok"], "input": {}},
            "after": {"component": "core", "action": "echo", "depends_on": ["boom"], "input": {}},
        },
    }
    execution = start(api, workflow)
    failed = daemon.wait_finished(execution["id"])
    assert failed["status"] == "failed" and failed["tasks"]["boom"]["status"] == "failed"

    response = api.post(f"/api/v1/executions/{execution['id']}/tasks/boom/retry")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "execution_id": execution["id"],
        "task_id": "boom",
        "reset": ["boom", "after"],
    }
    # the retried task fails again: the stream from there ends at the second failure
    events = read_sse(
        daemon.client(),
        f"/events/executions/{execution['id']}",
        headers={"Last-Event-ID": str(failed["last_seq"])},
    )
    assert events[0].event == "workflow_resumed"
    assert events[-1].event == "workflow_failed"
    again = api.get(f"/api/v1/executions/{execution['id']}").json()
    assert again["tasks"]["boom"]["attempts"] == 2
    assert_error(
        api.post(f"/api/v1/executions/{execution['id']}/tasks/nope/retry"), 404, "not_found"
    )

    resumed = api.post(f"/api/v1/executions/{execution['id']}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"
    assert daemon.wait_finished(execution["id"])["status"] == "failed"


def test_completed_execution_cannot_resume(api: httpx.Client, daemon: Harmoniad) -> None:
    execution = start(api, echo_workflow("done"))
    daemon.wait_finished(execution["id"])
    assert_error(api.post(f"/api/v1/executions/{execution['id']}/resume"), 409, "conflict")


# ---- errors ------------------------------------------------------------------------------


def test_unknown_paths_and_ids_are_json_404(api: httpx.Client) -> None:
    assert_error(api.get("/nope"), 404, "not_found")
    assert_error(api.get("/api/v1/executions/20990101-000000-ffffff"), 404, "not_found")
    assert_error(api.get("/api/v1/executions/..%2f..%2fetc"), 404, "not_found")
    assert_error(api.get("/api/v1/executions/nope/events"), 404, "not_found")
    assert_error(api.post("/api/v1/executions/nope/cancel"), 404, "not_found")
    assert_error(api.post("/api/v1/executions/nope/checkpoint"), 404, "not_found")
    assert_error(api.get("/api/v1/workflows/wf-nope"), 404, "not_found")
    assert_error(api.get("/events/executions/nope"), 404, "not_found")


def test_a_404_does_not_show_the_servers_data_folder(api: httpx.Client, daemon: Harmoniad) -> None:
    """`GET /api/v1/executions/nope` said "no execution 'nope' in /srv/.../data": the store's
    words for a local CLI user. A client learns which id is missing, not the server's paths."""
    folder = str(daemon.data_dir)
    for method, path, message in [
        ("GET", "/api/v1/executions/nope", "no execution 'nope'"),
        ("GET", "/api/v1/executions/nope/tasks/a/retry-plan", "no execution 'nope'"),
        ("POST", "/api/v1/executions/nope/resume", "no execution 'nope'"),
        ("POST", "/api/v1/checkpoints/nope/restore", "no checkpoint 'nope'"),
    ]:
        response = api.request(method, path, json={} if method == "POST" else None)
        body = assert_error(response, 404, "not_found")
        assert folder not in response.text, path
        assert body["message"] == message, path


def test_wrong_method_is_405_with_allow(api: httpx.Client) -> None:
    response = api.patch("/api/v1/workflows/wf-x")
    body = assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
    assert "PATCH" in body["message"]
    assert_error(api.delete("/api/v1/executions"), 405, "method_not_allowed")


def test_body_over_the_limit_is_413(api: httpx.Client) -> None:
    before = counts(api)
    big = b"name: x\n" + b"#" * (MAX_BODY + 1)
    response = api.post(
        "/api/v1/workflows", content=big, headers={"Content-Type": "application/yaml"}
    )
    assert_error(response, 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 1024 + 2):
            yield b" " * 1024

    with httpx.Client(base_url=api.base_url, headers=api.headers) as fresh:
        chunked = fresh.post(
            "/api/v1/executions", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert_error(chunked, 413, "payload_too_large")
    assert counts(api) == before


def test_wrong_content_type_is_415(api: httpx.Client) -> None:
    before = counts(api)
    response = api.post(
        "/api/v1/executions",
        content=json.dumps({"workflow": echo_workflow()}),
        headers={"Content-Type": "text/plain"},
    )
    assert_error(response, 415, "unsupported_media_type")
    form = api.post("/api/v1/workflows", data={"name": "x"})
    assert_error(form, 415, "unsupported_media_type")
    assert counts(api) == before


def test_malformed_json_and_wrong_types_are_422(api: httpx.Client) -> None:
    before = counts(api)
    malformed = api.post(
        "/api/v1/executions", content=b'{"workflow": ', headers={"Content-Type": "application/json"}
    )
    assert_error(malformed, 422, "invalid_json")
    not_object = api.post("/api/v1/executions", json=[1, 2])
    assert_error(not_object, 422, "invalid_json")

    wrong = api.post("/api/v1/executions", json={"workflow_id": 5, "input": "x"})
    body = assert_error(wrong, 422, "validation_error")
    locs = [d["loc"] for d in body["details"]]
    assert ["workflow_id"] in locs and ["input"] in locs
    both = api.post("/api/v1/executions", json={"workflow_id": "wf-x", "workflow": echo_workflow()})
    assert_error(both, 422, "validation_error")
    extra = api.post("/api/v1/executions", json={"workflow": echo_workflow(), "surprise": 1})
    assert_error(extra, 422, "validation_error")
    bad_query = api.get("/api/v1/executions", params={"limit": "lots"})
    assert bad_query.json()["details"][0]["loc"] == ["limit"]
    assert_error(api.get("/api/v1/executions", params={"status": "bored"}), 422, "validation_error")
    assert_error(
        api.get("/events/executions/x", headers={"Last-Event-ID": "soon"}), 422, "validation_error"
    )
    assert counts(api) == before


def test_an_id_that_cannot_be_one_is_named_by_what_it_would_name(api: httpx.Client) -> None:
    """`GET /api/v1/executions/a%20b` said "no id 'a b'" where a well-formed unknown id says
    "no execution 'x'": the kind comes from the path, as for every other 404."""
    for path, message in [
        ("/api/v1/executions/a%20b", "no execution 'a b'"),
        ("/api/v1/workflows/%00", "no workflow '\\x00'"),
        ("/api/v1/templates/a%20b", "no template 'a b'"),
    ]:
        body = assert_error(api.get(path), 404, "not_found")
        assert body["message"] == message, path
    retry = api.post("/api/v1/executions/x/tasks/a%20b/retry", json={})
    assert assert_error(retry, 404, "not_found")["message"] == "no task 'a b'"


def test_a_refused_body_is_said_in_the_words_of_the_workflow_file(api: httpx.Client) -> None:
    """pydantic's own words ("bogus: Extra inputs are not permitted", which reads like the
    workflow's input; "Input should be a valid dictionary"; "the request is not valid" with
    "Value error, ..." in details) were the daemon's: each now says what `harmonia validate`
    would, without echoing the value sent."""

    def said(response: httpx.Response) -> tuple[str, list[str]]:
        body = assert_error(response, 422, "validation_error")
        return body["message"], [d["msg"] for d in body["details"]]

    executions = "/api/v1/executions"
    assert said(api.post(executions, json={"workflow_id": "wf-x", "bogus": 1})) == (
        "bogus: unknown field",
        ["unknown field"],
    )
    quotes = "expected a string, got integer (put it in quotes to make it a string)"
    assert said(api.post(executions, json={"workflow_id": 5, "input": 5})) == (
        f"workflow_id: {quotes}",
        [quotes, "expected an object, got integer"],
    )
    assert said(api.post(executions, json={})) == (
        "give exactly one of 'workflow_id' and 'workflow'",
        ["give exactly one of 'workflow_id' and 'workflow'"],
    )
    # a query value is shown: every one is a string, so "got string" said nothing, and it is a
    # few characters the client wrote in the URL, not a body that could be large or secret
    assert said(api.get(executions, params={"limit": "lots"})) == (
        "limit: expected an integer, got 'lots'",
        ["expected an integer, got 'lots'"],
    )
    assert said(api.get(executions, params={"limit": "0"}))[0] == "limit: must be >= 1, got '0'"
    long = said(api.get(executions, params={"offset": "x" * 100}))[0]
    assert long == f"offset: expected an integer, got '{'x' * 35}...'"
    hook = said(api.post("/api/v1/hooks", json={"name": "bad name!", "workflow_id": "x"}))[0]
    assert hook.startswith("name: must match the pattern '^[A-Za-z0-9]")
    status = said(api.get(executions, params={"status": "bored"}))[0]
    assert status.startswith("status: must be 'pending', 'running', ")
    assert status.endswith("'canceled' or 'damaged', got 'bored'")
    assert said(api.get(executions, params={"bogus": "1"}))[0] == (
        "bogus: unknown query parameter; known: limit, offset, status"
    )


def test_invalid_workflow_is_422_with_located_problems(api: httpx.Client) -> None:
    before = counts(api)
    text = (
        "name: broken\n"
        "tasks:\n"
        "  first:\n"
        "    component: core\n"
        "    action: echo\n"
        "  second:\n"
        "    component: nosuch\n"
        "    action: run\n"
        "    depends_on: [first]\n"
    )
    response = api.post(
        "/api/v1/workflows", content=text, headers={"Content-Type": "application/yaml"}
    )
    body = assert_error(response, 422, "validation_error")
    problem = body["details"][0]
    assert problem["task"] == "second"
    assert problem["field"] == "component"
    assert problem["line"] == 7
    assert problem["file"] == "<request body>"
    assert "nosuch" in problem["message"]

    not_yaml = api.post(
        "/api/v1/workflows", content="name: [", headers={"Content-Type": "application/yaml"}
    )
    assert_error(not_yaml, 422, "validation_error")

    inline = api.post(
        "/api/v1/executions",
        json={"workflow": {"name": "x", "tasks": {"a": {"component": "core", "action": "nap"}}}},
    )
    inline_body = assert_error(inline, 422, "validation_error")
    assert inline_body["details"][0]["task"] == "a"

    bad_input = api.post(
        "/api/v1/executions", json={"workflow": echo_workflow(), "input": {"who": 3}}
    )
    input_body = assert_error(bad_input, 422, "validation_error")
    assert input_body["details"][0]["field"] == "input.who"
    assert_error(
        api.post("/api/v1/executions", json={"workflow_id": "wf-missing"}), 404, "not_found"
    )
    assert counts(api) == before


def test_rejected_requests_leave_no_execution_folder(daemon: Harmoniad) -> None:
    folder = daemon.data_dir / "executions"
    before = set(folder.iterdir()) if folder.exists() else set()
    with daemon.client() as api:
        api.post("/api/v1/executions", json={"workflow": echo_workflow(), "input": {"x": 1}})
        api.post("/api/v1/executions", json={"workflow": {"name": "x"}})
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before


# ---- security ----------------------------------------------------------------------------


def test_token_is_required(daemon: Harmoniad) -> None:
    with daemon.client(token=False) as anonymous:
        assert_error(anonymous.get("/api/v1/executions"), 401, "unauthorized")
        assert_error(anonymous.get("/openapi.json"), 401, "unauthorized")
        assert_error(anonymous.get("/events"), 401, "unauthorized")
        wrong = anonymous.get("/api/v1/executions", headers={"Authorization": "Bearer " + "x" * 43})
        assert_error(wrong, 401, "unauthorized")
        assert wrong.headers["www-authenticate"].startswith("Bearer")
        basic = anonymous.get("/discovery", headers={"Authorization": "Basic " + daemon.token})
        assert_error(basic, 401, "unauthorized")
        # the WebSocket query form is for WebSockets only
        query = anonymous.get("/api/v1/executions", params={"token": daemon.token})
        assert_error(query, 401, "unauthorized")


def test_token_file_is_private(daemon: Harmoniad) -> None:
    mode = stat.S_IMODE((daemon.data_dir / "token").stat().st_mode)
    assert mode == 0o600
    assert len(daemon.token) >= 43  # 32 random bytes, url-safe base64


def test_foreign_host_header_is_403(daemon: Harmoniad) -> None:
    with daemon.client() as api:
        evil = api.get("/api/v1/executions", headers={"Host": "evil.example"})
        assert_error(evil, 403, "forbidden_host")
        assert_error(api.get("/health", headers={"Host": "evil.example:80"}), 403, "forbidden_host")
        assert api.get("/health", headers={"Host": f"localhost:{daemon.port}"}).status_code == 200
        assert api.get("/health", headers={"Host": "[::1]"}).status_code == 200


def test_daemon_json_names_the_running_daemon(daemon: Harmoniad) -> None:
    info = json.loads((daemon.data_dir / "daemon.json").read_text())
    assert info == {"url": daemon.url, "pid": daemon.pid}


def test_log_has_access_lines_without_the_token(daemon: Harmoniad) -> None:
    with daemon.client() as api:
        api.get("/api/v1/components/core/actions")
    line = daemon.wait_for_log("GET /api/v1/components/core/actions 200")
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO harmoniad.access: ", line)
    assert line.rstrip().endswith("ms")
    assert daemon.token not in daemon.log


# ---- server-sent events ------------------------------------------------------------------


def test_sse_every_event_once_in_order_and_resume(api: httpx.Client, daemon: Harmoniad) -> None:
    execution = start(api, echo_workflow("sse"))
    events = read_sse(api, f"/events/executions/{execution['id']}")
    seqs = event_seqs(events)
    assert seqs == list(range(1, len(seqs) + 1))
    assert [e.id for e in events] == [str(s) for s in seqs]
    assert events[0].event == "workflow_started" and events[-1].event == "workflow_completed"
    for sse in events:
        data = json.loads(sse.data)
        assert data["type"] == sse.event and data["execution_id"] == execution["id"]
        assert set(data) == {"seq", "type", "execution_id", "task_id", "timestamp", "data"}

    for cut in range(len(events) + 1):
        rest = read_sse(
            api, f"/events/executions/{execution['id']}", headers={"Last-Event-ID": str(cut)}
        )
        assert event_seqs(rest) == seqs[cut:]
    by_query = read_sse(api, f"/events/executions/{execution['id']}?after=2")
    assert event_seqs(by_query) == seqs[2:]


def test_sse_of_a_live_execution(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow = {
        "name": "live",
        "tasks": {
            f"n{i}": {"component": "core", "action": "sleep", "input": {"seconds": 0.05}}
            for i in range(6)
        },
    }
    execution = start(api, workflow)
    events = read_sse(api, f"/events/executions/{execution['id']}")
    seqs = event_seqs(events)
    assert seqs == list(range(1, len(seqs) + 1))
    assert events[-1].event == "workflow_completed"
    assert sum(1 for e in events if e.event == "task_completed") == 6


def test_global_sse_resumes_one_execution_then_goes_live(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    execution = start(api, echo_workflow("global"))
    daemon.wait_finished(execution["id"])
    mine: list[Any] = []
    headers = {"Last-Event-ID": f"{execution['id']}:1"}
    with (
        httpx.Client(base_url=daemon.url, headers=daemon.auth, timeout=30) as client,
        sse_stream(client, "/events", headers) as stream,
    ):
        for sse in stream:
            data = json.loads(sse.data)
            assert sse.id == f"{data['execution_id']}:{data['seq']}"
            if data["execution_id"] == execution["id"]:
                mine.append(data["seq"])
                if data["type"] == "workflow_completed":
                    break
    assert mine == list(range(2, mine[-1] + 1))


# ---- WebSocket ---------------------------------------------------------------------------


def test_websocket_events_ping_and_close(api: httpx.Client, daemon: Harmoniad) -> None:
    from websockets.sync.client import connect

    execution = start(api, sleep_workflow(60))
    url = f"{daemon.ws_url}/ws/executions/{execution['id']}?after=0"
    with connect(url, additional_headers=daemon.auth) as ws:
        first = json.loads(ws.recv(timeout=10))
        assert first["type"] == "workflow_started" and first["seq"] == 1
        ws.send(json.dumps({"type": "ping"}))
        frames = []
        while True:
            frame = json.loads(ws.recv(timeout=10))
            frames.append(frame)
            if frame["type"] == "pong":
                break
        assert [f["seq"] for f in frames if f["type"] != "pong"] in ([], [2])
        assert api.post(f"/api/v1/executions/{execution['id']}/cancel").status_code == 200
        rest = []
        try:
            while True:
                rest.append(json.loads(ws.recv(timeout=10)))
        except Exception as exc:  # the server closes after the terminal event
            assert type(exc).__name__ == "ConnectionClosedOK", exc
        assert rest[-1]["type"] == "workflow_canceled"
        assert ws.close_code == 1000
        seqs = [1] + [f["seq"] for f in frames + rest if f["type"] != "pong"]
        assert seqs == list(range(1, len(seqs) + 1))


def test_websocket_resume_token_query_and_refusals(api: httpx.Client, daemon: Harmoniad) -> None:
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    execution = start(api, echo_workflow("ws"))
    done = daemon.wait_finished(execution["id"])
    url = f"{daemon.ws_url}/ws/executions/{execution['id']}?after=2&token={daemon.token}"
    with connect(url) as ws:
        got = []
        with pytest.raises(ConnectionClosed):
            while True:
                got.append(json.loads(ws.recv(timeout=10))["seq"])
        assert got == list(range(3, done["last_seq"] + 1))
        assert ws.close_code == 1000

    with connect(f"{daemon.ws_url}/ws/executions/{execution['id']}") as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 4401
    with connect(f"{daemon.ws_url}/ws/executions/nope", additional_headers=daemon.auth) as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 4404
    # a page served by evil.example resolving to 127.0.0.1 (DNS rebinding) sends its own Host
    sock = socket.create_connection(("127.0.0.1", daemon.port))
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"ws://evil.example:{daemon.port}/ws/executions/{execution['id']}",
            sock=sock,
            additional_headers=daemon.auth,
        )
    assert refused.value.response.status_code == 403
    assert json.loads(bytes(refused.value.response.body))["code"] == "forbidden_host"


def _fan_workflow(n: int) -> dict[str, Any]:
    """`n` echo tasks, each after up to two earlier ones: many events, several at once."""
    return {
        "name": "fan",
        "max_concurrency": 8,
        "tasks": {
            f"t{i}": {
                "component": "core",
                "action": "echo",
                "depends_on": sorted({f"t{i // 2}", f"t{i - 1}"} - {f"t{i}"}) if i else [],
                "input": {"i": i},
            }
            for i in range(n)
        },
    }


def _ws_events(daemon: Harmoniad, execution_id: str, query: str) -> tuple[list[str], int]:
    """Every event's JSON text from a WebSocket (batch frames split), and the frame count."""
    from websockets.exceptions import ConnectionClosedOK
    from websockets.sync.client import connect

    texts: list[str] = []
    frames = 0
    url = f"{daemon.ws_url}/ws/executions/{execution_id}?{query}"
    with connect(url, additional_headers=daemon.auth, max_size=None) as ws:
        with pytest.raises(ConnectionClosedOK):
            while True:
                frame = ws.recv(timeout=30)
                assert isinstance(frame, str)
                frames += 1
                if "batch=true" in query:
                    message = json.loads(frame)
                    assert message["type"] == "batch" and message["events"]
                    texts.extend(json.dumps(e, separators=(",", ":")) for e in message["events"])
                else:
                    texts.append(frame)
        assert ws.close_code == 1000
    return texts, frames


def test_websocket_batch_frames_carry_every_event_once(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    """`?batch=true`: `{"type": "batch", "events": [...]}` frames, the same events, in order,
    live and from the history; a live run packs several events into a frame."""
    import threading

    execution = start(api, _fan_workflow(120))
    live: list[tuple[list[str], int]] = []
    reader = threading.Thread(
        target=lambda: live.append(_ws_events(daemon, execution["id"], "after=0&batch=true"))
    )
    reader.start()
    done = daemon.wait_finished(execution["id"])
    reader.join(timeout=60)
    assert live, "the batch WebSocket never finished"
    last = done["last_seq"]
    history, history_frames = _ws_events(daemon, execution["id"], "after=0&batch=true")
    one_by_one, single_frames = _ws_events(daemon, execution["id"], "after=0")
    for texts, _ in (live[0], (history, history_frames)):
        assert [json.loads(t)["seq"] for t in texts] == list(range(1, last + 1))
    assert single_frames == last
    assert history_frames < last and live[0][1] <= last
    assert [json.loads(t) for t in history] == [json.loads(t) for t in one_by_one]
    tail, _ = _ws_events(daemon, execution["id"], f"after={last - 3}&batch=true")
    assert [json.loads(t)["seq"] for t in tail] == [last - 2, last - 1, last]


def test_every_client_gets_the_same_bytes_for_an_event(
    api: httpx.Client, daemon: Harmoniad
) -> None:
    """Events are encoded once and shared: several SSE streams of one run, a WebSocket and
    the REST page all carry the same text for each event."""
    import threading

    execution = start(api, _fan_workflow(80))
    path = f"/events/executions/{execution['id']}?after=0"
    streams: list[list[Any]] = []

    def read() -> None:
        with httpx.Client(base_url=daemon.url, headers=daemon.auth, timeout=30) as client:
            streams.append(read_sse(client, path))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(timeout=60)
    assert len(streams) == 4
    last = daemon.wait_finished(execution["id"])["last_seq"]
    first = [(e.id, e.event, e.data) for e in streams[0]]
    assert [int(i) for i, _, _ in first] == list(range(1, last + 1))
    for other in streams[1:]:
        assert [(e.id, e.event, e.data) for e in other] == first
    frames, _ = _ws_events(daemon, execution["id"], "after=0")
    assert frames == [data for _, _, data in first]
    page = api.get(f"/api/v1/executions/{execution['id']}/events", params={"limit": 10000})
    assert page.json()["items"] == [json.loads(data) for _, _, data in first]


LISTINGS = [
    "/api/v1/workflows",
    "/api/v1/templates",
    "/api/v1/executions",
    "/api/v1/checkpoints",
    "/api/v1/executions/x/events",
]


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize(
    "params",
    [
        {"limit": "-1"},
        {"limit": "0"},
        {"offset": "-1"},
        {"limit": "1.0"},
        {"limit": "+5"},
        {"limit": " 5"},
        {"limit": "5_0"},
        {"offset": "1e3"},
        {"after": "-3"},
        {"after": "2.5"},
        [("limit", "5"), ("limit", "-5")],
        {"execution_id": "../x"},
        {"execution_id": "a/b"},
        {"execution_id": ""},
        {"status": "bored"},
    ],
    ids=repr,
)
def test_every_listing_refuses_an_invalid_query_naming_the_parameter(
    api: httpx.Client, path: str, params: Any
) -> None:
    """Negative, zero or non-decimal numbers, repeated parameters, filters that cannot name
    anything and parameters a listing does not take: all 422, naming the parameter (before
    anything is looked up, so `x` need not exist)."""
    name = params[0][0] if isinstance(params, list) else next(iter(params))
    body = assert_error(api.get(path, params=params), 422, "validation_error")
    if body["details"] is not None:
        assert [name] in [d["loc"] for d in body["details"]], body
    assert name in body["message"]


def test_checkpoints_filter_by_a_well_formed_execution_id(api: httpx.Client) -> None:
    assert api.get("/api/v1/checkpoints", params={"execution_id": "exec-none"}).json() == {
        "items": []
    }

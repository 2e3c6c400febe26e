"""Fix and continue through a real `harmoniad`: complete and skip a task over HTTP, retry it
with an input override, the retry plan; wrong states are 409s naming the status, unknown ids
404s, bad and oversized bodies 4xx, and a refused request records nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad, fixable_workflow
from helpers.workflows import by_status

from harmonia.client import Client, ConflictError

NO_RETRY = {"max_retries": 0}

FIXABLE = fixable_workflow("fixable")


SHELL = {
    "name": "shell-fix",
    "defaults": {"retry_policy": NO_RETRY},
    "tasks": {
        "t": {"component": "shell", "action": "run", "input": {"command": ["false"]}},
        "u": {"component": "core", "action": "echo", "depends_on": ["t"]},
    },
}


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[Client]:
    with Client(daemon.url, data_dir=daemon.data_dir) as connected:
        yield connected


def failed_run(client: Client, document: dict[str, Any]) -> str:
    execution = client.start_execution(workflow=document)
    final = client.wait(execution.id, timeout=30)
    assert final.status == "failed"
    return execution.id


def error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    return str(body["message"])


def test_complete_over_http_runs_what_is_below_with_the_given_output(
    api: httpx.Client, client: Client
) -> None:
    execution_id = failed_run(client, FIXABLE)
    answer = api.post(
        f"/api/v1/executions/{execution_id}/tasks/b/complete",
        json={"output": {"rows": 42}, "by": "nightly-bot"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "execution_id": execution_id,
        "task_id": "b",
        "status": "completed",
        "reset": ["c"],
    }
    final = client.wait(execution_id, timeout=30)
    assert final.status == "completed"
    assert final.tasks["c"].output == {"rows": 42}
    mark = final.tasks["b"].operator
    assert mark is not None and (mark["action"], mark["by"]) == ("complete", "nightly-bot")
    assert final.tasks["c"].operator is None
    events = client.events_page(execution_id).items
    fixes = [e for e in events if e.type == "task_completed_by_operator"]
    assert len(fixes) == 1 and fixes[0].data["by"] == "nightly-bot"


def test_skip_through_the_client(client: Client) -> None:
    execution_id = failed_run(client, FIXABLE)
    result = client.skip_task(execution_id, "b", reason="upstream is down", by="ops")
    assert (result.status, result.reset) == ("skipped", ["c"])
    final = client.wait(execution_id, timeout=30)
    assert final.status == "completed"
    assert by_status(final.tasks) == {"completed": {"a"}, "skipped": {"b", "c"}}
    assert final.tasks["b"].operator is not None
    assert final.tasks["b"].operator["reason"] == "upstream is down"


def test_retry_plan_and_retry_with_an_input_override(api: httpx.Client, client: Client) -> None:
    execution_id = failed_run(client, SHELL)
    plan = api.get(f"/api/v1/executions/{execution_id}/tasks/t/retry-plan")
    assert plan.status_code == 200, plan.text
    document = plan.json()
    assert document["reset"] == ["t", "u"] and document["allowed"] is True
    assert document["input"] == {"command": ["false"]}
    result = client.retry_task(execution_id, "t", input={"command": ["echo", "fixed"]}, by="ops")
    assert result.reset == document["reset"]  # the preview is what the retry did
    final = client.wait(execution_id, timeout=30)
    assert final.status == "completed"
    assert final.tasks["t"].output["stdout"].strip() == "fixed"
    assert final.tasks["t"].input_override == {"command": ["echo", "fixed"]}
    again = client.retry_plan(execution_id, "t")
    assert again.input == {"command": ["echo", "fixed"]}  # as rendered last, override included


def test_wrong_states_unknown_ids_and_bad_bodies_record_nothing(
    api: httpx.Client, client: Client
) -> None:
    execution_id = failed_run(client, FIXABLE)
    before = client.get_execution(execution_id).last_seq
    base = f"/api/v1/executions/{execution_id}/tasks"
    message = error(api.post(f"{base}/a/complete", json={"output": 1}), 409, "conflict")
    assert "task 'a' is completed" in message
    assert "is completed" in error(api.post(f"{base}/a/skip"), 409, "conflict")
    with pytest.raises(ConflictError, match="is completed"):
        client.complete_task(execution_id, "a", 1)
    error(api.post(f"{base}/nope/complete", json={"output": 1}), 404, "not_found")
    error(api.get(f"{base}/nope/retry-plan"), 404, "not_found")
    error(api.post("/api/v1/executions/ex-none/tasks/b/skip"), 404, "not_found")
    error(api.post(f"{base}/b/complete", json={}), 422, "validation_error")  # no output
    bad = api.post(
        f"{base}/b/complete",
        content=b'{"output": {"rows": 4',
        headers={"Content-Type": "application/json"},
    )
    error(bad, 422, "invalid_json")
    error(api.post(f"{base}/b/complete", json={"output": 1, "extra": 2}), 422, "validation_error")
    error(api.post(f"{base}/b/retry", json={"input": [1, 2]}), 422, "validation_error")
    huge = json.dumps({"output": "x" * (2 * 1024 * 1024)}).encode()
    error(
        api.post(f"{base}/b/complete", content=huge, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )
    assert client.get_execution(execution_id).last_seq == before
    assert client.get_execution(execution_id).tasks["b"].status == "failed"


def test_the_openapi_document_has_the_new_routes(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    task = "/api/v1/executions/{id}/tasks/{task_id}"
    assert "post" in paths[f"{task}/complete"]
    assert "post" in paths[f"{task}/skip"]
    assert "get" in paths[f"{task}/retry-plan"]
    retry_body = paths[f"{task}/retry"]["post"]["requestBody"]
    assert retry_body is not None

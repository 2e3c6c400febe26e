"""Sub-workflows through a real `harmoniad`: stored ids run as children, the links both ways
and the declared outputs are in the API (and its OpenAPI document), paths are refused for
executions that have no file, and stored-id recursion is a 422 before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from helpers.daemon_testing import Harmoniad, store_workflow
from helpers.workflows import task

CHILD = {
    "name": "child",
    "input": {"n": {"type": "integer"}},
    "tasks": {"echo": {"component": "core", "action": "echo", "input": {"n": "${input.n}"}}},
    "output": {"n": "${tasks.echo.output.n}"},
}


def parent(workflow: str) -> dict[str, Any]:
    return {
        "name": "parent",
        "tasks": {"sub": task("workflow.run", input={"workflow": workflow, "input": {"n": 5}})},
        "output": {"got": "${tasks.sub.output.n}"},
    }


def run(api: httpx.Client, daemon: Harmoniad, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/api/v1/executions", json=body)
    assert response.status_code == 201, response.text
    return daemon.wait_finished(response.json()["id"])


def test_links_and_outputs_are_in_the_api(api: httpx.Client, daemon: Harmoniad) -> None:
    child_wf = store_workflow(api, CHILD)
    parent_wf = store_workflow(api, parent(child_wf))
    done = run(api, daemon, {"workflow_id": parent_wf})
    assert done["status"] == "completed", done
    assert done["output"] == {"got": 5}
    assert done["parent"] is None
    child_id = done["tasks"]["sub"]["child_execution_id"]
    assert done["tasks"]["sub"]["output"] == {"n": 5}
    assert done["tasks"]["sub"]["history"][0]["child_execution_id"] == child_id

    child = api.get(f"/api/v1/executions/{child_id}").json()
    assert child["workflow"] == "child"
    assert child["parent"] == {"execution_id": done["id"], "task_id": "sub", "depth": 1}
    assert child["output"] == {"n": 5}

    events = api.get(f"/api/v1/executions/{done['id']}/events").json()
    items = events["items"] if isinstance(events, dict) else events
    recorded = [e for e in items if e["type"] == "child_execution_started"]
    assert [e["data"]["child_execution_id"] for e in recorded] == [child_id]


def test_the_openapi_document_describes_the_links(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    execution = schemas["Execution"]["properties"]
    assert {"parent", "output"} <= set(execution)
    assert "child_execution_id" in schemas["TaskInfo"]["properties"]
    assert set(schemas["ParentLink"]["properties"]) == {"execution_id", "task_id", "depth"}


def test_a_path_is_refused_up_front(api: httpx.Client) -> None:
    """A stored workflow runs without its file: a literal path is a 422 naming the task and
    the path when it is stored or started inline, not a failure of every run."""
    before = (api.get("/api/v1/executions").json()["total"], api.get("/api/v1/workflows").json())
    started = api.post("/api/v1/executions", json={"workflow": parent("parts/child.yaml")})
    stored = api.post("/api/v1/workflows", json=parent("child.yaml"))
    yaml_text = "name: p\ntasks:\n  sub:\n    component: workflow\n    action: run\n"
    yaml_text += "    input: {workflow: ../child.yml}\n"
    headers = {"content-type": "application/yaml"}
    as_yaml = api.post("/api/v1/workflows", content=yaml_text, headers=headers)
    for response, path in (
        (started, "parts/child.yaml"),
        (stored, "child.yaml"),
        (as_yaml, "../child.yml"),
    ):
        assert response.status_code == 422, response.text
        (problem,) = response.json()["details"]
        assert (problem["task"], problem["field"]) == ("sub", "input.workflow")
        assert f"sub-workflow '{path}' is a file path" in problem["message"]
        assert "harmonia workflows add" in problem["message"]
    assert as_yaml.json()["details"][0]["line"] == 6
    after = (api.get("/api/v1/executions").json()["total"], api.get("/api/v1/workflows").json())
    assert after == before  # nothing was written


def test_a_computed_path_fails_its_task(api: httpx.Client, daemon: Harmoniad) -> None:
    """A path known only at run time is refused when the task runs, saying why."""
    body = parent("${input.child}") | {"input": {"child": {"type": "string"}}}
    done = run(api, daemon, {"workflow": body, "input": {"child": "child.yaml"}})
    assert done["status"] == "failed"
    error = done["tasks"]["sub"]["error"]
    assert error["kind"] == "invalid_input"
    assert "not started from a workflow file" in error["message"]
    assert done["tasks"]["sub"]["child_execution_id"] is None


def test_stored_recursion_is_refused_with_422(api: httpx.Client, tmp_path: Path) -> None:
    first = store_workflow(api, CHILD)
    second = store_workflow(api, parent(first))
    replaced = api.put(f"/api/v1/workflows/{first}", json=parent(second) | {"name": "loop"})
    assert replaced.status_code == 200, replaced.text
    before = api.get("/api/v1/executions").json()["total"]
    response = api.post("/api/v1/executions", json={"workflow_id": first})
    assert response.status_code == 422, response.text
    body = response.text
    assert f"sub-workflow recursion: loop -> {second} -> {first}" in body
    assert api.get("/api/v1/executions").json()["total"] == before  # nothing was written

"""The 17 tools through Tekton's MCP v2 dialect on a real daemon: each one's happy path and a
failure, every answer HTTP 200 in the `{"status", "result", "error"}` shape (never a 5xx); the
tools, capabilities and health lists; `/health`, `/ready` and both discovery paths in Tekton's
shapes with today's fields kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.daemon_testing import Harmoniad

TOOL_NAMES = [
    "CreateWorkflowDefinition",
    "UpdateWorkflowDefinition",
    "DeleteWorkflowDefinition",
    "GetWorkflowDefinition",
    "ListWorkflowDefinitions",
    "ExecuteWorkflow",
    "CancelWorkflowExecution",
    "PauseWorkflowExecution",
    "ResumeWorkflowExecution",
    "GetWorkflowExecutionStatus",
    "ListWorkflowExecutions",
    "CreateTemplate",
    "InstantiateTemplate",
    "ListTemplates",
    "ListComponents",
    "GetComponentActions",
    "ExecuteComponentAction",
]
ECHO_TASKS = {"hello": {"component": "core", "action": "echo", "input": {"msg": "${input.who}"}}}
SLEEP_TASKS = {"nap": {"component": "core", "action": "sleep", "input": {"seconds": 30}}}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("tools") / "data", "--no-access-log") as running:
        yield running


def call(api: httpx.Client, tool: str, **arguments: Any) -> dict[str, Any]:
    response = api.post("/api/mcp/v2/process", json={"tool_name": tool, "arguments": arguments})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "result", "error"}, body
    return dict(body)


def ok(api: httpx.Client, tool: str, **arguments: Any) -> dict[str, Any]:
    body = call(api, tool, **arguments)
    assert body["status"] == "success" and body["error"] is None, body
    assert isinstance(body["result"], dict)
    return dict(body["result"])


def refused(api: httpx.Client, tool: str, **arguments: Any) -> str:
    body = call(api, tool, **arguments)
    assert body["status"] == "error" and body["result"] is None, body
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


def created(api: httpx.Client, name: str, tasks: dict[str, Any], **more: Any) -> dict[str, Any]:
    """CreateWorkflowDefinition's result for `name` running `tasks` with a `who` input;
    `more` adds arguments or replaces the description."""
    who = {"who": {"type": "string", "default": "world"}}
    arguments = {"description": "made by a test", "input_schema": who, **more}
    return ok(api, "CreateWorkflowDefinition", name=name, tasks=tasks, **arguments)


def core(action: str, parameters: dict[str, Any], **more: Any) -> dict[str, Any]:
    """ExecuteComponentAction's arguments for the core component's `action`."""
    return {"component_name": "core", "action": action, "parameters": parameters, **more}


def create(api: httpx.Client, name: str, tasks: dict[str, Any]) -> str:
    return str(created(api, name, tasks)["workflow_id"])


def wait_finished(daemon: Harmoniad, execution_id: str) -> dict[str, Any]:
    return daemon.wait_finished(execution_id)


# ---- lists and shapes ------------------------------------------------------------------------


def test_tools_capabilities_and_health_lists(api: httpx.Client, daemon: Harmoniad) -> None:
    tools = api.get("/api/mcp/v2/tools").json()
    assert [t["name"] for t in tools["tools"]] == TOOL_NAMES
    assert tools["count"] == 17
    create_tool = tools["tools"][0]
    assert set(create_tool) == {"name", "description", "parameters", "tags", "category"}
    assert create_tool["category"] == "workflow_management"
    assert create_tool["parameters"]["name"] == {
        "type": "str",
        "required": True,
        "default": None,
        "description": "The workflow's name.",
    }
    assert create_tool["parameters"]["version"]["default"] == "1.0"
    assert create_tool["parameters"]["tasks"]["type"] == "dict[str, Any]"
    listing = {t["name"]: t for t in tools["tools"]}["ListWorkflowDefinitions"]["parameters"]
    assert listing["limit"] == {
        "type": "int",
        "required": False,
        "default": 100,
        "description": "Items per page.",
    }

    capabilities = api.get("/api/mcp/v2/capabilities").json()
    assert capabilities["count"] == 4
    by_name = {c["name"]: c["tools"] for c in capabilities["capabilities"]}
    assert set(by_name) == {
        "workflow_management",
        "workflow_execution",
        "template_management",
        "component_integration",
    }
    assert sorted(n for names in by_name.values() for n in names) == sorted(TOOL_NAMES)

    health = api.get("/api/mcp/v2/health").json()
    assert health == {
        "status": "healthy",
        "component": "harmonia",
        "version": "0.1.0",
        "port": daemon.port,
        "tools": 17,
        "mcp": "/mcp",
    }


def test_health_ready_and_discovery_in_tekton_shapes(api: httpx.Client, daemon: Harmoniad) -> None:
    health = httpx.get(f"{daemon.url}/health").json()  # no token, as before
    assert health == {
        "status": "ok",
        "version": "0.1.0",
        "component": "harmonia",
        "port": daemon.port,
    }
    ready = api.get("/ready").json()
    assert ready["ready"] is True and ready["status"] == "healthy"
    assert (ready["component"], ready["version"], ready["port"]) == (
        "harmonia",
        "0.1.0",
        daemon.port,
    )
    assert {"running_executions", "storage", "hermes"} <= set(ready)  # today's fields

    first = api.get("/discovery").json()
    assert api.get("/api/v1/discovery").json() == first
    for key in ("component", "version", "description", "endpoints", "capabilities"):
        assert first[key], key
    assert first["component"] == first["name"] == "harmonia"
    assert first["dependencies"] == []  # joins no Hermes
    assert first["metadata"]["mcp"] == "/mcp" and first["metadata"]["mcp_v2"] == "/api/mcp/v2"
    assert first["metadata"]["tools"] == TOOL_NAMES
    assert first["port"] == first["metadata"]["port"] == daemon.port
    assert "workflow_completed" in first["event_types"]
    for endpoint in first["endpoints"]:
        assert set(endpoint) == {"method", "path", "description", "tags"}, endpoint
    paths = {(e["method"], e["path"]) for e in first["endpoints"]}
    assert {
        ("POST", "/api/mcp/v2/process"),
        ("GET", "/api/mcp/v2/tools"),
        ("GET", "/api/v1/discovery"),
        ("POST", "/mcp"),
        ("WS", "/ws/executions/{id}"),
    } <= paths


def test_the_envelope_is_checked_like_tekton_checks_it(api: httpx.Client) -> None:
    missing = api.post("/api/mcp/v2/process", json={"arguments": {}})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    not_object = api.post("/api/mcp/v2/process", json={"tool_name": "X", "arguments": [1]})
    assert not_object.status_code == 422
    camel = api.post("/api/mcp/v2/process", json={"toolName": "ListTemplates"})
    assert camel.status_code == 200 and camel.json()["status"] == "success"
    unknown = refused(api, "NoSuchTool")
    assert "no tool 'NoSuchTool'" in unknown and "ExecuteWorkflow" in unknown


# ---- workflow management ---------------------------------------------------------------------


def test_workflow_definition_tools(api: httpx.Client) -> None:
    made = created(api, "greet", ECHO_TASKS, description="says hello", metadata={"owner": "me"})
    workflow_id = made["workflow_id"]
    assert made["id"] == workflow_id and made["name"] == "greet"
    assert (made["version"], made["task_count"]) == ("1.0", 1)
    assert made["ignored"] == ["metadata"]  # said, not dropped silently
    # the REST API sees the same stored workflow
    assert api.get(f"/api/v1/workflows/{workflow_id}").json()["name"] == "greet"

    got = ok(api, "GetWorkflowDefinition", workflow_id=workflow_id)
    assert got["document"]["tasks"]["hello"]["action"] == "echo"

    updated = ok(api, "UpdateWorkflowDefinition", workflow_id=workflow_id, version="2.0")
    assert (updated["version"], updated["name"]) == ("2.0", "greet")

    listed = ok(api, "ListWorkflowDefinitions", limit=1000)
    assert workflow_id in [w["workflow_id"] for w in listed["items"]]
    assert ok(api, "ListWorkflowDefinitions", limit=1, offset=0)["limit"] == 1

    assert ok(api, "DeleteWorkflowDefinition", workflow_id=workflow_id) == {
        "workflow_id": workflow_id,
        "deleted": True,
        "schedules_removed": [],
        "schedules_disabled": [],
    }
    assert api.get(f"/api/v1/workflows/{workflow_id}").status_code == 404


def test_workflow_definition_tools_refuse(api: httpx.Client) -> None:
    unknown = {"t": {"component": "nowhere", "action": "x"}}
    bad = refused(api, "CreateWorkflowDefinition", name="bad", description="d", tasks=unknown)
    assert "task 't', field 'component': unknown component 'nowhere'" in bad
    assert "'description'" in refused(api, "CreateWorkflowDefinition", name="x", tasks=ECHO_TASKS)
    assert "no workflow 'wf-000000000000'" in refused(
        api, "UpdateWorkflowDefinition", workflow_id="wf-000000000000", name="n"
    )
    assert "no workflow" in refused(api, "DeleteWorkflowDefinition", workflow_id="wf-000000000000")
    assert "no workflow" in refused(api, "GetWorkflowDefinition", workflow_id="wf-000000000000")
    assert "'limit'" in refused(api, "ListWorkflowDefinitions", limit=0)
    assert "'nonsense'" in refused(api, "ListWorkflowDefinitions", nonsense=1)


def test_bad_arguments_are_all_named_in_the_loader_words(api: httpx.Client) -> None:
    """It said pydantic's first complaint only: "argument 'input': Extra inputs are not
    permitted", "argument 'name': Field required (and 2 more)", "Input should be a valid
    string": neither the argument meant nor the others missing."""
    assert refused(api, "ExecuteWorkflow", workflow_id="wf-000000000000", input={}) == (
        "ExecuteWorkflow: unknown argument 'input' (did you mean 'input_data'?)"
    )
    assert refused(api, "CreateWorkflowDefinition") == (
        "CreateWorkflowDefinition: argument 'name' is required; argument 'description' is "
        "required; argument 'tasks' is required"
    )
    assert refused(api, "ListWorkflowDefinitions", limit=0, nonsense=1) == (
        "ListWorkflowDefinitions: argument 'limit': must be >= 1; unknown argument 'nonsense' "
        "(the arguments are: limit, offset)"
    )
    assert refused(api, "GetWorkflowDefinition", workflow_id=5).endswith(
        "argument 'workflow_id': expected a string, got integer (put it in quotes to make it "
        "a string)"
    )


# ---- executions ------------------------------------------------------------------------------


def test_execute_and_follow(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow_id = create(api, "greet-run", ECHO_TASKS)
    started = ok(api, "ExecuteWorkflow", workflow_id=workflow_id, input_data={"who": "tekton"})
    execution_id = started["execution_id"]
    assert started["workflow_id"] == workflow_id and started["started_at"]
    assert started["status"] in ("pending", "running", "completed")
    wait_finished(daemon, execution_id)

    status = ok(api, "GetWorkflowExecutionStatus", execution_id=execution_id)
    assert status["status"] == "completed"
    assert status["tasks"]["hello"]["output"] == {"msg": "tekton"}

    mine = ok(api, "ListWorkflowExecutions", workflow_id=workflow_id)
    assert [e["id"] for e in mine["items"]] == [execution_id]
    done = ok(api, "ListWorkflowExecutions", status="completed", limit=1000)
    assert execution_id in [e["id"] for e in done["items"]]


def test_execution_tools_refuse(api: httpx.Client) -> None:
    workflow_id = create(api, "greet-bad-input", ECHO_TASKS)
    assert "who" in refused(api, "ExecuteWorkflow", workflow_id=workflow_id, input_data={"who": 5})
    assert "no workflow" in refused(api, "ExecuteWorkflow", workflow_id="wf-000000000000")
    for tool in (
        "CancelWorkflowExecution",
        "PauseWorkflowExecution",
        "ResumeWorkflowExecution",
        "GetWorkflowExecutionStatus",
    ):
        assert "no execution" in refused(api, tool, execution_id="20200101-000000-0000000000")
    assert "'status'" in refused(api, "ListWorkflowExecutions", status="sleepy")
    assert "no workflow" in refused(api, "ListWorkflowExecutions", workflow_id="wf-000000000000")


def test_pause_resume_cancel(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow_id = create(api, "napper", SLEEP_TASKS)
    execution_id = ok(api, "ExecuteWorkflow", workflow_id=workflow_id)["execution_id"]
    paused = ok(api, "PauseWorkflowExecution", execution_id=execution_id)
    assert (paused["execution_id"], paused["status"]) == (execution_id, "paused")
    resumed = ok(api, "ResumeWorkflowExecution", execution_id=execution_id)
    assert resumed["status"] == "running"
    canceled = ok(api, "CancelWorkflowExecution", execution_id=execution_id)
    assert canceled["status"] == "canceled"
    wait_finished(daemon, execution_id)
    # what no longer applies is refused with the engine's reason
    assert "paus" in refused(api, "PauseWorkflowExecution", execution_id=execution_id)
    assert "cancel" in refused(api, "CancelWorkflowExecution", execution_id=execution_id)


def test_resume_of_a_completed_execution_is_refused(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow_id = create(api, "greet-done", ECHO_TASKS)
    execution_id = ok(api, "ExecuteWorkflow", workflow_id=workflow_id)["execution_id"]
    wait_finished(daemon, execution_id)
    assert "completed" in refused(api, "ResumeWorkflowExecution", execution_id=execution_id)


# ---- templates -------------------------------------------------------------------------------


def test_template_tools(api: httpx.Client, daemon: Harmoniad) -> None:
    workflow_id = create(api, "greet-base", ECHO_TASKS)
    template = ok(
        api,
        "CreateTemplate",
        name="greeting",
        description="a greeting template",
        workflow_definition_id=workflow_id,
        parameters={"who": {"type": "string", "default": "nobody"}},
        tags=["demo"],
    )
    template_id = template["template_id"]
    assert template["template"] is True and template["ignored"] == ["tags"]
    assert template_id in [t["template_id"] for t in ok(api, "ListTemplates")["items"]]

    made = ok(api, "InstantiateTemplate", template_id=template_id, parameter_values={"who": "ann"})
    assert made["template"] is False and made["template_id"] == template_id
    document = ok(api, "GetWorkflowDefinition", workflow_id=made["workflow_id"])["document"]
    assert document["input"]["who"]["default"] == "ann"
    execution_id = ok(api, "ExecuteWorkflow", workflow_id=made["workflow_id"])["execution_id"]
    assert daemon.wait_finished(execution_id)["tasks"]["hello"]["output"] == {"msg": "ann"}


def test_template_tools_refuse(api: httpx.Client) -> None:
    assert "no workflow" in refused(
        api, "CreateTemplate", name="t", description="d", workflow_definition_id="wf-000000000000"
    )
    workflow_id = create(api, "not-a-template", ECHO_TASKS)
    assert "not a template" in refused(
        api, "InstantiateTemplate", template_id=workflow_id, parameter_values={}
    )
    template_id = ok(
        api, "CreateTemplate", name="t2", description="d", workflow_definition_id=workflow_id
    )["template_id"]
    undeclared = refused(
        api, "InstantiateTemplate", template_id=template_id, parameter_values={"nope": 1}
    )
    assert "nope" in undeclared
    assert "categories or tags" in refused(api, "ListTemplates", tags=["demo"])


# ---- components ------------------------------------------------------------------------------


def test_component_tools(api: httpx.Client) -> None:
    names = [c["name"] for c in ok(api, "ListComponents")["items"]]
    assert {"core", "shell", "python", "http"} <= set(names)
    actions = ok(api, "GetComponentActions", component_name="core")
    assert actions["component"] == "core"
    assert {a["name"] for a in actions["items"]} == {"echo", "sleep", "fail", "approve"}
    echoed = ok(api, "ExecuteComponentAction", **core("echo", {"greeting": "hi"}))
    assert echoed == {"component": "core", "action": "echo", "output": {"greeting": "hi"}}


def test_component_tools_refuse(api: httpx.Client) -> None:
    assert "'surprise'" in refused(api, "ListComponents", surprise=True)
    assert "nowhere" in refused(api, "GetComponentActions", component_name="nowhere")
    failed = refused(api, "ExecuteComponentAction", **core("fail", {"message": "on purpose"}))
    assert "core.fail failed" in failed and "on purpose" in failed
    assert "teleport" in refused(api, "ExecuteComponentAction", **core("teleport", {}))
    slow = refused(api, "ExecuteComponentAction", **core("sleep", {"seconds": 30}, timeout=0.2))
    assert "did not answer within 0.2s" in slow


def test_every_tool_was_exercised() -> None:
    """The list above is the original Harmonia's 17 tools; each has a test here."""
    source = Path(__file__).read_text(encoding="utf-8")
    for name in TOOL_NAMES:
        assert source.count(f'"{name}"') >= 3, name


def test_the_openapi_document_describes_the_tekton_paths(api: httpx.Client) -> None:
    """What schemathesis fuzzes (tests/daemon/test_schema.py) and the JS types come from."""
    document = api.get("/openapi.json").json()
    ids = [op["operationId"] for methods in document["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for path, method in [
        ("/api/mcp/v2/health", "get"),
        ("/api/mcp/v2/capabilities", "get"),
        ("/api/mcp/v2/tools", "get"),
        ("/api/mcp/v2/process", "post"),
        ("/api/v1/discovery", "get"),
    ]:
        assert method in document["paths"][path], path
    process = document["paths"]["/api/mcp/v2/process"]["post"]
    assert process["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/McpProcess"
    }
    assert "/mcp" not in document["paths"]  # streamable HTTP: not describable in OpenAPI

"""The operator's actions as MCP tools on a real daemon, driven by the `mcp` SDK's client over
streamable HTTP: approve and reject a waiting gate, complete, skip and retry (with an input
override) a failed task, the retry plan; each recorded as done by the MCP client, and a
refused call (a task that is not waiting, unknown ids, bad arguments) an `isError` result
that records nothing. Tekton's MCP v2 paths keep their 17 tools."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest
from harmoniad.mcpserver.operator_tools import OPERATOR_TOOLS
from harmoniad.tools import TOOLS
from helpers.daemon_testing import Harmoniad, fixable_workflow, gated_workflow, start_waiting

from daemon.mcp_session import session as mcp_session
from harmonia.client import Client as HarmoniaClient

if TYPE_CHECKING:
    from mcp import Client

AGENT = "test-agent"
BY = f"mcp:{AGENT}"
SHELL = {
    "name": "mcp-shell-fix",
    "defaults": {"retry_policy": {"max_retries": 0}},
    "tasks": {
        "t": {"component": "shell", "action": "run", "input": {"command": ["false"]}},
        "u": {"component": "core", "action": "echo", "depends_on": ["t"]},
    },
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("mcp-ops") / "data", "--no-access-log") as running:
        yield running


@pytest.fixture
def client(daemon: Harmoniad) -> Iterator[HarmoniaClient]:
    with HarmoniaClient(daemon.url, data_dir=daemon.data_dir) as connected:
        yield connected


def session(daemon: Harmoniad, *, mode: str = "auto") -> AbstractAsyncContextManager[Client]:
    """An MCP session whose client calls itself AGENT."""
    return mcp_session(daemon, mode=mode, agent=AGENT)


def call(daemon: Harmoniad, name: str, arguments: dict[str, Any], mode: str = "auto") -> Any:
    async def main() -> Any:
        async with session(daemon, mode=mode) as mcp:
            return await mcp.call_tool(name, arguments)

    return anyio.run(main)


def events(api: httpx.Client, execution_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/api/v1/executions/{execution_id}/events").json()["items"])


def failed_run(client: HarmoniaClient, document: dict[str, Any]) -> str:
    execution = client.start_execution(workflow=document)
    assert client.wait(execution.id, timeout=30).status == "failed"
    return execution.id


def test_operator_tools_are_listed_with_schemas_and_tekton_keeps_its_17(
    daemon: Harmoniad, api: httpx.Client
) -> None:
    async def main() -> list[Any]:
        async with session(daemon) as mcp:
            return list((await mcp.list_tools()).tools)

    tools = {t.name: t for t in anyio.run(main)}
    names = [t.name for t in OPERATOR_TOOLS]
    assert names == [
        "ApproveTask", "RejectTask", "CompleteTask", "SkipTask", "RetryTask", "GetTaskRetryPlan",
    ]  # fmt: skip
    assert set(tools) == {t.name for t in TOOLS} | set(names)
    approve = tools["ApproveTask"].input_schema
    assert approve["required"] == ["execution_id", "task_id"]
    assert approve["additionalProperties"] is False and "by" not in approve["properties"]
    assert tools["CompleteTask"].input_schema["required"] == ["execution_id", "task_id", "output"]
    assert tools["RetryTask"].input_schema["properties"]["input"]["anyOf"][0]["type"] == "object"
    tekton = api.get("/api/mcp/v2/tools").json()
    assert tekton["count"] == 17 and not {t["name"] for t in tekton["tools"]} & set(names)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_approve_over_mcp_is_recorded_as_done_by_the_mcp_client(
    daemon: Harmoniad, api: httpx.Client, client: HarmoniaClient, mode: str
) -> None:
    execution_id = start_waiting(client, gated_workflow(f"mcp-gate-{mode}", "ship it?"))
    answer = call(daemon, "ApproveTask", {"execution_id": execution_id, "task_id": "gate",
                                          "reason": "looks good"}, mode)  # fmt: skip
    assert not answer.is_error, answer.content
    result = answer.structured_content
    assert (result["decision"], result["by"], result["reason"]) == ("approved", BY, "looks good")
    assert daemon.wait_finished(execution_id)["status"] == "completed"
    decided = [e for e in events(api, execution_id) if e["type"] == "approval_decided"]
    assert [(e["task_id"], e["data"]["by"]) for e in decided] == [("gate", BY)]


def test_refused_calls_are_tool_errors_that_record_nothing(
    daemon: Harmoniad, api: httpx.Client, client: HarmoniaClient
) -> None:
    execution_id = start_waiting(client, gated_workflow("mcp-gate-refused", "ship it?"))
    before = events(api, execution_id)
    refused = [
        ("ApproveTask", {"execution_id": execution_id, "task_id": "build"}, "not waiting"),
        ("RejectTask", {"execution_id": execution_id, "task_id": "deploy"}, "not waiting"),
        ("ApproveTask", {"execution_id": execution_id, "task_id": "nope"}, "nope"),
        ("ApproveTask", {"execution_id": "20200101-000000-0000000000", "task_id": "gate"},
         "no execution"),
        ("ApproveTask", {"execution_id": execution_id}, "'task_id'"),
        ("ApproveTask", {"execution_id": execution_id, "task_id": "gate", "by": "alice"}, "'by'"),
        ("CompleteTask", {"execution_id": execution_id, "task_id": "build"}, "'output'"),
        ("RetryTask", {"execution_id": execution_id, "task_id": "gate", "input": [1]}, "'input'"),
        ("CompleteTask", {"execution_id": execution_id, "task_id": "gate", "output": 2**70},
         "output"),
    ]  # fmt: skip

    async def main() -> None:
        async with session(daemon) as mcp:
            for name, arguments, said in refused:
                answer = await mcp.call_tool(name, arguments)
                assert answer.is_error, (name, arguments)
                text = answer.content[0].text
                assert text.startswith(f"{name}") and said in text, text

    anyio.run(main)
    assert events(api, execution_id) == before
    assert api.get(f"/api/v1/executions/{execution_id}").json()["tasks"]["gate"]["status"] == (
        "waiting"
    )
    rejected = call(daemon, "RejectTask", {"execution_id": execution_id, "task_id": "gate",
                                           "reason": "not today"})  # fmt: skip
    assert not rejected.is_error, rejected.content
    done = daemon.wait_finished(execution_id)
    assert done["status"] == "failed" and done["tasks"]["gate"]["error"]["kind"] == "rejected"


def test_complete_and_skip_over_mcp_fix_a_failed_run(
    daemon: Harmoniad, api: httpx.Client, client: HarmoniaClient
) -> None:
    completed = failed_run(client, fixable_workflow("mcp-fix-complete"))
    answer = call(daemon, "CompleteTask", {"execution_id": completed, "task_id": "b",
                                           "output": {"rows": 7}})  # fmt: skip
    assert not answer.is_error, answer.content
    assert answer.structured_content == {
        "execution_id": completed, "task_id": "b", "status": "completed", "reset": ["c"],
    }  # fmt: skip
    final = daemon.wait_finished(completed)
    assert final["status"] == "completed"
    assert final["tasks"]["c"]["output"] == {"rows": 7}
    marked = [e for e in events(api, completed) if e["type"] == "task_completed_by_operator"]
    assert [e["data"]["by"] for e in marked] == [BY]

    skipped = failed_run(client, fixable_workflow("mcp-fix-skip"))
    answer = call(daemon, "SkipTask", {"execution_id": skipped, "task_id": "b", "reason": "n/a"})
    assert not answer.is_error and answer.structured_content["status"] == "skipped"
    assert daemon.wait_finished(skipped)["tasks"]["b"]["status"] == "skipped"
    again = call(daemon, "SkipTask", {"execution_id": skipped, "task_id": "a"})
    assert again.is_error and "completed" in again.content[0].text


def test_retry_plan_then_retry_with_an_input_override(
    daemon: Harmoniad, api: httpx.Client, client: HarmoniaClient
) -> None:
    execution_id = failed_run(client, SHELL)
    plan = call(daemon, "GetTaskRetryPlan", {"execution_id": execution_id, "task_id": "t"})
    assert not plan.is_error, plan.content
    assert plan.structured_content["allowed"] is True
    assert plan.structured_content["reset"] == ["t", "u"]
    assert plan.structured_content["input"] == {"command": ["false"]}
    override = {"command": ["echo", "fixed"]}
    answer = call(daemon, "RetryTask", {"execution_id": execution_id, "task_id": "t",
                                        "input": override})  # fmt: skip
    assert not answer.is_error, answer.content
    assert answer.structured_content["reset"] == ["t", "u"]
    final = daemon.wait_finished(execution_id)
    assert final["status"] == "completed"
    assert final["tasks"]["t"]["input_override"] == override
    resumed = [e for e in events(api, execution_id) if e["type"] == "workflow_resumed"]
    assert [(e["data"]["reason"], e["data"]["by"]) for e in resumed] == [("retry", BY)]

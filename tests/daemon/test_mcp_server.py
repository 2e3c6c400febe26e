"""The MCP server at `/mcp` on a real daemon, driven by the official `mcp` SDK's client over
streamable HTTP: the 17 tools with typed JSON Schemas, calls that start an execution and read
its status, a tool's failure as `isError`, executions as resources; the token always needed;
and a SIGTERM with MCP sessions open still stops the daemon at once."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import orjson
import pytest
from harmoniad.mcpserver.operator_tools import OPERATOR_TOOLS
from harmoniad.tools import TOOLS
from helpers.daemon_testing import Harmoniad

from daemon.mcp_session import session

ECHO_TASKS = {"hello": {"component": "core", "action": "echo", "input": {"msg": "${input.who}"}}}
STOP_WITHIN = 5.0


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path_factory.mktemp("mcp") / "data", "--no-access-log") as running:
        yield running


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_tools_are_listed_with_their_schemas(daemon: Harmoniad, mode: str) -> None:
    async def main() -> list[Any]:
        async with session(daemon, mode=mode) as client:
            return list((await client.list_tools()).tools)

    tools = anyio.run(main)
    assert [t.name for t in tools] == [t.name for t in [*TOOLS, *OPERATOR_TOOLS]]
    by_name = {t.name: t for t in tools}
    create = by_name["CreateWorkflowDefinition"].input_schema
    assert create["type"] == "object" and create["additionalProperties"] is False
    assert create["required"] == ["name", "description", "tasks"]
    assert create["properties"]["tasks"]["type"] == "object"
    assert create["properties"]["version"]["default"] == "1.0"
    listing = by_name["ListWorkflowExecutions"].input_schema["properties"]
    assert listing["limit"]["maximum"] == 1000
    assert "completed" in str(listing["status"])
    assert all(t.description for t in tools)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_a_session_starts_an_execution_and_reads_it(daemon: Harmoniad, mode: str) -> None:
    async def start() -> tuple[str, str]:
        async with session(daemon, mode=mode) as client:
            created = await client.call_tool(
                "CreateWorkflowDefinition",
                {
                    "name": f"mcp-greet-{mode}",
                    "description": "over MCP",
                    "tasks": ECHO_TASKS,
                    "input_schema": {"who": {"type": "string", "default": "world"}},
                },
            )
            assert not created.is_error, created.content
            workflow_id = created.structured_content["workflow_id"]
            started = await client.call_tool(
                "ExecuteWorkflow", {"workflow_id": workflow_id, "input_data": {"who": "mcp"}}
            )
            assert not started.is_error, started.content
            # the text content is the same result, as JSON, for clients that read only text
            assert orjson.loads(started.content[0].text) == started.structured_content
            return workflow_id, started.structured_content["execution_id"]

    workflow_id, execution_id = anyio.run(start)
    daemon.wait_finished(execution_id)

    async def read() -> None:
        async with session(daemon, mode=mode) as client:
            status = await client.call_tool(
                "GetWorkflowExecutionStatus", {"execution_id": execution_id}
            )
            assert status.structured_content["status"] == "completed"
            assert status.structured_content["tasks"]["hello"]["output"] == {"msg": "mcp"}
            listed = await client.call_tool("ListWorkflowExecutions", {"workflow_id": workflow_id})
            assert [e["id"] for e in listed.structured_content["items"]] == [execution_id]

            resource = await client.read_resource(f"harmonia://executions/{execution_id}")
            document = orjson.loads(resource.contents[0].text)
            assert (document["id"], document["status"]) == (execution_id, "completed")
            events = await client.read_resource(f"harmonia://executions/{execution_id}/events")
            types = [e["type"] for e in orjson.loads(events.contents[0].text)["items"]]
            assert types[0] == "workflow_started" and types[-1] == "workflow_completed"
            listed_uris = [str(r.uri) for r in (await client.list_resources()).resources]
            assert f"harmonia://executions/{execution_id}" in listed_uris
            templates = (await client.list_resource_templates()).resource_templates
            assert {t.uri_template for t in templates} == {
                "harmonia://executions/{execution_id}",
                "harmonia://executions/{execution_id}/events",
            }

    anyio.run(read)


def test_failures_are_results_an_agent_can_read(daemon: Harmoniad) -> None:
    async def main() -> None:
        async with session(daemon) as client:
            missing = await client.call_tool("GetWorkflowDefinition", {"workflow_id": "wf-0"})
            assert missing.is_error and "no workflow 'wf-0'" in missing.content[0].text
            bad = await client.call_tool("ListWorkflowDefinitions", {"limit": "many"})
            assert bad.is_error and "'limit'" in bad.content[0].text
            unknown = await client.call_tool("Teleport", {})
            assert unknown.is_error and "no tool 'Teleport'" in unknown.content[0].text
            # the 17 tools' message named only them, not the operator's actions
            typo = (await client.call_tool("ApproveTsk", {})).content[0].text
            assert typo.startswith("no tool 'ApproveTsk' (did you mean 'ApproveTask'?); the tools")
            assert typo.endswith("RetryTask, GetTaskRetryPlan")
            from mcp.shared.exceptions import MCPError

            with pytest.raises(MCPError, match="no execution") as missed:
                await client.read_resource("harmonia://executions/20200101-000000-0000000000")
            assert str(daemon.data_dir) not in str(missed.value)  # no server path to a client
            with pytest.raises(MCPError, match="no resource"):
                await client.read_resource("file:///etc/passwd")

    anyio.run(main)


def test_mcp_always_needs_the_token(daemon: Harmoniad) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = httpx.post(f"{daemon.url}/mcp", json=ping, headers={**accept, **headers})
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    rebound = httpx.post(
        f"{daemon.url}/mcp", json=ping, headers={**accept, **daemon.auth, "Host": "evil.example"}
    )
    assert rebound.status_code == 403


def test_sigterm_with_mcp_sessions_open_stops_at_once(tmp_path: Path) -> None:
    """A legacy session keeps a GET stream open; the stop ends it instead of waiting."""
    daemon = Harmoniad(tmp_path / "data").start()
    outcome: dict[str, Any] = {}

    async def main() -> None:
        async with session(daemon, mode="legacy") as client:
            await client.list_tools()
            stopped_at = time.monotonic()
            assert daemon.process is not None
            daemon.process.send_signal(signal.SIGTERM)
            # until the daemon says "stopped": the interpreter's exit after it is not what is
            # timed (seconds more on a loaded machine); no second SIGTERM (it forces the stop)
            await anyio.to_thread.run_sync(lambda: daemon.wait_for_log("harmoniad: stopped", 30))
            outcome["elapsed"] = time.monotonic() - stopped_at
            outcome["code"] = await anyio.to_thread.run_sync(lambda: daemon.wait(timeout=30))

    try:
        anyio.run(main)
    except Exception:  # the client may complain, leaving, that its server went away
        if "code" not in outcome:
            raise
    finally:
        daemon.kill()
    assert outcome["code"] == 0, daemon.log
    assert outcome["elapsed"] < STOP_WITHIN, daemon.log
    daemon.wait_for_log("StreamableHTTP session manager shutting down")

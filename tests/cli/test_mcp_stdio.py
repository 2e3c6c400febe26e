"""`harmonia mcp`: the MCP server over stdio, driven by the official `mcp` SDK's stdio client
as a desktop MCP client drives it: initialize, list the tools, call them, against a running
daemon (`--url`) and with a daemon it embeds when none runs (stopped cleanly when the client
hangs up); the operator's tools reach the daemon's REST actions, recorded as done by the MCP
client; an explicit URL where nothing answers is exit 3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from harmoniad.mcpserver.operator_tools import OPERATOR_TOOLS
from helpers.daemon_testing import Harmoniad, gated_workflow, start_waiting

from harmonia.client import Client as HarmoniaClient

if TYPE_CHECKING:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

HARMONIA = str(Path(sys.executable).with_name("harmonia"))
ECHO_TASKS = {"hello": {"component": "core", "action": "echo", "input": {"n": 1}}}


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARMONIA_")}
    return {**env, "HARMONIA_HOME": str(home)}


def _params(*args: str, home: Path) -> StdioServerParameters:
    """The `harmonia mcp` server to start (the MCP SDK is imported by the tests that use it:
    ~1 s that every xdist worker would pay for at collection)."""
    from mcp.client.stdio import StdioServerParameters

    return StdioServerParameters(command=HARMONIA, args=["mcp", *args], env=_env(home))


async def _create_and_run(client: Client, name: str) -> dict[str, Any]:
    created = await client.call_tool(
        "CreateWorkflowDefinition", {"name": name, "description": "stdio", "tasks": ECHO_TASKS}
    )
    assert not created.is_error, created.content
    started = await client.call_tool(
        "ExecuteWorkflow", {"workflow_id": created.structured_content["workflow_id"]}
    )
    assert not started.is_error, started.content
    return dict(started.structured_content)


def test_stdio_against_a_running_daemon(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Harmoniad(data, "--no-access-log") as daemon:
        with HarmoniaClient(daemon.url, data_dir=daemon.data_dir) as harmonia:
            gated = start_waiting(harmonia, gated_workflow("stdio-gate", "go?"))

        async def main() -> dict[str, Any]:
            params = _params("--url", daemon.url, "--data-dir", str(data), home=tmp_path / "h")
            from mcp import Client
            from mcp_types import Implementation

            agent = Implementation(name="desk-agent", version="2")
            async with Client(params, mode="legacy", client_info=agent) as client:
                assert client.server_info is not None and client.server_info.name == "harmonia"
                assert client.instructions and "ExecuteWorkflow" in client.instructions
                tools = (await client.list_tools()).tools
                assert len(tools) == 17 + len(OPERATOR_TOOLS)
                early = {"execution_id": gated, "task_id": "build"}
                not_waiting = await client.call_tool("ApproveTask", early)
                assert not_waiting.is_error and "not waiting" in not_waiting.content[0].text
                approved = await client.call_tool("ApproveTask", {**early, "task_id": "gate"})
                assert not approved.is_error, approved.content
                assert approved.structured_content["by"] == "mcp:desk-agent"
                assert tools[0].input_schema["required"] == ["name", "description", "tasks"]
                refused = await client.call_tool("GetWorkflowDefinition", {"workflow_id": "wf-0"})
                assert refused.is_error and "no workflow" in refused.content[0].text
                # a JSON-RPC error ("Integer exceeds 64-bit range") until the client said it
                huge = {**early, "task_id": "gate", "output": 2**70}
                too_big = await client.call_tool("CompleteTask", huge)
                assert too_big.is_error and "the body at output is not JSON" in (
                    too_big.content[0].text
                )
                return await _create_and_run(client, "over-stdio")

        started = anyio.run(main)
        # the call reached the daemon: the execution is its own
        finished = daemon.wait_finished(started["execution_id"])
        assert finished["status"] == "completed"
        assert finished["tasks"]["hello"]["output"] == {"n": 1}
        assert daemon.wait_finished(gated)["tasks"]["gate"]["output"]["by"] == "mcp:desk-agent"


def test_stdio_embeds_a_daemon_when_none_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"

    async def main() -> str:
        from mcp import Client

        async with Client(_params("--data-dir", str(data), home=tmp_path / "h")) as client:
            components = await client.call_tool("ListComponents", {})
            assert "core" in [c["name"] for c in components.structured_content["items"]]
            started = await _create_and_run(client, "embedded")
            # the embedded daemon announced itself for other clients, as harmoniad does
            assert (data / "daemon.json").exists()
            status = await client.call_tool(
                "GetWorkflowExecutionStatus", {"execution_id": started["execution_id"]}
            )
            assert status.structured_content["id"] == started["execution_id"]
            return str(started["execution_id"])

    execution_id = anyio.run(main)
    # the client hung up: the daemon stopped cleanly (its run file removed), its records kept
    assert not (data / "daemon.json").exists()
    assert (data / "executions" / execution_id).is_dir()


def test_an_explicit_url_where_nothing_answers_exits_3(tmp_path: Path) -> None:
    done = subprocess.run(
        [HARMONIA, "mcp", "--url", "http://127.0.0.1:9"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(tmp_path / "h"),
        timeout=60,
    )
    assert done.returncode == 3
    assert "no Harmonia daemon answers at http://127.0.0.1:9" in done.stderr
    assert done.stdout == ""  # stdout is the MCP channel: nothing else is ever written there

"""Remote components through a real daemon: a workflow calling a Tekton component's tool end
to end, the component list with every kind (builtin, declared, hermes, environment), actions
with their parameters as given, where-we-looked errors at load time, and a kill -9 while a
remote call is in flight (the task runs again on restart, its attempt carried on).

The components are fake Tekton components and a fake Hermes on loopback, in this process;
the daemon is a real `harmoniad` subprocess.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from helpers._serve import ThreadedServer
from helpers.daemon_testing import Harmoniad, start_execution
from helpers.fake_component import FakeComponent
from helpers.fake_hermes import FakeHermes
from helpers.waiting import wait_until


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def remote_workflow(action: str, input: dict[str, Any], **task: Any) -> dict[str, Any]:
    return {
        "name": "remote",
        "tasks": {"call": {"component": "rhetor", "action": action, "input": input, **task}},
    }


def test_a_workflow_calls_a_remote_tool_through_the_daemon(
    tmp_path: Path, fake: FakeComponent, rhetor: ThreadedServer
) -> None:
    with Harmoniad(tmp_path / "d", "--component", f"rhetor={rhetor.url}") as daemon:
        with daemon.client() as client:
            workflow = remote_workflow("ValidatePromptSyntax", {"prompt_text": "Summarise"})
            workflow["tasks"]["where"] = {
                "component": "http",
                "action": "request",
                "depends_on": ["call"],
                "input": {"url": "${components.rhetor.url}/health"},
            }
            execution_id = start_execution(client, workflow)
        done = daemon.wait_finished(execution_id)
    assert done["status"] == "completed", done
    assert done["tasks"]["call"]["output"] == {"valid": True, "issues": [], "length": 9}
    assert done["tasks"]["where"]["output"]["json"]["component"] == "rhetor"
    (call,) = fake.calls
    assert call.context == {
        "execution_id": execution_id,
        "task_id": "call",
        "attempt": 1,
        "caller": "harmonia",
    }


def test_the_component_list_shows_every_kind_with_health_and_actions(
    tmp_path: Path, rhetor: ThreadedServer
) -> None:
    hermes = FakeHermes()
    engram = FakeComponent("engram")
    with hermes, engram.serve() as engram_server:
        hermes.add("synthesis", engram_server.url)  # any MCP v2 speaker will do
        env = {
            "HERMES_URL": hermes.url,
            "ENGRAM_PORT": engram_server.url.rsplit(":", 1)[1],
            "ENGRAM_HOST": "127.0.0.1",
            "ERGON_PORT": str(closed_port()),
        }
        args = ("--component", f"rhetor={rhetor.url}")
        with Harmoniad(tmp_path / "d", *args, env=env) as daemon, daemon.client() as client:
            listed = client.get("/api/v1/components")
            assert listed.status_code == 200, listed.text
            found = {c["name"]: c for c in listed.json()["items"]}
            one = client.get("/api/v1/components/rhetor/actions")
            missing = client.get("/api/v1/components/nope")
    assert {name: (c["kind"], c["health"]) for name, c in found.items()} == {
        "core": ("builtin", "ok"),
        "http": ("builtin", "ok"),
        "python": ("builtin", "ok"),
        "shell": ("builtin", "ok"),
        "workflow": ("builtin", "ok"),
        "rhetor": ("declared", "healthy"),
        "synthesis": ("hermes", "healthy"),
        "engram": ("environment", "healthy"),
        "ergon": ("environment", "unreachable"),
    }
    assert found["rhetor"]["endpoint"] == rhetor.url
    assert found["ergon"]["error"].startswith("ConnectError")
    tool = next(a for a in found["rhetor"]["actions"] if a["name"] == "ValidatePromptSyntax")
    assert tool["parameters"] == {  # as the component lists them
        "prompt_text": {
            "type": "<class 'str'>",
            "required": True,
            "default": None,
            "description": "The prompt.",
        }
    }
    assert tool["input_schema"]["required"] == ["prompt_text"]
    assert one.status_code == 200
    assert [a["name"] for a in one.json()["items"]][:2] == ["ValidatePromptSyntax", "Echo"]
    assert missing.status_code == 404
    assert "looked in: built-in components" in missing.json()["message"]
    assert f"Hermes at {hermes.url} (not registered there)" in missing.json()["message"]


def test_an_unknown_component_is_refused_at_load_time_even_with_hermes_down(
    tmp_path: Path,
) -> None:
    env = {"HERMES_URL": f"http://127.0.0.1:{closed_port()}"}
    with Harmoniad(tmp_path / "d", env=env) as daemon, daemon.client() as client:
        answer = client.post("/api/v1/executions", json={"workflow": remote_workflow("Noop", {})})
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["details"]
    assert problem["task"] == "call" and problem["field"] == "component"
    assert "(unreachable: ConnectError" in problem["message"]
    assert "the environment (RHETOR_PORT is not set)" in problem["message"]


def test_a_kill_during_a_remote_call_runs_the_task_again_with_its_attempt_carried_on(
    tmp_path: Path, fake: FakeComponent, rhetor: ThreadedServer
) -> None:
    daemon = Harmoniad(tmp_path / "d", "--component", f"rhetor={rhetor.url}").start()
    try:
        with daemon.client() as client:
            execution_id = start_execution(client, remote_workflow("Slow", {"seconds": 60}))
            (first,) = fake.wait_for_calls(1)
            # the call may go out before its task_started is fsynced; the events route reads
            # the journal, so once it lists the start, the attempt survives the kill
            wait_until(
                lambda: any(
                    e["type"] == "task_started"
                    for e in client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
                ),
                30,
                "the task's start in the journal",
            )
        daemon.kill()  # kill -9 while the call is in flight
        daemon.start()
        second = fake.wait_for_calls(2)[1]
        fake.release()
        done = daemon.wait_finished(execution_id)
    finally:
        daemon.kill()
    assert first.context is not None and second.context is not None
    assert (first.context["attempt"], second.context["attempt"]) == (1, 2)
    assert second.context["execution_id"] == execution_id
    assert done["status"] == "completed"
    assert done["tasks"]["call"]["attempts"] == 2
    assert done["tasks"]["call"]["output"] == {"slept": 60}


def test_a_component_name_that_is_built_in_is_refused_at_start(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "d", "--component", "shell=http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="'shell' is a built-in component"):
        daemon.start()
    bad = Harmoniad(tmp_path / "d", "--component", "rhetor")
    with pytest.raises(RuntimeError, match="expected NAME=URL"):
        bad.start()

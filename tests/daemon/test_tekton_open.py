"""`--tekton-open`: Tekton components send no token, so the daemon may let Tekton's paths
(`/api/mcp/v2/*`, `/discovery`, `/api/v1/discovery`) answer without one: only when asked,
only to loopback peers, only for GETs and `application/json` POSTs, still behind the Host
check, never with a foreign Origin, and never `/mcp` or any other path."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from harmoniad.security import SecurityMiddleware
from helpers.daemon_testing import Harmoniad

PROCESS = "/api/mcp/v2/process"
CALL = {"tool_name": "ListTemplates", "arguments": {}}
TEKTON_GETS = ["/discovery", "/api/v1/discovery", "/api/mcp/v2/tools", "/api/mcp/v2/health"]


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harmoniad]:
    data = tmp_path_factory.mktemp("open") / "data"
    with Harmoniad(data, "--tekton-open", "--no-access-log") as running:
        yield running


def test_without_the_flag_every_tekton_path_needs_the_token(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data", "--no-access-log") as daemon:
        with daemon.client(token=False) as anonymous:
            for path in TEKTON_GETS:
                assert anonymous.get(path).status_code == 401, path
            assert anonymous.post(PROCESS, json=CALL).status_code == 401
        with daemon.client() as client:
            assert client.post(PROCESS, json=CALL).json()["status"] == "success"


def test_with_the_flag_tekton_calls_need_no_token(opened: Harmoniad) -> None:
    with opened.client(token=False) as anonymous:
        for path in TEKTON_GETS:
            assert anonymous.get(path).status_code == 200, path
        answer = anonymous.post(PROCESS, json=CALL)
        assert answer.status_code == 200 and answer.json()["status"] == "success"
        # a Tekton caller's charset parameter is still JSON
        charset = anonymous.post(
            PROCESS,
            content=b'{"tool_name": "ListComponents"}',
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert charset.json()["status"] == "success"


def test_with_the_flag_only_json_posts_go_without_a_token(opened: Harmoniad) -> None:
    """What a web page can send cross-site without a CORS preflight (text/plain, form bodies)
    still needs the token, as does every method but GET and POST."""
    body = b'{"tool_name": "ListTemplates"}'
    with opened.client(token=False) as anonymous:
        for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            answer = anonymous.post(PROCESS, content=body, headers={"Content-Type": kind})
            assert answer.status_code == 401, kind
        assert anonymous.post(PROCESS, content=body).status_code == 401  # no content type
        assert anonymous.delete("/api/mcp/v2/tools").status_code == 401
        assert anonymous.put("/discovery").status_code == 401
        foreign = anonymous.post(PROCESS, json=CALL, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 401
        # no CORS is ever granted: a preflight gets no Access-Control-* answer
        preflight = anonymous.options(
            PROCESS,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert not any(h.lower().startswith("access-control-") for h in preflight.headers)


def test_with_the_flag_other_paths_and_mcp_still_need_the_token(opened: Harmoniad) -> None:
    with opened.client(token=False) as anonymous:
        for path in ("/ready", "/api/v1/workflows", "/api/v1/executions", "/openapi.json"):
            assert anonymous.get(path).status_code == 401, path
        initialize = anonymous.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Accept": "application/json, text/event-stream"},
        )
        assert initialize.status_code == 401


def test_with_the_flag_the_host_check_still_applies(opened: Harmoniad) -> None:
    with opened.client(token=False) as anonymous:
        rebound = anonymous.post(PROCESS, json=CALL, headers={"Host": "evil.example"})
        assert rebound.status_code == 403 and rebound.json()["code"] == "forbidden_host"
        assert anonymous.get("/discovery", headers={"Host": "evil.example:80"}).status_code == 403


def _outside_address() -> str | None:
    """This machine's address on a network (not loopback), if it has one."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_with_the_flag_a_peer_off_loopback_needs_the_token(tmp_path: Path) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    token = "t" * 40
    with Harmoniad(
        tmp_path / "data",
        "--tekton-open",
        "--host",
        "0.0.0.0",
        "--allow-host",
        address,
        token=token,
    ) as daemon:
        outside = f"http://{address}:{daemon.port}"
        assert httpx.post(f"{outside}{PROCESS}", json=CALL).status_code == 401
        assert httpx.get(f"{outside}/discovery").status_code == 401
        with_token = httpx.post(
            f"{outside}{PROCESS}", json=CALL, headers={"Authorization": f"Bearer {token}"}
        )
        assert with_token.json()["status"] == "success"
        assert httpx.post(f"http://127.0.0.1:{daemon.port}{PROCESS}", json=CALL).status_code == 200


@pytest.mark.parametrize(
    ("peer", "opened_to"),
    [("127.0.0.1", True), ("::1", True), ("10.1.2.3", False), ("192.0.2.7", False), (None, False)],
)
def test_the_peer_address_decides_not_a_header(peer: str | None, opened_to: bool) -> None:
    """The middleware alone, with the peer's address as the server reports it."""
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    middleware = SecurityMiddleware(app, token="secret", max_body=1024, tekton_open=True)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": PROCESS,
        "headers": [
            (b"host", b"127.0.0.1:8007"),
            (b"content-type", b"application/json"),
            (b"x-forwarded-for", b"127.0.0.1"),
        ],
        "client": None if peer is None else (peer, 50000),
    }
    anyio.run(middleware, scope, receive, send)
    assert (reached == [PROCESS]) is opened_to
    if not opened_to:
        assert sent[0]["status"] == 401


def test_a_harmonia_calls_another_as_a_tekton_component(opened: Harmoniad, tmp_path: Path) -> None:
    """Harmonia's own remote-component client (what calls Rhetor) calls this daemon's tools
    without a token, as any Tekton component would: its tool list is checked at load time and
    the call's result is the task's output."""
    workflow = tmp_path / "peer.json"
    workflow.write_text(
        json.dumps(
            {
                "name": "call-a-peer",
                "tasks": {
                    "echo": {
                        "component": "peer",
                        "action": "ExecuteComponentAction",
                        "input": {
                            "component_name": "core",
                            "action": "echo",
                            "parameters": {"x": 1},
                        },
                    },
                    "count": {
                        "component": "peer",
                        "action": "ListWorkflowDefinitions",
                        "depends_on": ["echo"],
                        "input": {"limit": 5},
                    },
                },
            }
        )
    )
    harmonia = str(Path(sys.executable).with_name("harmonia"))
    done = subprocess.run(
        [
            harmonia,
            "run",
            str(workflow),
            "--component",
            f"peer={opened.url}",
            "--json",
            "--data-dir",
            str(tmp_path / "caller"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    tasks = json.loads(done.stdout)["tasks"]
    assert tasks["echo"]["output"] == {"component": "core", "action": "echo", "output": {"x": 1}}
    assert tasks["count"]["output"]["limit"] == 5

    bad = workflow.with_name("bad.json")
    bad.write_text(
        json.dumps(
            {
                "name": "bad-args",
                "tasks": {
                    "t": {
                        "component": "peer",
                        "action": "ListWorkflowDefinitions",
                        "input": {"limit": "many"},
                    }
                },
            }
        )
    )
    refused = subprocess.run(
        [harmonia, "validate", str(bad), "--component", f"peer={opened.url}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "limit" in refused.stderr + refused.stdout

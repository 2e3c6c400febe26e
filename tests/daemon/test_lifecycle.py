"""harmoniad as a process: start-up checks, crash recovery, graceful stop, logs.

Each test runs its own daemon subprocess (uvicorn on 127.0.0.1, port 0). Synchronisation is on
what the daemon says (its `listening` line, SSE events, exit codes), never on sleeps.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import anyio
import httpx
import pytest
from harmoniad.config import DaemonConfig
from harmoniad.server import Daemon
from helpers.daemon_testing import (
    Harmoniad,
    chain_workflow,
    event_seqs,
    held,
    read_sse,
    sse_stream,
    start_execution,
)
from httpx_sse import aconnect_sse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

STOP_WITHIN = 30.0
"""A hang guard, not a speed check: a stop that waited on its clients would never end."""


def test_kill_9_mid_execution_then_restart_continues_and_sse_resumes(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as client:
            # its last task held: still running at the kill, however late the stream is read
            release = tmp_path / "release"
            chain = held(chain_workflow(8, 0.25), "s7", release)
            execution_id = start_execution(client, chain)
            before: list[dict[str, object]] = []
            with (  # the kill ends the read
                pytest.raises(httpx.TransportError),
                sse_stream(client, f"/events/executions/{execution_id}") as stream,
            ):
                for sse in stream:
                    event = json.loads(sse.data)
                    before.append(event)
                    if event["type"] == "task_completed" and event["task_id"] == "s2":
                        daemon.kill()
        assert daemon.process is not None and daemon.process.returncode == -signal.SIGKILL
        release.touch()

        daemon.start()  # same data folder, new port; the token file is the same
        assert "resumed 1 interrupted execution(s): " + execution_id in daemon.wait_for_log(
            "resumed"
        )
        with daemon.client() as client:
            last = int(before[-1]["seq"])  # type: ignore[call-overload]
            after = read_sse(
                client,
                f"/events/executions/{execution_id}",
                headers={"Last-Event-ID": str(last)},
            )
            shown = client.get(f"/api/v1/executions/{execution_id}").json()
    finally:
        daemon.terminate()

    seqs = [int(e["seq"]) for e in before] + event_seqs(after)  # type: ignore[call-overload]
    assert seqs == list(range(1, len(seqs) + 1)), "a gap or a repeat across the crash"
    assert after[-1].event == "workflow_completed"
    resumed = [json.loads(e.data) for e in after if e.event == "workflow_resumed"]
    assert resumed and resumed[0]["data"]["reason"] == "recovered"
    assert shown["status"] == "completed"
    assert all(t["status"] == "completed" for t in shown["tasks"].values())
    started = [json.loads(e.data)["task_id"] for e in after if e.event == "task_started"]
    assert not {"s0", "s1", "s2"} & set(started), "a task that completed before the crash ran again"


def test_sigterm_with_streams_attached_exits_0_quickly(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    with daemon.client() as client, ExitStack() as stack:
        execution_id = start_execution(client, chain_workflow(3, 1.0))
        ws = stack.enter_context(
            connect(
                f"{daemon.ws_url}/ws/executions/{execution_id}?follow=true",
                additional_headers=daemon.auth,
            )
        )
        assert json.loads(ws.recv(timeout=10))["type"] == "workflow_started"
        signalled = False
        with sse_stream(client, f"/events/executions/{execution_id}?follow=true") as stream:
            for sse in stream:
                # once: under load the next task can start before the stop ends the engine,
                # and a second SIGTERM means "stop waiting for clients" (force exit)
                if sse.event == "task_started" and not signalled:
                    signalled = True
                    assert daemon.process is not None
                    daemon.process.send_signal(signal.SIGTERM)
            # the loop ends because the daemon ended the stream cleanly (no TransportError)
        assert signalled
        code = daemon.wait(timeout=STOP_WITHIN)  # after the one SIGTERM above
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=10)
        assert ws.close_code == 1001
    assert code == 0, daemon.log
    assert not (daemon.data_dir / "daemon.json").exists()
    daemon.wait_for_log("stopping")  # the exit code can come before a thread drains stderr

    # the execution was checkpointed, not ended: it continues by itself on the next start
    daemon.start()
    try:
        shown = daemon.wait_finished(execution_id)
    finally:
        assert daemon.terminate(signal.SIGINT) == 0
    assert shown["status"] == "completed"


def test_non_loopback_bind_without_explicit_token_is_refused(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data", "--host", "0.0.0.0")
    with pytest.raises(RuntimeError, match="exited with 2"):
        daemon.start()
    # start() gives up when stdout ends; the reason is on stderr, drained by another thread
    daemon.wait_for_log("refusing to listen on 0.0.0.0")
    assert "HARMONIA_TOKEN" in daemon.log
    assert not (tmp_path / "data").exists()


def test_harmonia_token_overrides_the_token_file_and_allow_host(tmp_path: Path) -> None:
    token = "a-token-given-by-the-operator"
    with Harmoniad(tmp_path / "data", "--allow-host", "harmonia.test", token=token) as daemon:
        assert not (daemon.data_dir / "token").exists()
        with httpx.Client(base_url=daemon.url, timeout=10) as client:
            ok = client.get("/discovery", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
            assert client.get("/discovery").status_code == 401
            allowed = client.get(
                "/health", headers={"Host": "harmonia.test:8007", "Authorization": "Bearer x"}
            )
            assert allowed.status_code == 200
            other = client.get("/health", headers={"Host": "other.test"})
            assert other.status_code == 403


def test_one_daemon_per_data_folder(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data") as first:
        second = Harmoniad(tmp_path / "data")
        with pytest.raises(RuntimeError, match="exited with 2"):
            second.start()
        # the reason is on stderr, which a thread drains after start() saw stdout end
        second.wait_for_log("another harmoniad is already serving")
        assert first.url in second.log
        with first.client() as client:
            assert client.get("/ready").json()["ready"] is True


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "a") as first:
        command = [
            str(Path(sys.executable).with_name("harmoniad")),
            "--port",
            str(first.port),
            "--data-dir",
            str(tmp_path / "b"),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{first.port}" in result.stderr


def test_json_logs_and_sigint(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data", "--log-json").start()
    with daemon.client() as client:
        client.get("/api/v1/components")
    line = daemon.wait_for_log('"path":"/api/v1/components"')
    record = json.loads(line)
    assert record["logger"] == "harmoniad.access"
    assert record["level"] == "INFO"
    assert record["method"] == "GET" and record["status"] == 200 and record["ms"] >= 0
    assert daemon.terminate(signal.SIGINT, timeout=STOP_WITHIN) == 0
    for text in daemon.stderr:
        json.loads(text)  # every line is one JSON object


def test_embedded_daemon_in_a_task_group(tmp_path: Path) -> None:
    """The TUI's embedded mode: a daemon in the caller's own task group, stopped by a call."""
    config = DaemonConfig(data_dir=tmp_path / "data", port=0, access_log=False)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            daemon: Daemon = await tg.start(partial(Daemon(config).run, handle_signals=False))
            assert daemon.url is not None and daemon.token is not None
            headers = {"Authorization": f"Bearer {daemon.token}"}
            async with httpx.AsyncClient(base_url=daemon.url, headers=headers) as client:
                response = await client.post(
                    "/api/v1/executions", json={"workflow": chain_workflow(2, 0.01)}
                )
                assert response.status_code == 201
                events = []
                async with aconnect_sse(
                    client, "GET", f"/events/executions/{response.json()['id']}"
                ) as source:
                    async for sse in source.aiter_sse():
                        events.append(sse.event)
                assert events[-1] == "workflow_completed"
            assert json.loads((config.data_dir / "daemon.json").read_text())["url"] == daemon.url
            daemon.stop()
        assert not (config.data_dir / "daemon.json").exists()

    anyio.run(main, backend="asyncio")

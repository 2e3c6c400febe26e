"""The stream relay: a helper process serves running executions' SSE and WebSocket streams.

Each test runs a real daemon subprocess (which starts its real relay) and talks HTTP, SSE and
WebSocket to it. Who served a stream is read from the access log: the relay logs as
`harmoniad.relay.access`, the daemon as `harmoniad.access`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))

from daemon_testing import (
    Harmoniad,
    chain_workflow,
    event_seqs,
    read_sse,
    sse_stream,
    start_execution,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

DEADLINE = 20.0


def served_by_relay(daemon: Harmoniad, path: str) -> bool:
    return any("harmoniad.relay.access" in line and path in line for line in daemon.stderr)


def served_by_daemon(daemon: Harmoniad, request: str) -> bool:
    """`request` is e.g. `GET /events/executions/ID 200`: the daemon answered it itself."""
    return any(f"harmoniad.access: {request}" in line for line in daemon.stderr)


def ws_frames(url: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    """Every frame until the daemon closes the socket normally."""
    frames: list[dict[str, Any]] = []
    with connect(url, additional_headers=auth) as ws:
        with pytest.raises(ConnectionClosed):
            while True:
                frames.append(json.loads(ws.recv(timeout=DEADLINE)))
        assert ws.close_code == 1000
    return frames


@pytest.fixture
def daemon(tmp_path: Path) -> Any:
    with Harmoniad(tmp_path / "data") as running:
        yield running


def test_streams_of_a_running_execution_are_served_by_the_relay(daemon: Harmoniad) -> None:
    with daemon.client() as client:
        assert client.get("/ready").json()["stream_relay"] == "ready"
        execution_id = start_execution(client, chain_workflow(12, 0.05))
        results: dict[str, Any] = {}

        def watch(kind: str, url: str) -> None:
            results[kind] = ws_frames(url, daemon.auth)

        base = f"{daemon.ws_url}/ws/executions/{execution_id}"
        threads = [
            threading.Thread(target=watch, args=("frames", base)),
            threading.Thread(target=watch, args=("batches", base + "?batch=true")),
        ]
        for thread in threads:
            thread.start()
        sse = read_sse(client, f"/events/executions/{execution_id}")
        for thread in threads:
            thread.join(DEADLINE)
        history = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]

    everything = [event["seq"] for event in history]
    assert everything == list(range(1, len(everything) + 1))
    assert event_seqs(sse) == everything, "the SSE client missed or repeated an event"
    assert [frame["seq"] for frame in results["frames"]] == everything
    batched = [event["seq"] for frame in results["batches"] for event in frame["events"]]
    assert batched == everything
    assert sse[-1].event == "workflow_completed"
    assert [json.loads(s.data) for s in sse] == history  # the same events, byte for byte in JSON
    path = f"/events/executions/{execution_id}"
    daemon.wait_for_log(f"harmoniad.relay.access: GET {path} 200")
    assert served_by_relay(daemon, f"WS /ws/executions/{execution_id} 101")
    assert served_by_daemon(daemon, f"GET {path} relayed")  # handed over, not answered
    assert not served_by_daemon(daemon, f"GET {path} 200")


def test_a_stream_the_daemon_refuses_never_reaches_the_relay(daemon: Harmoniad) -> None:
    with daemon.client() as client:
        execution_id = start_execution(client, chain_workflow(40, 0.05))
        path = f"/events/executions/{execution_id}"
        with httpx.Client(base_url=daemon.url, timeout=DEADLINE) as anonymous:
            refused = anonymous.get(path)
            wrong_host = anonymous.get(path, headers={**daemon.auth, "Host": "evil.example"})
            bad_seq = anonymous.get(path, headers={**daemon.auth, "Last-Event-ID": "x"})
        client.post(f"/api/v1/executions/{execution_id}/cancel")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["code"] == "unauthorized"
    assert wrong_host.status_code == 403
    assert wrong_host.json()["code"] == "forbidden_host"
    assert bad_seq.status_code == 422
    for status in (401, 403, 422):
        daemon.wait_for_log(f"harmoniad.access: GET {path} {status}")
    assert not served_by_relay(daemon, path)


def test_when_the_relay_dies_clients_reconnect_to_the_daemon_without_a_gap(
    daemon: Harmoniad,
) -> None:
    relay_pid = daemon.relay_pids[-1]
    with daemon.client() as client:
        execution_id = start_execution(client, chain_workflow(10, 0.1))
        path = f"/events/executions/{execution_id}"
        before: list[int] = []
        with (  # the relay's death ends the read
            pytest.raises(httpx.TransportError),
            sse_stream(client, path) as stream,
        ):
            for sse in stream:
                before.append(int(sse.id or 0))
                if sse.event == "task_completed" and json.loads(sse.data)["task_id"] == "s2":
                    os.kill(relay_pid, signal.SIGKILL)
        daemon.wait_for_log("the stream relay exited; serving streams here")
        assert client.get("/ready").json()["stream_relay"] == "gone"
        after = read_sse(client, path, headers={"Last-Event-ID": str(before[-1])})
        assert client.get(f"/api/v1/executions/{execution_id}").json()["status"] == "completed"
    seqs = before + event_seqs(after)
    assert seqs == list(range(1, len(seqs) + 1)), "a gap or a repeat across the relay's death"
    assert after[-1].event == "workflow_completed"
    assert served_by_daemon(daemon, f"GET {path} 200")  # the second stream: the daemon's own


def test_the_relay_exits_with_a_killed_daemon_and_a_restart_starts_a_new_one(
    tmp_path: Path,
) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        first_relay = daemon.relay_pids[-1]
        with daemon.client() as client, ExitStack() as stack:
            execution_id = start_execution(client, chain_workflow(6, 0.2))
            stream = stack.enter_context(sse_stream(client, f"/events/executions/{execution_id}"))
            assert next(stream).event == "workflow_started"
            daemon.kill()
            with pytest.raises(httpx.TransportError):  # the relay went with it
                for _ in stream:
                    pass
        assert exits_soon(first_relay), "the relay outlived its daemon"
        daemon.start()
        assert daemon.relay_pids[-1] != first_relay
        shown = daemon.wait_finished(execution_id)
        assert shown["status"] == "completed"
    finally:
        daemon.terminate()


def exits_soon(pid: int) -> bool:
    """Whether the process exits within the deadline (the relay is not our child: a pidfd
    becomes readable when it exits)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], DEADLINE)
        return bool(readable)
    finally:
        os.close(fd)


def test_without_the_relay_the_daemon_serves_streams_itself(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data", "--no-stream-relay") as daemon, daemon.client() as client:
        assert client.get("/ready").json()["stream_relay"] == "off"
        execution_id = start_execution(client, chain_workflow(5, 0.05))
        path = f"/events/executions/{execution_id}"
        events = read_sse(client, path)
        assert events[-1].event == "workflow_completed"
        assert event_seqs(events) == list(range(1, len(events) + 1))
        daemon.wait_for_log(f"harmoniad.access: GET {path} 200")
        assert not daemon.relay_pids and not served_by_relay(daemon, path)

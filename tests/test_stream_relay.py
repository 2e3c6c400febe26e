"""The stream relay: a helper process serves running executions' SSE and WebSocket streams.

Each test runs a real daemon subprocess (which starts its real relay) and talks HTTP, SSE and
WebSocket to it. Who served a stream is read from the access log: the relay logs as
`harmoniad.relay.access`, the daemon as `harmoniad.access`.
"""

from __future__ import annotations

import json
import os
import select
import shlex
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
from httpx_sse import connect_sse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

DEADLINE = 20.0


def served_by_relay(daemon: Harmoniad, path: str) -> bool:
    return any("harmoniad.relay.access" in line and path in line for line in daemon.stderr)


def served_by_daemon(daemon: Harmoniad, request: str) -> bool:
    """`request` is e.g. `GET /events/executions/ID 200`: the daemon answered it itself."""
    return any(f"harmoniad.access: {request}" in line for line in daemon.stderr)


def gated_chain(gate: Path, n: int = 8) -> dict[str, object]:
    """`gate` runs until the file `gate` exists, then a chain of `n` echo tasks: the execution
    is surely running while a test attaches its clients, whatever the machine's speed."""
    wait = f"while [ ! -e {shlex.quote(str(gate))} ]; do sleep 0.02; done"
    tasks: dict[str, object] = {
        "gate": {"component": "shell", "action": "run", "input": {"command": wait}}
    }
    for i in range(n):
        tasks[f"e{i}"] = {
            "component": "core",
            "action": "echo",
            "depends_on": [f"e{i - 1}" if i else "gate"],
            "input": {"i": i},
        }
    return {"name": "gated", "tasks": tasks}


@pytest.fixture
def daemon(tmp_path: Path) -> Any:
    with Harmoniad(tmp_path / "data") as running:
        yield running


def test_streams_of_a_running_execution_are_served_by_the_relay(
    daemon: Harmoniad, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    with daemon.client() as client:
        assert client.get("/ready").json()["stream_relay"] == "ready"
        execution_id = start_execution(client, gated_chain(gate))
        frames: dict[str, list[dict[str, Any]]] = {"frames": [], "batches": []}
        attached = {kind: threading.Event() for kind in frames}

        def watch(kind: str, url: str) -> None:
            with connect(url, additional_headers=daemon.auth) as ws:
                with pytest.raises(ConnectionClosed):
                    while True:
                        frames[kind].append(json.loads(ws.recv(timeout=DEADLINE)))
                        attached[kind].set()
                assert ws.close_code == 1000

        base = f"{daemon.ws_url}/ws/executions/{execution_id}"
        threads = [
            threading.Thread(target=watch, args=("frames", base)),
            threading.Thread(target=watch, args=("batches", base + "?batch=true")),
        ]
        for thread in threads:
            thread.start()
        path = f"/events/executions/{execution_id}"
        sse = []
        # the same client: this stream goes on the kept-alive connection of the POST above
        with connect_sse(client, "GET", path) as source:
            # the relay's connection is not for another request: one `Connection: close`
            assert source.response.headers.get_list("connection") == ["close"]
            stream = source.iter_sse()
            for event in stream:
                sse.append(event)
                if len(sse) == 1:  # attached while the gate holds the execution
                    assert all(flag.wait(DEADLINE) for flag in attached.values())
                    gate.touch()
        for thread in threads:
            thread.join(DEADLINE)
        history = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]

    everything = [event["seq"] for event in history]
    assert everything == list(range(1, len(everything) + 1))
    assert event_seqs(sse) == everything, "the SSE client missed or repeated an event"
    assert [frame["seq"] for frame in frames["frames"]] == everything
    batched = [event["seq"] for frame in frames["batches"] for event in frame["events"]]
    assert batched == everything
    assert sse[-1].event == "workflow_completed"
    assert [json.loads(s.data) for s in sse] == history  # the same events, the same JSON
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
    daemon: Harmoniad, tmp_path: Path
) -> None:
    relay_pid = daemon.relay_pids[-1]
    gate = tmp_path / "gate"
    with daemon.client() as client:
        execution_id = start_execution(client, gated_chain(gate))
        path = f"/events/executions/{execution_id}"
        before: list[int] = []
        with (  # the relay's death ends the read
            pytest.raises(httpx.TransportError),
            sse_stream(client, path) as stream,
        ):
            for sse in stream:
                before.append(int(sse.id or 0))
                if sse.event == "task_started":  # the gate runs: the relay serves this
                    os.kill(relay_pid, signal.SIGKILL)
        daemon.wait_for_log("the stream relay exited; serving streams here")
        assert client.get("/ready").json()["stream_relay"] in ("gone", "starting", "ready")
        gate.touch()
        after = read_sse(client, path, headers={"Last-Event-ID": str(before[-1])})
        assert client.get(f"/api/v1/executions/{execution_id}").json()["status"] == "completed"
        # and a new relay takes over from the dead one, after a pause
        daemon.wait_for_relays(2, DEADLINE)
        assert daemon.relay_pids[1] != relay_pid
        assert client.get("/ready").json()["stream_relay"] == "ready"
    seqs = before + event_seqs(after)
    assert seqs == list(range(1, len(seqs) + 1)), "a gap or a repeat across the relay's death"
    assert after[-1].event == "workflow_completed"
    assert served_by_daemon(daemon, f"GET {path} relayed")  # the first, cut by the kill


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

"""A full disk under a real daemon: the run stops, writes get 503, reads go on, SIGTERM is
quick, and once space is back the run completes without a restart, no completed task run twice.

Each test runs twice: on a real 2 MiB tmpfs filled by a filler file (skipped where the machine
does not let the test mount one), and with an injected disk (`diskfull.FlagDisk`: a write
budget inside the daemon that tears the next write half-way and fails it with ENOSPC while a
flag file exists), which runs everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers.cli_process import cli_subprocess
from helpers.daemon_testing import Harmoniad, echo_workflow, read_sse, start_execution
from helpers.diskfull import DiskKind
from helpers.waiting import wait_until

from harmonia.client import Client, StorageUnavailableError

WAIT = 30.0
"""Seconds to wait for another process's state (a task, the disk, the catalog)."""
BIG_OUTPUT = 64 * 1024
"""Bytes task `b` prints: its task_completed line then needs fresh pages on any disk."""


def gated_workflow(log: Path, gate: Path) -> dict[str, Any]:
    """a -> b -> c; each task appends its name to `log` when it runs; `b` waits for `gate`,
    then prints a large output (its completion is the write that meets the full disk)."""

    def task(name: str, command: str, *deps: str) -> dict[str, Any]:
        return {
            "component": "shell",
            "action": "run",
            "depends_on": list(deps),
            "input": {"command": f"echo {name} >> {log}; {command}"},
        }

    wait = f"while [ ! -e {gate} ]; do sleep 0.02; done"
    return {
        "name": "disk-filler",
        "tasks": {
            "a": task("a", "true"),
            "b": task("b", f"{wait}; head -c {BIG_OUTPUT} /dev/zero | tr '\\\\0' x", "a"),
            "c": task("c", "true", "b"),
        },
    }


def runs(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def storage_of(client: httpx.Client) -> dict[str, Any]:
    return dict(client.get("/ready").json()["storage"])


def stop_on_full_disk(
    daemon: Harmoniad, disk: DiskKind, log: Path, gate: Path
) -> tuple[httpx.Client, str]:
    """Start the gated run, fill the disk while `b` waits, let `b` finish: its completion
    cannot be written. Returns the client and the execution id once the daemon says so."""
    client = daemon.client()
    execution_id = start_execution(client, gated_workflow(log, gate))
    wait_until(lambda: "b" in runs(log), WAIT, "task b to start")
    wait_until(lambda: completed_tasks(client, execution_id) == ["a"], WAIT, "a to be recorded")
    disk.fill()
    gate.touch()
    wait_until(lambda: not storage_of(client)["available"], WAIT, "the storage to fail")
    return client, execution_id


def completed_tasks(client: httpx.Client, execution_id: str) -> list[str]:
    """The tasks whose completion is recorded (the events API serves only what is durable)."""
    events = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
    return [e["task_id"] for e in events if e["type"] == "task_completed"]


def assert_writes_refused_and_reads_served(
    client: httpx.Client, execution_id: str, data_dir: Path
) -> None:
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["ready"] is False
    storage = ready.json()["storage"]
    assert storage["path"] and storage["since"]
    # the file within the data folder ("executions/ID/..."), not the server's path to it
    assert str(data_dir) not in ready.text and not storage["path"].startswith("/"), storage
    assert storage["error"].startswith("storage unavailable: cannot write "), storage
    assert "No space left on device" in storage["error"]
    wait_until(
        lambda: (
            storage_of(client)["stopped_executions"] == [execution_id]
            and client.get("/api/v1/executions").json()["items"][0]["interrupted"]
        ),
        WAIT,
        "the execution to be stopped",
    )
    writes = [
        client.post("/api/v1/executions", json={"workflow": echo_workflow()}),
        client.post("/api/v1/workflows", json=echo_workflow()),
        client.post(f"/api/v1/executions/{execution_id}/cancel"),
        client.post(f"/api/v1/executions/{execution_id}/checkpoint", json={}),
    ]
    for answer in writes:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert body["code"] == "storage_unavailable"
        assert body["details"]["error"] == "No space left on device"
        assert str(data_dir) not in answer.text, answer.text
        assert answer.headers["retry-after"]
    assert client.get("/health").status_code == 200
    shown = client.get(f"/api/v1/executions/{execution_id}")
    assert shown.status_code == 200 and shown.json()["status"] == "running"
    assert shown.json()["tasks"]["a"]["status"] == "completed"
    events = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert not [e for e in events if e["type"] == "task_completed" and e["task_id"] == "b"]
    streamed = read_sse(client, f"/events/executions/{execution_id}", stop_after=len(events))
    assert [json.loads(e.data)["seq"] for e in streamed] == [e["seq"] for e in events]


def remote_cli(daemon: Harmoniad, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `harmonia` command talking to `daemon`."""
    env = {**os.environ, "HARMONIA_URL": daemon.url, "HARMONIA_TOKEN": daemon.token}
    env["NO_COLOR"] = "1"
    return cli_subprocess(env, Path.cwd(), timeout=60)(*args)


def announced(disk: DiskKind) -> int | None:
    """The pid in the data folder's daemon.json (how clients find the daemon)."""
    try:
        return int(json.loads((disk.data_dir / "daemon.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def storage_lines(daemon: Harmoniad) -> list[str]:
    return [line for line in daemon.stderr if "harmonia.storage" in line]


def assert_completed_once(
    client: httpx.Client, execution_id: str, log: Path, durable: list[str]
) -> None:
    """Every task completed exactly once in the journal; those whose completion was recorded
    before the disk filled (`durable`) ran once, the others (b's completion was lost with the
    disk, and c may have started on it) at most twice."""
    final = client.get(f"/api/v1/executions/{execution_id}").json()
    assert final["status"] == "completed", final
    events = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    done = [e["task_id"] for e in events if e["type"] == "task_completed"]
    assert sorted(done) == ["a", "b", "c"]
    ran = runs(log)
    assert "a" in durable and "b" not in durable
    for task in ("a", "b", "c"):
        assert ran.count(task) == 1 if task in durable else 1 <= ran.count(task) <= 2, ran
    resumed = [e for e in events if e["type"] == "workflow_resumed"]
    assert [e["data"]["reason"] for e in resumed] == ["storage_recovered"]


def test_a_full_disk_stops_the_run_and_it_completes_once_space_is_back(
    disk: DiskKind, tmp_path: Path
) -> None:
    log, gate = tmp_path / "ran.log", tmp_path / "gate"
    with Harmoniad(disk.data_dir, command=disk.command("harmoniad")) as daemon:
        client, execution_id = stop_on_full_disk(daemon, disk, log, gate)
        assert_writes_refused_and_reads_served(client, execution_id, disk.data_dir)
        durable = completed_tasks(client, execution_id)
        cancel = remote_cli(daemon, "cancel", execution_id)
        assert cancel.returncode == 4, cancel.stderr
        assert cancel.stderr.startswith("harmonia: error: storage unavailable: cannot write")
        assert "resumes its stopped executions by itself" in cancel.stderr
        assert "Traceback" not in cancel.stderr
        with Client(url=daemon.url, token=daemon.token) as api:
            with pytest.raises(StorageUnavailableError) as refused:
                api.cancel(execution_id)
            assert refused.value.status == 503 and refused.value.error == "No space left on device"
            assert refused.value.path is not None and refused.value.path.endswith(".jsonl")
            assert api.get_execution(execution_id).status == "running"
        shown = remote_cli(daemon, "show", execution_id)
        assert shown.returncode == 0 and "running" in shown.stdout, shown.stderr
        failed = [line for line in storage_lines(daemon) if "storage unavailable" in line]
        assert len(failed) == 1, daemon.log
        assert "journal.jsonl" in failed[0] and execution_id in failed[0]
        assert "No space left on device" in failed[0]

        disk.free()
        # its stream (from seq 1) ends with the recorded end of the run
        assert daemon.wait_finished(execution_id)["status"] == "completed"
        assert_completed_once(client, execution_id, log, durable)
        assert storage_of(client)["available"] is True
        assert client.get("/ready").status_code == 200
        assert len(storage_lines(daemon)) == 2, daemon.log  # failed once, came back once
        assert "storage available again" in storage_lines(daemon)[1]
        # writes work again
        assert client.post("/api/v1/workflows", json=echo_workflow()).status_code == 201
        client.close()
        assert daemon.terminate() == 0


def test_sigterm_on_a_full_disk_stops_within_10s_and_a_restart_completes_the_run(
    disk: DiskKind, tmp_path: Path
) -> None:
    log, gate = tmp_path / "ran.log", tmp_path / "gate"
    daemon = Harmoniad(disk.data_dir, command=disk.command("harmoniad")).start()
    try:
        client, execution_id = stop_on_full_disk(daemon, disk, log, gate)
        durable = completed_tasks(client, execution_id)
        client.close()
        started = time.monotonic()
        assert daemon.terminate(timeout=10) == 0
        assert time.monotonic() - started < 10
        assert "Traceback" not in daemon.log
    finally:
        daemon.kill()
    disk.free()
    with Harmoniad(disk.data_dir, command=disk.command("harmoniad")) as again:
        with again.client() as client:
            assert again.wait_finished(execution_id)["status"] == "completed"
            events = client.get(f"/api/v1/executions/{execution_id}/events").json()["items"]
            assert sorted(completed_tasks(client, execution_id)) == ["a", "b", "c"]
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        ran = runs(log)
        assert "a" in durable and "b" not in durable
        for task in ("a", "b", "c"):
            assert ran.count(task) == 1 if task in durable else 1 <= ran.count(task) <= 2, ran


def test_the_openapi_document_lists_503_for_every_write(tmp_path: Path) -> None:
    with Harmoniad(tmp_path / "data") as daemon, daemon.client() as client:
        document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "put", "delete"):
                assert "503" in operation["responses"], (method, path)
    codes = document["components"]["schemas"]["ErrorBody"]["properties"]["code"]
    assert "storage_unavailable" in json.dumps(codes)


def test_a_daemon_started_on_a_full_disk_serves_reads_and_resumes_once_space_is_back(
    disk: DiskKind, tmp_path: Path
) -> None:
    """Killed mid-run, restarted on a full disk: it comes up (reads work, /ready says why
    not ready), resumes the interrupted run once there is space, and writes daemon.json then."""
    log, gate = tmp_path / "ran.log", tmp_path / "gate"
    first = Harmoniad(disk.data_dir, command=disk.command("harmoniad")).start()
    try:
        with first.client() as client:
            execution_id = start_execution(client, gated_workflow(log, gate))
            wait_until(lambda: "b" in runs(log), WAIT, "task b to start")
    finally:
        first.kill()
    disk.fill()
    gate.touch()
    with Harmoniad(disk.data_dir, command=disk.command("harmoniad")) as daemon:
        with daemon.client() as client:
            storage = storage_of(client)
            assert storage["available"] is False
            assert storage["stopped_executions"] == [execution_id]
            assert announced(disk) != daemon.pid  # the run file is still the killed one's
            listed = client.get("/api/v1/executions").json()["items"]
            assert [(e["id"], e["status"]) for e in listed] == [(execution_id, "running")]
            disk.free()
            final = daemon.wait_finished(execution_id)
            assert final["status"] == "completed"
            assert sorted(completed_tasks(client, execution_id)) == ["a", "b", "c"]
            wait_until(lambda: announced(disk) == daemon.pid, WAIT, "daemon.json")
        assert "Traceback" not in daemon.log

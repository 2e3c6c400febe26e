"""The catalog through a real `harmoniad`: stored workflows live in files of their own, old data
folders are migrated on start, a damaged catalog is rebuilt instead of stopping the daemon,
executions other processes run are listed, and a request that fails writes nothing.

Each test runs its own daemon subprocess (port 0, its own data folder); waits are on what the
daemon says (its log, SSE streams, exit codes), never on sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from helpers.daemon_testing import (
    Harmoniad,
    chain_workflow,
    echo_template,
    echo_workflow,
    held,
    read_sse,
    sse_stream,
    start_execution,
    store_template,
    store_workflow_yaml,
)

from harmonia.cli.main import main

SAMPLES = Path(__file__).resolve().parents[2] / "sample_workflows"
TIMEOUT = 90.0


def tree(folder: Path) -> dict[str, bytes]:
    """Every path under `folder` with its bytes: what "nothing was written" compares."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def wide_workflow(tasks: int, name: str = "wide") -> dict[str, Any]:
    return {
        "name": name,
        "tasks": {
            f"t{i}": {"component": "core", "action": "echo", "input": {"i": i}}
            for i in range(tasks)
        },
    }


def run_cli(*args: str | Path, home: Path) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS` as a subprocess, as a user runs it next to the daemon."""
    env = {k: v for k, v in os.environ.items() if k not in ("HARMONIA_URL", "HARMONIA_TOKEN")}
    env["HARMONIA_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Harmoniad]:
    with Harmoniad(tmp_path / "data") as running:
        yield running


# ---- stored workflows --------------------------------------------------------------------------


def test_stored_workflows_are_files_of_their_own_not_catalog_rows(daemon: Harmoniad) -> None:
    with daemon.client() as api:
        big = store_workflow_yaml(api, wide_workflow(2_000))
        small = store_workflow_yaml(api, echo_workflow())
        catalog = (daemon.data_dir / "catalog.json").read_bytes()
        assert b"document" not in catalog and len(catalog) < 4_000
        files = {p.name for p in (daemon.data_dir / "workflows").iterdir()}
        assert files == {f"{big['id']}.json", f"{small['id']}.json"}
        shown = api.get(f"/api/v1/workflows/{big['id']}").json()
        assert len(shown["document"]["tasks"]) == 2_000
        listed = api.get("/api/v1/workflows").json()
        assert [w["id"] for w in listed["items"]] == [small["id"], big["id"]]
        assert listed["items"][1]["task_count"] == 2_000
        started = api.post("/api/v1/executions", json={"workflow_id": small["id"]})
        assert started.status_code == 201, started.text
        assert daemon.wait_finished(started.json()["id"])["status"] == "completed"
        assert api.delete(f"/api/v1/workflows/{big['id']}").status_code == 200
        files = {p.name for p in (daemon.data_dir / "workflows").iterdir()}
        assert files == {f"{small['id']}.json"}


def legacy_layout(data_dir: Path) -> None:
    """Turn a stopped daemon's data folder into what versions before this one wrote: each
    stored workflow's document inside its catalog row, and no definition files."""
    path = data_dir / "catalog.json"
    catalog = orjson.loads(path.read_bytes())
    for row in catalog["workflows"].values():
        stored = data_dir / "workflows" / f"{row['id']}.json"
        if stored.exists():
            row["document"] = orjson.loads(stored.read_bytes())["document"]
            del row["file"]
            stored.unlink()
    if (data_dir / "workflows").exists():
        (data_dir / "workflows").rmdir()
    path.write_bytes(orjson.dumps(catalog))


def test_an_old_data_folder_is_migrated_when_the_daemon_starts(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            stored = store_workflow_yaml(api, echo_workflow("kept"))
            template = store_template(api, echo_template("kept-template"))
            old = api.post("/api/v1/executions", json={"workflow_id": stored["id"]}).json()
            daemon.wait_finished(old["id"])
    finally:
        assert daemon.terminate() == 0
    legacy_layout(daemon.data_dir)
    assert b'"document"' in (daemon.data_dir / "catalog.json").read_bytes()

    daemon.start()
    try:
        assert "moved 2 stored workflow document(s) out of the catalog" in daemon.log
        assert b'"document"' not in (daemon.data_dir / "catalog.json").read_bytes()
        with daemon.client() as api:
            listed = api.get("/api/v1/workflows").json()["items"]
            assert {w["id"] for w in listed} == {stored["id"]}
            templates = api.get("/api/v1/templates").json()["items"]
            assert {t["id"] for t in templates} == {template["id"]}
            shown = api.get(f"/api/v1/templates/{template['id']}").json()
            assert shown["document"]["name"] == "kept-template"
            again = api.post("/api/v1/executions", json={"workflow_id": stored["id"]})
            assert again.status_code == 201, again.text
            assert daemon.wait_finished(again.json()["id"])["status"] == "completed"
            executions = api.get("/api/v1/executions").json()["items"]
            assert {e["id"] for e in executions} == {old["id"], again.json()["id"]}
    finally:
        daemon.terminate()


# ---- a damaged catalog --------------------------------------------------------------------------


def damaged(original: bytes, how: str) -> bytes:
    if how == "empty":
        return b""
    if how == "garbage-line":
        middle = len(original) // 2
        return original[:middle] + b"\n\x00garbage\n" + original[middle:]
    return original[: len(original) // 3]  # truncated


@pytest.mark.parametrize("how", ["garbage-line", "empty", "truncated"])
def test_a_damaged_catalog_is_rebuilt_and_interrupted_executions_resume(
    tmp_path: Path, how: str
) -> None:
    release = tmp_path / "release"
    daemon = Harmoniad(tmp_path / "data").start()
    try:
        with daemon.client() as api:
            stored = store_workflow_yaml(api, echo_workflow("survivor"))
            done_id = start_execution(api, echo_workflow())
            daemon.wait_finished(done_id)
            api.post(f"/api/v1/executions/{done_id}/checkpoint", json={"name": "kept"})
            # its last task held: still running at the kill, however late the stream is read
            running_id = start_execution(api, held(chain_workflow(6, 0.3), "s5", release))
            with sse_stream(api, f"/events/executions/{running_id}") as stream:
                for sse in stream:
                    event = json.loads(sse.data)
                    if event["type"] == "task_completed" and event["task_id"] == "s1":
                        daemon.kill()
                        break
    finally:
        daemon.kill()
    release.touch()
    catalog = daemon.data_dir / "catalog.json"
    bad = damaged(catalog.read_bytes(), how)
    catalog.write_bytes(bad)

    daemon.start()
    try:
        line = daemon.wait_for_log("kept it as")
        assert str(catalog) in line and "rebuilt the catalog from 2 execution folder(s)" in line
        (aside,) = daemon.data_dir.glob("catalog.json.damaged-*")
        assert aside.read_bytes() == bad
        assert "resumed 1 interrupted execution(s): " + running_id in daemon.wait_for_log("resumed")
        assert daemon.wait_finished(running_id)["status"] == "completed"
        with daemon.client() as api:
            rows = {e["id"]: e for e in api.get("/api/v1/executions").json()["items"]}
            assert set(rows) == {done_id, running_id}
            assert rows[done_id]["status"] == "completed" and rows[done_id]["done_count"] == 2
            assert [w["id"] for w in api.get("/api/v1/workflows").json()["items"]] == [stored["id"]]
            checkpoints = api.get("/api/v1/checkpoints", params={"execution_id": done_id})
            assert [c["name"] for c in checkpoints.json()["items"]] == ["kept"]
    finally:
        assert daemon.terminate() == 0


# ---- other processes --------------------------------------------------------------------------


def test_the_daemon_lists_what_other_processes_run_and_leave(daemon: Harmoniad) -> None:
    home = daemon.data_dir
    with daemon.client() as api:
        assert api.get("/api/v1/executions").json()["total"] == 0
        done = run_cli("run", SAMPLES / "diamond.yaml", "--json", "--quiet", home=home)
        assert done.returncode == 0, done.stderr
        ran = json.loads(done.stdout)["id"]
        rows = api.get("/api/v1/executions").json()["items"]
        assert [(r["id"], r["status"], r["interrupted"]) for r in rows] == [
            (ran, "completed", False)
        ]
        # a `harmonia run` killed mid-run: running in the catalog, nobody holds its lock
        flow = home.parent / "chain.yaml"
        flow.write_text(yaml.safe_dump(chain_workflow(50, 0.2)), encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "harmonia.cli.main", "run", str(flow)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HARMONIA_HOME": str(home)},
        )
        assert process.stderr is not None
        for line in process.stderr:  # its progress lines: kill it once a task completed
            if "completed" in line:
                break
        rows = api.get("/api/v1/executions", params={"status": "running"}).json()["items"]
        assert [r["interrupted"] for r in rows] == [False]  # its process holds the lock
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=TIMEOUT)
        process.stderr.close()
        rows = api.get("/api/v1/executions", params={"status": "running"}).json()["items"]
        assert [r["interrupted"] for r in rows] == [True]


# ---- a request that fails writes nothing ---------------------------------------------------------

UNKNOWN_IDS = [
    "20260101-000000-ffffffffff",
    "nope",
    "-rf",
    ".hidden",
    "%2e%2e",
    "a%2Fb",
    "%00",
    "x" * 300,
    "%C3%A9",
]


def failing_requests(done: str, workflow: str, template: str) -> list[tuple[str, str, Any]]:
    """(method, path, body) of requests that must fail: unknown or malformed ids on every
    route that takes one, invalid bodies, and actions that do not apply."""
    requests: list[tuple[str, str, Any]] = []
    for bad in UNKNOWN_IDS:
        requests += [
            ("GET", f"/api/v1/executions/{bad}", None),
            ("POST", f"/api/v1/executions/{bad}/cancel", None),
            ("POST", f"/api/v1/executions/{bad}/pause", None),
            ("POST", f"/api/v1/executions/{bad}/resume", None),
            ("POST", f"/api/v1/executions/{bad}/checkpoint", {"name": "x"}),
            ("POST", f"/api/v1/executions/{bad}/tasks/hello/retry", None),
            ("POST", f"/api/v1/executions/{done}/tasks/{bad}/retry", None),
            ("GET", f"/api/v1/executions/{bad}/events", None),
            ("GET", f"/events/executions/{bad}", None),
            ("POST", f"/api/v1/checkpoints/{bad}/restore", None),
            ("GET", f"/api/v1/workflows/{bad}", None),
            ("PUT", f"/api/v1/workflows/{bad}", yaml.safe_dump(echo_workflow())),
            ("DELETE", f"/api/v1/workflows/{bad}", None),
            ("GET", f"/api/v1/templates/{bad}", None),
            ("POST", f"/api/v1/templates/{bad}/instantiate", None),
            ("DELETE", f"/api/v1/templates/{bad}", None),
            ("POST", "/api/v1/executions", {"workflow_id": bad}),
        ]
    invalid_workflow = {"name": "broken", "tasks": {"a": {"component": "nope", "action": "x"}}}
    requests += [
        ("POST", "/api/v1/executions", {"workflow": invalid_workflow}),
        ("POST", "/api/v1/executions", {"workflow": echo_workflow(), "input": {"nope": 1}}),
        ("POST", "/api/v1/executions", {"workflow_id": workflow, "input": {"who": 5}}),
        ("POST", "/api/v1/executions", {}),
        ("POST", "/api/v1/executions", b"{not json"),
        ("POST", "/api/v1/workflows", "name: [unclosed"),
        ("POST", "/api/v1/workflows", yaml.safe_dump(invalid_workflow)),
        ("PUT", f"/api/v1/workflows/{workflow}", yaml.safe_dump(invalid_workflow)),
        ("POST", f"/api/v1/templates/{template}/instantiate", {"parameters": {"nope": 1}}),
        ("POST", f"/api/v1/templates/{template}/instantiate", {"parameters": {"who": ""}}),
        ("POST", "/api/v1/templates", yaml.safe_dump(echo_template("t"))),  # the name is taken
        ("POST", "/api/v1/templates", "kind: template\nname: x\nworkflow: {}\n"),
        ("DELETE", f"/api/v1/workflows/{template}", None),  # a template is not a workflow
        ("POST", f"/api/v1/templates/{workflow}/instantiate", None),  # not a template
        ("POST", f"/api/v1/executions/{done}/cancel", {"unexpected": 1}),
        ("POST", f"/api/v1/executions/{done}/checkpoint", {"name": 5}),
        ("POST", f"/api/v1/executions/{done}/checkpoint", b"[1, 2]"),
        ("POST", f"/api/v1/executions/{done}/tasks/hello/retry", b"{"),
        # actions that do not apply to a completed execution (409)
        ("POST", f"/api/v1/executions/{done}/cancel", None),
        ("POST", f"/api/v1/executions/{done}/pause", None),
        ("POST", f"/api/v1/executions/{done}/resume", None),
    ]
    return requests


def send(api: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    if body is None:
        return api.request(method, path)
    if isinstance(body, bytes):
        return api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    if isinstance(body, str):
        return api.request(method, path, content=body, headers={"Content-Type": "application/yaml"})
    return api.request(method, path, json=body)


def test_failed_requests_and_commands_write_nothing(
    daemon: Harmoniad, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with daemon.client() as api:
        workflow = store_workflow_yaml(api, echo_workflow())["id"]
        template = store_template(api, echo_template("t"))["id"]
        done = start_execution(api, echo_workflow())
        read_sse(api, f"/events/executions/{done}")
        checkpoint = api.post(f"/api/v1/executions/{done}/checkpoint", json={"name": "c"})
        assert checkpoint.status_code == 201, checkpoint.text
        before = tree(daemon.data_dir)

        for method, path, body in failing_requests(done, workflow, template):
            response = send(api, method, path, body)
            assert 400 <= response.status_code < 500, (method, path, response.text)
            assert response.headers["content-type"].startswith("application/json"), path
            assert tree(daemon.data_dir) == before, (method, path, response.status_code)

    # the CLI, in-process on the data folder and through the daemon
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("name: x\ntasks: {a: {component: nope, action: x}}\n", encoding="utf-8")
    monkeypatch.setenv("HARMONIA_HOME", str(daemon.data_dir))
    monkeypatch.delenv("HARMONIA_URL", raising=False)
    monkeypatch.delenv("HARMONIA_TOKEN", raising=False)
    url = ["--url", daemon.url]
    commands = [
        ["run", str(invalid)],
        ["run", str(SAMPLES / "diamond.yaml"), "--input", "base=not-a-number"],
        ["show", "20260101-000000-ffffffffff"],
        ["resume", "20260101-000000-ffffffffff"],
        ["retry", "20260101-000000-ffffffffff", "hello"],
        ["retry", done, "no-such-task"],
        ["resume", done],
        ["submit", str(invalid), *url],
        ["cancel", "20260101-000000-ffffffffff", *url],
        ["pause", "nope", *url],
        ["checkpoint", "nope", *url],
        ["restore", "ckpt-nope", *url],
        ["resume", "nope", *url],
        ["retry", "nope", "hello", *url],
        ["retry", done, "no-such-task", *url],
        ["cancel", done, *url],
        ["workflows", "show", "wf-nope", *url],
        ["workflows", "delete", "wf-nope", *url],
    ]
    for argv in commands:
        assert main(argv) != 0, argv
        assert tree(daemon.data_dir) == before, argv

"""`harmoniad --executor dask` against a real LocalCluster (2 worker processes, one per module):
`/ready` and `harmonia executors` show the cluster; a daemon killed with -9 while a task runs on
the cluster runs that task again when it comes back (at-least-once), and never a completed one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("distributed") is None:
    pytest.skip("distributed is not installed", allow_module_level=True)

from helpers.daemon_testing import Harmoniad, start_execution
from helpers.dask_cluster import local_cluster
from helpers.waiting import wait_until


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with local_cluster() as cluster:
        yield str(cluster.scheduler_address)


def test_ready_and_harmonia_executors_show_the_executor_and_the_cluster(
    tmp_path: Path, scheduler: str
) -> None:
    data = tmp_path / "data"
    env = {"HARMONIA_DASK_SCHEDULER": scheduler}  # the environment names the scheduler
    with Harmoniad(data, "--executor", "dask", env=env) as daemon:
        with daemon.client() as api:
            executor = api.get("/ready").json()["executor"]
        assert executor["executor"] == "dask" and executor["scheduler"] == scheduler
        assert (executor["workers"], executor["threads"], executor["cluster"]) == (2, 2, "external")
        shown = subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", "executors", "--url", daemon.url,
             "--data-dir", str(data)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:5] == [
        "executor: dask",
        f"scheduler: {scheduler}",
        "cluster: external",
        "workers: 2",
        "threads: 2",
    ]


def _crash_workflow(tmp_path: Path) -> dict[str, Any]:
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    python = {"component": "python", "action": "call"}
    # the second task sleeps on its first run only: the daemon is killed while it sleeps
    command = f"echo run >> {second}; [ $(wc -l < {second}) -ge 2 ] || sleep 60; echo done"
    return {
        "name": "crash-on-dask",
        "tasks": {
            "first": {
                **python,
                "input": {
                    "function": "helpers.dask_funcs:count_and_sleep",
                    "args": [str(first), 0],
                },
            },
            "second": {
                "component": "shell",
                "action": "run",
                "depends_on": ["first"],
                "input": {"command": command},
            },
            "third": {
                "component": "core",
                "action": "echo",
                "depends_on": ["second"],
                "input": {"said": "${tasks.second.output.stdout}"},
            },
        },
    }


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_daemon_killed_mid_run_runs_the_cluster_task_again_never_a_completed_one(
    tmp_path: Path, scheduler: str
) -> None:
    daemon = Harmoniad(tmp_path / "data", "--executor", "dask", "--dask-scheduler", scheduler)
    daemon.start()
    try:
        with daemon.client() as api:
            execution_id = start_execution(api, _crash_workflow(tmp_path))
        wait_until(lambda: _lines(tmp_path / "second.log") == 1, 60, "the second task to run")
        daemon.kill()
        daemon.start()  # recovery resumes the execution by itself
        final = daemon.wait_finished(execution_id)
    finally:
        daemon.terminate()
    assert final["status"] == "completed", final
    tasks = (
        {t["id"]: t for t in final["tasks"]} if isinstance(final["tasks"], list) else final["tasks"]
    )
    assert _lines(tmp_path / "first.log") == 1  # completed before the kill: never again
    assert _lines(tmp_path / "second.log") == 2  # running at the kill: once more
    assert tasks["second"]["attempts"] == 2
    assert tasks["third"]["output"] == {"said": "done\n"}

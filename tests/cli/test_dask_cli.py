"""`harmonia run FILE --executor dask` and `harmonia executors` against a real LocalCluster (one
per module), and with `--dask-workers` the cluster the command starts and stops itself."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if importlib.util.find_spec("distributed") is None:
    pytest.skip("distributed is not installed", allow_module_level=True)

from helpers.dask_cluster import local_cluster

WORKFLOW = """\
name: on-dask
tasks:
  where:
    component: python
    action: call
    input: {function: "helpers.dask_funcs:pid"}
  say:
    component: shell
    action: run
    depends_on: [where]
    input: {command: "echo ran in ${tasks.where.output}"}
  gate:
    component: core
    action: echo
    depends_on: [say]
    input: {text: "${tasks.say.output.stdout}"}
"""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with local_cluster() as cluster:
        yield str(cluster.scheduler_address)


def _harmonia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HARMONIA_DASK_SCHEDULER"}
    env.update(HARMONIA_HOME=str(tmp_path / "home"), NO_COLOR="1")
    # the workers of `--dask-workers` import the tests' helpers as the module's cluster does
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180, check=False,
    )  # fmt: skip


def _check(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert done.returncode == 0, done.stderr
    execution = json.loads(done.stdout)
    assert execution["status"] == "completed"
    tasks = execution["tasks"]
    return {t["id"]: t for t in tasks} if isinstance(tasks, list) else dict(tasks)


def test_run_sends_shell_and_python_tasks_to_the_cluster(tmp_path: Path, scheduler: str) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    done = _harmonia(
        tmp_path, "run", "w.yaml", "--json", "--executor", "dask", "--dask-scheduler", scheduler
    )
    tasks = _check(done)
    worker_pid = tasks["where"]["output"]
    assert isinstance(worker_pid, int)
    assert tasks["gate"]["output"] == {"text": f"ran in {worker_pid}\n"}


def test_executors_asks_the_cluster_the_options_name(tmp_path: Path, scheduler: str) -> None:
    done = _harmonia(tmp_path, "executors", "--json", "--executor", "dask",
                     "--dask-scheduler", scheduler)  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["executor"] == "dask" and status["scheduler"] == scheduler
    assert (status["workers"], status["threads"]) == (2, 2)
    local = _harmonia(tmp_path, "executors")
    assert local.returncode == 0 and local.stdout == "executor: local\n"


def test_dask_workers_starts_a_local_cluster_for_the_run(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    done = _harmonia(tmp_path, "run", "w.yaml", "--json", "--executor", "dask",
                     "--dask-workers", "1")  # fmt: skip
    tasks = _check(done)
    assert isinstance(tasks["where"]["output"], int)

"""`--executor` and its options without a cluster: bad combinations are exit 2 before anything
is written, a workflow that asks for Dask is refused without it, and without `--executor`
neither the CLI nor the daemon imports `distributed` (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli_process import harmonia_here

WORKFLOW = "name: w\ntasks:\n  a:\n    component: shell\n    action: run\n"
WORKFLOW += "    input: {command: 'echo hi'}\n"


def _harmonia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`harmonia ARGS` called in this process (helpers/cli_process.py): these exit before
    anything runs, and what they say is tested, not the process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("HARMONIA_DASK_SCHEDULER", raising=False)
        env = {"HARMONIA_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
        return harmonia_here(*args, cwd=tmp_path, env=env)


def _harmonia_process(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The same as a process of its own: a Dask client's threads stay out of the test's."""
    environ = {k: v for k, v in os.environ.items() if k != "HARMONIA_DASK_SCHEDULER"}
    environ.update(HARMONIA_HOME=str(tmp_path / "home"), NO_COLOR="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", *args],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dask-workers", "2"], "--dask-workers applies only with --executor dask"),
        (["--dask-scheduler", "tcp://x:1"], "--dask-scheduler applies only with --executor dask"),
        (["--executor", "dask"], "--executor dask needs --dask-scheduler ADDRESS"),
        (
            ["--executor", "dask", "--dask-workers", "1", "--dask-scheduler", "tcp://x:1"],
            "give either --dask-scheduler or --dask-workers, not both",
        ),
        (["--executor", "dask", "--dask-workers", "0"], "--dask-workers must be at least 1"),
        (["--dask-connect-timeout", "1"], "--dask-connect-timeout applies only with --executor"),
        (
            ["--executor", "dask", "--dask-workers", "1", "--dask-connect-timeout", "1"],
            "--dask-connect-timeout applies to --dask-scheduler, not --dask-workers",
        ),
        (
            ["--executor", "dask", "--dask-scheduler", "tcp://x:1", "--dask-connect-timeout", "0"],
            "--dask-connect-timeout must be above 0",
        ),
    ],
)
def test_bad_executor_options_are_exit_2_and_write_nothing(
    tmp_path: Path, options: list[str], message: str
) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    done = _harmonia(tmp_path, "run", "w.yaml", "--data-dir", "data", *options)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "data").exists()


def test_a_workflow_asking_for_dask_needs_an_executor(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW + "    executor: dask\n")
    done = _harmonia(tmp_path, "run", "w.yaml", "--data-dir", "data")
    assert done.returncode == 2
    assert "task 'a' asks for executor 'dask': run it with --executor dask" in done.stderr
    assert not (tmp_path / "data").exists()


def test_an_unreachable_scheduler_is_exit_2(tmp_path: Path) -> None:
    """Port 9 refuses at once; Dask retries until the connect timeout (10 s by default: the
    test gives it 0.5 s, the error is the same)."""
    pytest.importorskip("distributed")
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    done = _harmonia_process(
        tmp_path,
        "executors",
        "--executor",
        "dask",
        "--dask-connect-timeout",
        "0.5",
        env={"HARMONIA_DASK_SCHEDULER": "tcp://127.0.0.1:9"},
    )
    assert done.returncode == 2, done.stderr
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in done.stderr


CHECK_IMPORTS = """
import sys
from harmonia.cli.main import main
code = main(["run", "w.yaml", "--data-dir", "data", "--quiet"])
from harmoniad.config import config_from_args
from harmoniad.server import Daemon
config = config_from_args(["--data-dir", "daemon-data"])
Daemon(config)
assert config.executor.kind == "local"
print(code, sorted(m for m in sys.modules if m.split(".")[0] in ("distributed", "dask")))
"""


def test_distributed_is_never_imported_without_executor(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    env = {**os.environ, "HARMONIA_HOME": str(tmp_path / "home")}
    env["HARMONIA_DASK_SCHEDULER"] = "tcp://127.0.0.1:9"  # a setting alone changes nothing
    done = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "0 []"

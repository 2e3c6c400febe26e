"""Tasks never see Harmonia's own secrets: not in their environment, not through `${env.X}`.

The daemon's token, and every variable the operator names with `--secret-env` or
`HARMONIA_SECRET_ENV`, are withheld from the processes tasks start and from `${env.NAME}`
(a clear task error that says "withheld"); a static `${env.HARMONIA_TOKEN}` fails the load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.daemon_testing import Harmoniad
from helpers.engine_probe import engine_options, run_to_end

from harmonia.engine import open_engine
from harmonia.errors import ValidationFailed
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow, load_stored_workflow
from harmonia.taskenv import TaskEnvironment, secret_names

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shells")

TOKEN = "tok-" + "s3cr3t" * 6
SECRETS = {"MY_SECRET": "my-" + "hidden" * 4, "OTHER_SECRET": "other-" + "hidden" * 4}


def shell(command: str | list[str]) -> dict[str, Any]:
    return {"component": "shell", "action": "run", "input": {"command": command}}


def env_document(*names: str) -> dict[str, Any]:
    """`env` in a shell task, and one task per name that reads `${env.NAME}`."""
    tasks = {"dump": shell(["env"]), "visible": shell("echo ${env.VISIBLE}")}
    for name in names:
        tasks[f"read_{name}"] = shell(f"echo ${{env.{name}}}")
    return {"name": "env-probe", "tasks": tasks}


def unchecked(document: dict[str, Any]) -> Workflow:
    """A workflow as a stored one comes back (the loader's checks are not run again)."""
    return load_stored_workflow(document)


def assert_withheld(tasks: dict[str, dict[str, Any]], names: list[str], values: list[str]) -> None:
    """`tasks` as the API shows them: no secret value in `env`'s output, each read refused."""
    dump = tasks["dump"]["output"]["stdout"]
    for value in values:
        assert value not in dump
    for name in names:
        assert f"\n{name}=" not in "\n" + dump
        task = tasks[f"read_{name}"]
        assert task["status"] == "failed"
        assert task["error"]["kind"] == "reference"
        assert f"environment variable '{name}' is withheld from tasks" in task["error"]["message"]


# ---- the engine -----------------------------------------------------------------------------


def test_task_environment_view() -> None:
    env = TaskEnvironment({"A": "1", "HARMONIA_TOKEN": "t", "B": "2"}, {"HARMONIA_TOKEN", "B"})
    assert dict(env) == {"A": "1"} and len(env) == 1
    assert "HARMONIA_TOKEN" not in env and "A" in env
    with pytest.raises(KeyError):
        env["HARMONIA_TOKEN"]
    names = secret_names(["X", " "], {"HARMONIA_SECRET_ENV": "A, B,,"})
    assert names == {"HARMONIA_TOKEN", "X", "A", "B"}


@pytest.mark.anyio
async def test_engine_withholds_its_token(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARMONIA_TOKEN", TOKEN)
    monkeypatch.setenv("VISIBLE", "seen")
    async with open_engine(data_dir, **engine_options()) as engine:
        state = await run_to_end(engine, unchecked(env_document("HARMONIA_TOKEN")))
    tasks = {
        tid: {"status": task.status, "output": task.output, "error": task.error}
        for tid, task in state.tasks.items()
    }
    assert tasks["visible"]["output"]["stdout"] == "seen\n"
    assert_withheld(tasks, ["HARMONIA_TOKEN"], [TOKEN])


@pytest.mark.anyio
async def test_engine_withholds_the_token_and_named_secrets(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARMONIA_TOKEN", TOKEN)
    monkeypatch.setenv("VISIBLE", "seen")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HARMONIA_SECRET_ENV", "OTHER_SECRET")
    names = ["HARMONIA_TOKEN", *SECRETS]
    wf = unchecked(env_document(*names))
    options = engine_options(secret_env=["MY_SECRET"])
    async with open_engine(data_dir, **options) as engine:
        state = await run_to_end(engine, wf)
    tasks = {
        tid: {"status": task.status, "output": task.output, "error": task.error}
        for tid, task in state.tasks.items()
    }
    assert tasks["visible"]["output"]["stdout"] == "seen\n"
    assert "VISIBLE=seen" in tasks["dump"]["output"]["stdout"]
    assert_withheld(tasks, names, [TOKEN, *SECRETS.values()])


def test_loader_refuses_env_harmonia_token() -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_workflow_dict(env_document("HARMONIA_TOKEN"))
    assert "${env.HARMONIA_TOKEN} can never have a value" in str(caught.value)
    (problem,) = caught.value.problems
    assert (problem.task, problem.field) == ("read_HARMONIA_TOKEN", "input.command")


# ---- the real `harmonia run` ----------------------------------------------------------------


def test_cli_run_withholds_secrets(tmp_path: Path) -> None:
    flow = tmp_path / "env.yaml"
    flow.write_text(yaml.safe_dump(env_document("MY_SECRET")), encoding="utf-8")
    env = {
        **os.environ,
        "HARMONIA_HOME": str(tmp_path / "home"),
        "HARMONIA_TOKEN": TOKEN,
        "HARMONIA_SECRET_ENV": "MY_SECRET",
        "VISIBLE": "seen",
        **SECRETS,
    }
    run = subprocess.run(
        [sys.executable, "-m", "harmonia.cli.main", "run", str(flow), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # read_MY_SECRET failed
    tasks = json.loads(run.stdout)["tasks"]
    assert tasks["visible"]["output"]["stdout"] == "seen\n"
    assert_withheld(tasks, ["MY_SECRET"], [TOKEN, SECRETS["MY_SECRET"]])


# ---- a real daemon with a token -------------------------------------------------------------


def test_daemon_tasks_never_see_its_token(tmp_path: Path) -> None:
    daemon = Harmoniad(tmp_path / "data", env={"VISIBLE": "x"}, token=TOKEN)
    with daemon, daemon.client() as api:
        started = api.post("/api/v1/executions", json={"workflow": env_document(), "input": {}})
        assert started.status_code == 201, started.text
        execution = daemon.wait_finished(started.json()["id"])
        assert execution["status"] == "completed"
        assert TOKEN not in execution["tasks"]["dump"]["output"]["stdout"]
        assert "VISIBLE=x" in execution["tasks"]["dump"]["output"]["stdout"]


def test_daemon_withholds_named_secrets(tmp_path: Path) -> None:
    env = {"VISIBLE": "seen", "HARMONIA_SECRET_ENV": "OTHER_SECRET", **SECRETS}
    daemon = Harmoniad(tmp_path / "data", "--secret-env", "MY_SECRET", env=env, token=TOKEN)
    document = env_document(*SECRETS)
    for name in ("VISIBLE", "MY_SECRET", "OTHER_SECRET", "HARMONIA_TOKEN"):
        # a python function in a worker process reads the environment it was started with
        document["tasks"][f"py_{name}"] = {
            "component": "python",
            "action": "call",
            "input": {"function": "os:getenv", "args": [name]},
        }
    with daemon, daemon.client() as api:
        started = api.post("/api/v1/executions", json={"workflow": document, "input": {}})
        assert started.status_code == 201, started.text
        execution = daemon.wait_finished(started.json()["id"])
        tasks = execution["tasks"]
        assert tasks["visible"]["output"]["stdout"] == "seen\n"
        assert tasks["py_VISIBLE"]["output"] == "seen"
        for name in ("MY_SECRET", "OTHER_SECRET", "HARMONIA_TOKEN"):
            assert tasks[f"py_{name}"]["status"] == "completed"
            assert tasks[f"py_{name}"]["output"] is None
        assert_withheld(tasks, list(SECRETS), [TOKEN, *SECRETS.values()])
        # nothing the daemon recorded holds a secret
        events = api.get(f"/api/v1/executions/{execution['id']}/events").text
        assert TOKEN not in events and not any(v in events for v in SECRETS.values())
        # `${env.HARMONIA_TOKEN}` is refused before anything runs
        refused = api.post(
            "/api/v1/executions", json={"workflow": env_document("HARMONIA_TOKEN"), "input": {}}
        )
        assert refused.status_code == 422, refused.text
        assert "can never have a value" in refused.text


def test_daemon_refuses_a_bad_secret_env_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harmoniad", "--secret-env", "A=B", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not an environment variable name" in done.stderr

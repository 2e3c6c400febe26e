"""`harmonia run` calling remote components (declared with `--component`, found through Hermes
with `--hermes`, or named by `{NAME}_PORT`), and `harmonia components` in this process and
through a daemon. The commands are called in this process (helpers/cli_process.py: resolving
components is what is tested, not the process); the components are fakes on loopback, the
daemon a real one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from helpers._serve import ThreadedServer
from helpers.cli_process import Cli, cli_in_process
from helpers.daemon_testing import Harmoniad
from helpers.fake_component import FakeComponent
from helpers.fake_hermes import FakeHermes

WORKFLOW = """
name: prompt-check
input:
  prompt: {type: string, default: "Summarise the notes"}
tasks:
  check:
    component: rhetor
    action: ValidatePromptSyntax
    input: {prompt_text: "${input.prompt}"}
  fail:
    component: rhetor
    action: Fail
    depends_on: [check]
    when: "input.prompt == 'fail'"
    input: {message: "the prompt was refused"}
"""


@pytest.fixture
def workflow_file(tmp_path: Path) -> Path:
    path = tmp_path / "check.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    return path


@pytest.fixture
def harmonia(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    """`harmonia ARGS` with no Hermes, Tekton or Rhetor address from the environment of the
    person running the tests, wide enough a terminal for the tables."""
    for name in list(os.environ):
        if name.startswith(("HERMES_", "TEKTON_", "RHETOR_")):
            monkeypatch.delenv(name)
    run = cli_in_process(tmp_path / "home", tmp_path, capsys, monkeypatch)

    def call(*args: str | Path, env: dict[str, str] | None = None) -> CompletedProcess[str]:
        return run(*args, env={"COLUMNS": "200", **(env or {})})

    return call


def test_run_calls_a_declared_component(
    harmonia: Cli, fake: FakeComponent, rhetor: ThreadedServer, workflow_file: Path
) -> None:
    done = harmonia("run", workflow_file, "--json", "--component", f"rhetor={rhetor.url}")
    assert done.returncode == 0, done.stderr
    final = json.loads(done.stdout)
    assert final["tasks"]["check"]["output"]["valid"] is True
    assert fake.calls[0].context["execution_id"] == final["id"]  # type: ignore[index]

    failed = harmonia(
        "run",
        workflow_file,
        "--input",
        "prompt=fail",
        "--component",
        f"rhetor={rhetor.url}",
    )
    assert failed.returncode == 1
    assert "rhetor.Fail failed: the prompt was refused" in failed.stdout + failed.stderr


def test_run_finds_components_through_hermes_and_the_environment(
    harmonia: Cli, rhetor: ThreadedServer, workflow_file: Path
) -> None:
    hermes = FakeHermes()
    hermes.add("rhetor", rhetor.url)
    with hermes:
        through_hermes = harmonia("run", workflow_file, "-q", "--hermes", hermes.url)
        assert through_hermes.returncode == 0, through_hermes.stderr
        through_env = harmonia("run", workflow_file, "-q", env={"HERMES_URL": hermes.url})
        assert through_env.returncode == 0, through_env.stderr
    port = rhetor.url.rsplit(":", 1)[1]
    named = harmonia(
        "run", workflow_file, "-q", env={"RHETOR_PORT": port, "RHETOR_HOST": "127.0.0.1"}
    )
    assert named.returncode == 0, named.stderr


def test_run_refuses_an_unknown_component_saying_where_it_looked(
    harmonia: Cli, workflow_file: Path
) -> None:
    done = harmonia("run", workflow_file)
    assert done.returncode == 2
    assert f"{workflow_file}:7, task 'check', field 'component': unknown component 'rhetor'" in (
        done.stderr
    )
    assert "the environment (RHETOR_PORT is not set)" in done.stderr
    bad = harmonia("run", workflow_file, "--component", "rhetor=ftp://x")
    assert bad.returncode == 2 and "not an http(s) base URL" in bad.stderr
    checked = harmonia("validate", workflow_file)
    assert checked.returncode == 2 and "unknown component 'rhetor'" in checked.stdout


def test_validate_checks_remote_tools(
    harmonia: Cli, rhetor: ThreadedServer, workflow_file: Path
) -> None:
    done = harmonia("validate", workflow_file, "--component", f"rhetor={rhetor.url}")
    assert (done.returncode, done.stdout) == (0, f"{workflow_file}: ok (2 tasks)\n")


def test_components_lists_here_and_through_a_daemon(
    harmonia: Cli, tmp_path: Path, rhetor: ThreadedServer
) -> None:
    here = harmonia("components", "--component", f"rhetor={rhetor.url}")
    assert here.returncode == 0, here.stderr
    lines = here.stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "HEALTH", "ENDPOINT", "ACTIONS"]
    row = f"rhetor    declared  healthy  {rhetor.url}  ValidatePromptSyntax, Echo"
    assert row in here.stdout  # the NAME column fits "workflow"

    one = harmonia("components", "rhetor", "--component", f"rhetor={rhetor.url}")
    assert one.returncode == 0
    assert "      prompt_text: <class 'str'> (required)" in one.stdout.splitlines()

    with Harmoniad(tmp_path / "d", "--component", f"rhetor={rhetor.url}") as daemon:
        env = {"HARMONIA_URL": daemon.url, "HARMONIA_TOKEN": daemon.token}
        remote = harmonia("components", "--json", env=env)
        unknown = harmonia("components", "nope", env=env)
    assert remote.returncode == 0, remote.stderr
    kinds = {c["name"]: c["kind"] for c in json.loads(remote.stdout)}
    assert kinds["rhetor"] == "declared" and kinds["shell"] == "builtin"
    assert unknown.returncode == 2
    assert "unknown component 'nope'" in unknown.stderr
    missing = harmonia("components", "nope")
    assert missing.returncode == 2 and "looked in: built-in components" in missing.stderr

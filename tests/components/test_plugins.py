"""Components that installed packages add (entry-point group `harmonia.components`): each test
installs a real package the way pip leaves one on disk (a module and its `.dist-info` with
`entry_points.txt`), puts it on PYTHONPATH, and runs the real `harmonia` script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers.plugin_site import install, run_harmonia

GREETER = """
from pydantic import BaseModel, ConfigDict

from harmonia.components import Component, ModelAction


class GreetInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class Greet(ModelAction[GreetInput]):
    name = "greet"
    description = "Say hello."
    input_model = GreetInput

    async def run(self, ctx, params):
        return {"greeting": f"hello {params.name}", "task": ctx.task_id}


class Greeter(Component):
    def __init__(self):
        super().__init__("greeter", "Greets people.", [Greet()])
"""

WORKFLOW = """
name: greet
tasks:
  hi:
    component: greeter
    action: greet
    input: {name: ann}
"""


def harmonia(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_harmonia(site, *args, columns=200, drop_env=("HERMES_", "TEKTON_"))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"


def test_an_installed_package_adds_a_component_workflows_can_call(
    site: Path, tmp_path: Path
) -> None:
    install(site, "greeter", GREETER, "[harmonia.components]\ngreeter = greeter:Greeter\n")
    listed = harmonia(site, "components", "--json")
    assert listed.returncode == 0, listed.stderr
    (greeter,) = [c for c in json.loads(listed.stdout) if c["name"] == "greeter"]
    assert (greeter["kind"], greeter["health"], greeter["endpoint"]) == ("plugin", "ok", None)
    assert [a["name"] for a in greeter["actions"]] == ["greet"]
    assert greeter["actions"][0]["input_schema"]["required"] == ["name"]

    (tmp_path / "greet.yaml").write_text(WORKFLOW, encoding="utf-8")
    done = harmonia(
        site, "run", str(tmp_path / "greet.yaml"), "--json", "-q", "--data-dir", str(tmp_path / "d")
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tasks"]["hi"]["output"] == {
        "greeting": "hello ann",
        "task": "hi",
    }


def test_a_broken_plugin_is_listed_with_why_and_the_rest_still_works(site: Path) -> None:
    entries = "[harmonia.components]\nbroken = broken:Nothing\nshell = broken:Shadow\n"
    module = "from harmonia.components import ShellComponent as Shadow\nNothing = 3\n"
    install(site, "broken", module, entries)
    listed = harmonia(site, "components", "--json")
    assert listed.returncode == 0, listed.stderr
    found = {c["name"]: c for c in json.loads(listed.stdout)}
    assert found["broken"]["health"] == "error"
    assert found["broken"]["error"] == "TypeError: 'int' object is not callable"
    assert found["shell"]["kind"] == "builtin"  # a plugin cannot take a built-in's name
    assert len([c for c in json.loads(listed.stdout) if c["name"] == "shell"]) == 1
    assert "component 'shell' (broken:Shadow) left out: ValueError: 'shell' is a built-in" in (
        listed.stderr
    )
    table = harmonia(site, "components")
    assert table.returncode == 0
    assert "broken    plugin   error" in table.stdout  # the NAME column fits "workflow"

"""`harmonia run FILE` finds sub-workflow files next to it, and `harmonia show` prints the
parent/child links both ways and the declared output; called in this process
(helpers/cli_process.py: what is tested is where the files are found, not the process)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers.cli_process import harmonia_here

CHILD = """name: child
input:
  n: {type: integer}
tasks:
  square:
    component: python
    action: call
    input: {function: "operator:mul", args: ["${input.n}", "${input.n}"]}
output:
  square: "${tasks.square.output}"
"""

PARENT = """name: parent
tasks:
  sub:
    component: workflow
    action: run
    input: {workflow: parts/child.yaml, input: {n: 7}}
output:
  result: "${tasks.sub.output.square}"
"""

BROKEN_PARENT = PARENT.replace("n: 7", "n: seven")


def harmonia(tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI, run from an unrelated folder: relative paths follow the file, not cwd."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return harmonia_here(*args, cwd=elsewhere)


def test_show_prints_the_link_both_ways(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    (flows / "parts").mkdir(parents=True)
    (flows / "parts" / "child.yaml").write_text(CHILD)
    (flows / "parent.yaml").write_text(PARENT)
    data = tmp_path / "data"

    ran = harmonia(tmp_path, "run", flows / "parent.yaml", "--json", "--data-dir", data)
    assert ran.returncode == 0, ran.stderr
    doc = json.loads(ran.stdout)
    assert doc["output"] == {"result": 49}
    child_id = doc["tasks"]["sub"]["child_execution_id"]
    assert child_id

    shown = harmonia(tmp_path, "show", doc["id"], "--data-dir", data)
    assert shown.returncode == 0, shown.stderr
    assert 'output     {"result":49}' in shown.stdout
    assert f"child executions:\n  sub -> {child_id}" in shown.stdout

    child = harmonia(tmp_path, "show", child_id, "--data-dir", data)
    assert child.returncode == 0, child.stderr
    assert f"parent     {doc['id']} task sub" in child.stdout
    assert 'output     {"square":49}' in child.stdout

    as_json = json.loads(harmonia(tmp_path, "show", child_id, "--json", "--data-dir", data).stdout)
    assert as_json["parent"] == {"execution_id": doc["id"], "task_id": "sub", "depth": 1}


def test_a_failing_child_input_is_the_task_failure(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "child.yaml").write_text(CHILD)
    (tmp_path / "parent.yaml").write_text(BROKEN_PARENT)
    ran = harmonia(tmp_path, "run", tmp_path / "parent.yaml", "--data-dir", tmp_path / "data")
    assert ran.returncode == 1, ran.stderr
    assert "invalid input for workflow 'parts/child.yaml'" in ran.stderr
    assert "input 'n': expected integer" in ran.stderr


def test_a_recursive_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").write_text(PARENT.replace("parts/child.yaml", "./loop.yaml"))
    ran = harmonia(tmp_path, "run", tmp_path / "loop.yaml", "--data-dir", tmp_path / "data")
    assert ran.returncode == 2
    assert "sub-workflow recursion: loop.yaml -> ./loop.yaml" in ran.stderr
    assert "task 'sub', field 'input.workflow'" in ran.stderr
    assert not (tmp_path / "data").exists()  # refused: nothing written


def test_validate_refuses_a_recursive_file_as_run_does(tmp_path: Path) -> None:
    """`harmonia validate` said "ok" of a file that `harmonia run` refuses (README: both do)."""
    (tmp_path / "loop.yaml").write_text(PARENT.replace("parts/child.yaml", "./loop.yaml"))
    checked = harmonia(tmp_path, "validate", tmp_path / "loop.yaml")
    assert checked.returncode == 2, checked.stdout
    assert "sub-workflow recursion: loop.yaml -> ./loop.yaml" in checked.stdout


def test_a_loop_through_stored_ids_is_refused_when_the_run_starts(tmp_path: Path) -> None:
    from harmonia.store import Store
    from harmonia.store.definitions import WorkflowDefinitions

    data = tmp_path / "data"
    store = Store(data)
    store.open_catalog()
    definitions = WorkflowDefinitions(store)
    looped = definitions.add({"name": "x", "tasks": {"t": {"component": "core", "action": "echo"}}})
    wid = looped["id"]
    call = {"component": "workflow", "action": "run", "input": {"workflow": wid}}
    definitions.replace(wid, {"name": "x", "tasks": {"t": call}})
    (tmp_path / "top.json").write_text(json.dumps({"name": "top", "tasks": {"call": call}}))

    ran = harmonia(tmp_path, "run", tmp_path / "top.json", "--data-dir", data)
    assert ran.returncode == 2, ran.stderr
    assert f"sub-workflow recursion: top -> {wid} -> {wid}" in ran.stderr
    assert "task 'call', field 'input.workflow'" in ran.stderr
    assert store.list_summaries() == []  # refused before anything was recorded

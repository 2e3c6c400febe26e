"""Load-time checks of sub-workflows and outputs: static recursion through files is refused
naming the chain, `output:` references name existing tasks, `workflow.run` input has a shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.loading import fails

from harmonia.errors import Problem, ValidationFailed
from harmonia.loader import load_workflow_file


def calls(name: str, target: str) -> str:
    return f"""name: {name}
tasks:
  prepare:
    component: core
    action: echo
  call:
    component: workflow
    action: run
    depends_on: [prepare]
    input:
      workflow: {target}
      input: {{}}
"""


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    return info.value.problems


def test_a_file_calling_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(calls("a", "./a.yaml"))
    (problem,) = problems_of(path)
    assert problem.message == "sub-workflow recursion: a.yaml -> ./a.yaml"
    assert (problem.file, problem.line, problem.task, problem.field) == (
        str(path),
        11,
        "call",
        "input.workflow",
    )


def test_a_cycle_through_another_file_names_the_chain(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text(calls("a", "sub/b.yaml"))
    (tmp_path / "sub" / "b.yaml").write_text(calls("b", "../a.yaml"))
    (problem,) = problems_of(tmp_path / "a.yaml")
    assert "sub-workflow recursion: a.yaml -> sub/b.yaml -> ../a.yaml" in str(problem)
    # from b's side, the same cycle is found, named from b
    (problem,) = problems_of(tmp_path / "sub" / "b.yaml")
    assert problem.message == "sub-workflow recursion: b.yaml -> ../a.yaml -> sub/b.yaml"


def test_calls_without_a_cycle_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(calls("a", "b.yaml"))
    (tmp_path / "b.yaml").write_text(calls("b", "c.yaml"))
    (tmp_path / "c.yaml").write_text("name: c\ntasks: {t: {component: core, action: echo}}\n")
    workflow = load_workflow_file(tmp_path / "a.yaml")
    assert workflow.tasks["call"].input["workflow"] == "b.yaml"
    # a reference that is not literal, or a file that does not exist yet, is left to the run
    (tmp_path / "d.yaml").write_text(calls("d", "missing.yaml"))
    load_workflow_file(tmp_path / "d.yaml")
    (tmp_path / "e.yaml").write_text(calls("e", '"${tasks.prepare.output.path}"'))
    load_workflow_file(tmp_path / "e.yaml")


def test_output_references_must_name_existing_tasks_and_inputs() -> None:
    problems = fails(
        """name: outs
input:
  n: {type: integer, default: 1}
tasks:
  sum: {component: core, action: echo}
output:
  total: "${tasks.summ.output}"
  count: "${input.m}"
  fine: "${tasks.sum.output.x} of ${input.n}"
  bad: "${tasks.sum.nothing}"
"""
    )
    found = {(p.line, p.field): p.message for p in problems}
    assert set(found) == {(7, "output.total"), (8, "output.count"), (10, "output.bad")}
    assert found[(7, "output.total")].startswith("references unknown task 'summ'")
    assert "did you mean 'sum'" in found[(7, "output.total")]
    assert "m" in found[(8, "output.count")]
    assert "only .output or .status may follow" in found[(10, "output.bad")]


def test_output_must_be_a_mapping_of_names() -> None:
    problems = fails("name: o\ntasks: {t: {component: core, action: echo}}\noutput: [1, 2]\n")
    assert [p.field for p in problems] == ["output"]
    problems = fails(
        "name: o\ntasks: {t: {component: core, action: echo}}\noutput: {'bad name': 1}\n"
    )
    assert problems and problems[0].field is not None and "output" in problems[0].field


def test_workflow_run_input_shape() -> None:
    problems = fails(
        """name: shape
tasks:
  a: {component: workflow, action: run, input: {input: {x: 1}, extra: 2}}
  b: {component: workflow, action: run, input: {workflow: 3}}
  c: {component: workflow, action: start, input: {workflow: x}}
"""
    )
    found = {(p.task, p.field): p.message for p in problems}
    assert found[("a", "input.workflow")] == "required field missing"
    assert found[("a", "input.extra")].startswith("unknown field")
    assert found[("b", "input.workflow")] == "expected a string, got integer 3"
    assert "unknown action 'start'" in found[("c", "action")]

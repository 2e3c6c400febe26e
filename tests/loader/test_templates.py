"""Template files and instantiation: placeholders checked when a template is loaded (with
lines), values substituted with their types, quoted in shell commands, literal in conditions,
escaped where the engine reads `${`, and the result loaded as any workflow."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from harmonia.errors import ValidationFailed
from harmonia.loader import (
    instantiate,
    load_definition_file,
    load_template_dict,
    load_template_text,
    load_workflow_dict,
)
from harmonia.model import Workflow


def template(workflow: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "template", "name": "t", "parameters": parameters, "workflow": workflow}


def one_task(task: dict[str, Any], **workflow: Any) -> dict[str, Any]:
    return {"name": "w", **workflow, "tasks": {"a": task}}


def echo(**fields: Any) -> dict[str, Any]:
    """A `core.echo` task with `fields`: the component matters to none of these tests."""
    return {"component": "core", "action": "echo", **fields}


def made(document: dict[str, Any], **values: Any) -> Workflow:
    return instantiate(load_template_dict(document), values).workflow


def test_a_whole_placeholder_keeps_the_values_type_anywhere() -> None:
    document = template(
        one_task(
            echo(
                timeout="${param.timeout}",
                retry_policy={"max_retries": "${param.retries}"},
                input={"n": "${param.n}", "flags": "${param.flags}", "on": "${param.on}"},
            ),
            max_concurrency="${param.width}",
        ),
        {
            "timeout": {"type": "number", "default": 2.5},
            "retries": {"type": "integer", "default": 3},
            "n": {"type": "integer", "default": 1},
            "flags": {"type": "array", "default": ["x", 2]},
            "on": {"type": "boolean", "default": True},
            "width": {"type": "integer", "default": 4},
        },
    )
    workflow = made(document, n=7)
    task = workflow.tasks["a"]
    assert task.timeout == 2.5 and task.retry_policy is not None
    assert task.retry_policy.max_retries == 3
    assert task.input == {"n": 7, "flags": ["x", 2], "on": True}
    assert workflow.max_concurrency == 4


def test_inside_a_longer_string_a_value_is_formatted_in() -> None:
    document = template(
        {
            "name": "report-${param.day}",
            "description": "for ${param.day}: ${param.limits}",
            "tasks": {"a_${param.day}": echo(input={"text": "n=${param.n} of ${input.total}"})},
            "input": {"total": {"type": "integer", "default": 1}},
        },
        {
            "day": {"type": "string", "pattern": "^[0-9]+$"},
            "n": {"type": "integer"},
            "limits": {"type": "object", "default": {"max": 2}},
        },
    )
    workflow = made(document, day="12", n=3)
    assert workflow.name == "report-12"
    assert workflow.description == 'for 12: {"max": 2}'
    assert workflow.tasks["a_12"].input == {"text": "n=3 of ${input.total}"}  # left to run time


def test_a_value_that_looks_like_a_reference_stays_text() -> None:
    document = template(
        one_task(echo(input={"a": "${param.v}", "b": "x ${param.v}"})),
        {"v": {"type": "string"}},
    )
    workflow = made(document, v="${env.HOME}")
    assert workflow.tasks["a"].input == {"a": "$${env.HOME}", "b": "x $${env.HOME}"}
    from harmonia.expressions import compile_template

    assert compile_template(workflow.tasks["a"].input).render({}) == {
        "a": "${env.HOME}",
        "b": "x ${env.HOME}",
    }


@pytest.mark.parametrize(
    "value", ["plain", "a b", "x; touch /tmp/owned", "'quoted'", '"dq" $HOME `id`', "$(id)"]
)
def test_values_reach_a_shell_command_as_one_word_of_data(value: str, tmp_path: Path) -> None:
    command = "printf '%s|' ${param.v} \"in dq ${param.v}\" 'in sq ${param.v}'"
    document = template(
        one_task({"component": "shell", "action": "run", "input": {"command": command}}),
        {"v": {"type": "string"}},
    )
    rendered = made(document, v=value).tasks["a"].input["command"]
    from harmonia.expressions import compile_shell_template

    final = compile_shell_template(rendered).render({})
    out = subprocess.run(["/bin/sh", "-c", final], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout == f"{value}|in dq {value}|in sq {value}|"
    assert not (tmp_path / "owned").exists()


def test_a_whole_command_value_is_one_word_or_an_argv() -> None:
    document = template(
        one_task({"component": "shell", "action": "run", "input": {"command": "${param.c}"}}),
        {"c": {"type": "string"}},
    )
    assert made(document, c="ls -l").tasks["a"].input["command"] == "'ls -l'"
    listed = template(
        one_task({"component": "shell", "action": "run", "input": {"command": "${param.c}"}}),
        {"c": {"type": "array"}},
    )
    assert made(listed, c=["ls", "-l"]).tasks["a"].input["command"] == ["ls", "-l"]


def test_only_an_integer_goes_into_shell_arithmetic() -> None:
    document = template(
        one_task(
            {
                "component": "shell",
                "action": "run",
                "input": {"command": "echo $((${param.n} + 1))"},
            }
        ),
        {"n": {"type": "string"}},
    )
    assert made(document, n="41").tasks["a"].input["command"] == "echo $((41 + 1))"
    with pytest.raises(ValidationFailed) as caught:
        made(document, n="1); rm -rf ~; ((1")
    assert "only an integer" in caught.value.problems[0].message
    assert caught.value.problems[0].task == "a"


def test_in_a_condition_a_value_is_a_literal() -> None:
    document = template(
        one_task(echo(when="${param.mode} == 'on' and ${param.n} > 2")),
        {"mode": {"type": "string"}, "n": {"type": "integer"}},
    )
    assert made(document, mode="on", n=3).tasks["a"].when == "\"on\" == 'on' and 3 > 2"
    tricky = made(document, mode="x' or true or 'y", n=3).tasks["a"].when
    assert tricky == "\"x' or true or 'y\" == 'on' and 3 > 2"


def test_the_result_is_checked_as_any_workflow() -> None:
    document = template(
        one_task({"component": "${param.c}", "action": "echo"}),
        {"c": {"type": "string"}},
    )
    with pytest.raises(ValidationFailed) as caught:
        made(document, c="nope")
    problem = caught.value.problems[0]
    assert problem.file == "template t" and problem.task == "a" and problem.field == "component"


def test_template_problems_are_located_and_all_reported(tmp_path: Path) -> None:
    text = """\
kind: template
name: t
parameters:
  n: {type: integer, default: 1}
  unused: {type: string, default: x}
  bad: {type: integer, default: nope}
workflow:
  name: w
  tasks:
    a:
      component: core
      action: echo
      input: {v: "${param.m}", w: "${param.n}", x: "${param.n.deep}"}
"""
    with pytest.raises(ValidationFailed) as caught:
        load_template_text(text, source="t.yaml")
    found = {(p.line, p.task, p.field): p.message for p in caught.value.problems}
    assert "expected integer" in found[(6, None, "parameters.bad.default")]
    (tmp_path / "t.yaml").write_text(text.replace("default: nope", "default: 2"))
    with pytest.raises(ValidationFailed) as again:
        load_definition_file(tmp_path / "t.yaml")
    found = {(p.line, p.task, p.field): p.message for p in again.value.problems}
    assert "unknown parameter 'm'" in found[(13, "a", "input.v")]
    assert "param.NAME" in found[(13, "a", "input.x")]
    assert "never used" in found[(5, None, "parameters.unused")]
    assert "never used" in found[(6, None, "parameters.bad")]


def test_a_body_broken_with_the_defaults_is_found_at_load_time() -> None:
    document = template(
        one_task(echo(depends_on=["${param.dep}"])),
        {"dep": {"type": "string", "default": "missing"}},
    )
    with pytest.raises(ValidationFailed) as caught:
        load_template_dict(document)
    message = caught.value.problems[0].message
    assert message.startswith("with the parameters' defaults: unknown dependency 'missing'")


def test_a_template_is_not_a_workflow_and_param_is_only_for_templates() -> None:
    with pytest.raises(ValidationFailed, match="this is a template"):
        load_workflow_dict(template(one_task(echo()), {}))
    workflow = one_task(echo(input={"x": "${param.x}"}))
    with pytest.raises(ValidationFailed, match="only a template's workflow body"):
        load_workflow_dict(workflow)


def test_the_sample_template_loads() -> None:
    sample = Path(__file__).resolve().parents[2] / "sample_workflows" / "greeting_template.yaml"
    loaded = load_definition_file(sample)
    assert not isinstance(loaded, Workflow)
    assert list(loaded.spec.parameters) == ["who", "times", "style", "timeout"]
    assert loaded.digest.startswith("sha256:")


def test_values_cannot_blow_the_workflow_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import harmonia.loader.substitution as substitution

    monkeypatch.setattr(substitution, "MAX_VALUES", 50)
    document = template(
        one_task(echo(input={"a": "${param.v}", "b": "${param.v}"})),
        {"v": {"type": "array"}},
    )
    assert made(document, v=list(range(20))).tasks["a"].input["a"] == list(range(20))
    with pytest.raises(ValidationFailed, match="the values make the workflow too large"):
        made(document, v=list(range(30)))

"""Previews: a task's input resolved as far as a partial context allows, by the engine's own
rules, never raising (harmonia.expressions.preview and the shell command preview)."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from helpers.expressions import make_context
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonia.expressions import (
    compile_template,
    preview,
    preview_shell_command,
)


def test_preview_quotes_known_values_and_keeps_unknown_references() -> None:
    context = {"input": {"x": "a; b"}, "tasks": {}}
    shown = preview_shell_command(
        'echo ${input.x} "${input.x}" ${env.HOME} ${tasks.t.output}', context
    )
    assert shown == "echo 'a; b' \"a; b\" ${env.HOME} ${tasks.t.output}"
    assert preview_shell_command("echo # ${input.x}", context) == "echo # ${input.x}"


def test_shell_preview_leaves_unknown_references_as_written() -> None:
    shown = preview_shell_command("echo ${ env.HOME } $${X} ${input.x}", {"input": {"x": 1}})
    assert shown == "echo ${ env.HOME } ${X} '1'"


def test_shell_preview_quotes_each_value_for_its_own_place() -> None:
    # an unanswerable reference before others must not shift where the others are
    context = {"input": {"x": "$y", "n": "a"}}
    shown = preview_shell_command('echo ${env.HOME} "${input.x}" ${input.x}', context)
    assert shown == "echo ${env.HOME} \"\\$y\" '$y'"
    # a value that cannot go where it stands (shell arithmetic takes integers) stays as written
    assert preview_shell_command("echo $(( ${input.n} + 1 ))", context) == (
        "echo $(( ${input.n} + 1 ))"
    )
    assert preview_shell_command("${input.x}", context) == "'$y'"
    assert preview_shell_command("${raw:input.x}", context) == "$y"
    assert preview_shell_command("${input.l}", {"input": {"l": ["a", "b c"]}}) == ["a", "b c"]


PARTIAL = {
    "input": {"n": 3, "who": "ann", "items": [1, 2]},
    "tasks": {"a": {"output": {"rows": [1, 2], "msg": "hi"}, "status": "completed"}},
    "workflow": {"name": "w", "version": "1"},
    "execution": {"id": "x1"},
}


def test_answerable_references_are_resolved_the_others_left_as_written() -> None:
    declared = {
        "count": "${input.n}",
        "first": "${tasks.a.output.rows[0]}",
        "text": "hello ${input.who}, ${tasks.a.output.msg} (${tasks.a.status})",
        "env": "${env.HOME}",
        "spaced": "${ env.HOME }",
        "later": ["${tasks.b.output}", "${input.items}"],
        "mixed": "n=${input.n} home=${ env.HOME }",
        7: ("${input.n}",),
    }
    assert preview(declared, PARTIAL) == {
        "count": 3,
        "first": 1,
        "text": "hello ann, hi (completed)",
        "env": "${env.HOME}",
        "spaced": "${ env.HOME }",
        "later": ["${tasks.b.output}", [1, 2]],
        "mixed": "n=3 home=${ env.HOME }",
        7: (3,),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$${input.n}", "${input.n}"),  # the escape: a literal `${`, never resolved
        ("cost $${x} and ${input.n}", "cost ${x} and 3"),
        ("$$${input.n}", "$${input.n}"),
        ("$5 and $", "$5 and $"),
    ],
)
def test_the_escape_is_read_as_the_engine_reads_it(value: str, expected: str) -> None:
    assert preview(value, PARTIAL) == expected
    assert preview(value, PARTIAL) == compile_template(value).render(PARTIAL)


@pytest.mark.parametrize(
    "value",
    [
        "${input.n",
        "${nope.x} and ${input.n}",
        "${input.__class__}",
        "${raw:input.n}",  # raw: has a meaning only in a shell command string
        "${tasks.a.result}",
    ],
)
def test_a_string_that_does_not_compile_is_shown_as_written(value: str) -> None:
    assert preview({"k": [value]}, PARTIAL) == {"k": [value]}


def test_values_are_formatted_like_the_engine_formats_them() -> None:
    context = make_context()
    declared = {
        "a": "tags ${tasks.fetch.output.tags} flag ${input.flag} none ${input.none}",
        "b": "item ${tasks.fetch.output.json.items[0]} ratio ${tasks.fetch.output.ratio}",
        "c": "${tasks.fetch.output.json}",
        "d": ["${input.limit}", {"e": "${workflow.name}-${workflow.version}"}],
    }
    assert preview(declared, context) == compile_template(declared).render(context)
    assert preview(declared, context)["a"] == 'tags ["a", "b"] flag true none null'


def test_shell_fields_are_quoted_as_the_engine_quotes_them() -> None:
    declared = {"command": "echo ${input.x} ${env.HOME}", "stdin": "${input.x}"}
    context = {"input": {"x": "$(id)"}}
    assert preview(declared, context, ("command",)) == {
        "command": "echo '$(id)' ${env.HOME}",
        "stdin": "$(id)",
    }
    full = {"input": {"x": "$(id)"}, "env": {"HOME": "/h"}}
    assert preview(declared, full, ("command",)) == (
        compile_template(declared, shell_fields=("command",)).render(full)
    )


def test_the_input_is_not_changed_and_scalars_pass_through() -> None:
    declared = {"a": ["${input.n}", {"b": "${input.who}"}], "c": 1.5, "d": None, "e": True}
    before = copy.deepcopy(declared)
    shown = preview(declared, PARTIAL)
    assert declared == before
    assert shown == {"a": [3, {"b": "ann"}], "c": 1.5, "d": None, "e": True}
    assert preview(5, PARTIAL) == 5
    assert preview("${input.n}", {}) == "${input.n}"


def test_the_engines_rule_for_tasks_without_a_result() -> None:
    # the engine's context holds only the status of a task that has not completed
    context = {"tasks": {"a": {"status": "running"}}}
    assert preview("${tasks.a.output} is ${tasks.a.status}", context) == (
        "${tasks.a.output} is running"
    )


def test_deep_values_are_left_as_they_are() -> None:
    deep: Any = "${input.n}"
    for _ in range(500):
        deep = [deep]
    assert preview(deep, PARTIAL) == deep


syntaxy = st.lists(
    st.sampled_from(["${", "$${", "}", "input", "tasks", ".", "a", "n", "[0]", "raw:", " ", "x"]),
    max_size=12,
).map("".join)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | syntaxy,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(syntaxy, kids, max_size=3),
    max_leaves=10,
)


@given(values, st.sampled_from([{}, PARTIAL, {"input": None}, {"tasks": []}]))
@settings(max_examples=300)
def test_preview_never_raises(value: Any, context: dict[str, Any]) -> None:
    preview(value, context)
    preview(value, context, ("command",))
    if isinstance(value, str):
        preview_shell_command(value, context)


def test_importing_the_language_stays_light() -> None:
    # The dashboard previews with this package: it must not pull in the engine's heavy parts.
    heavy = ("pydantic", "yaml", "anyio", "harmonia.engine", "harmonia.loader", "harmonia.store")
    probe = (
        "import sys, harmonia.expressions; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""

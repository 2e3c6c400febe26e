"""Templates: task inputs with `${...}` references compiled once, rendered per task
(harmonia.expressions.templates)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.expressions import render
from hypothesis import given
from hypothesis import strategies as st

from harmonia.expressions import compile_template, find_references


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${input.limit}", 100),
        ("${input.flag}", True),
        ("${input.none}", None),
        ("${tasks.fetch.output.ratio}", 0.5),
        ("${tasks.fetch.output.tags}", ["a", "b"]),
        ("${tasks.fetch.output.json.items[1]}", {"id": 2}),
        ("${ tasks.fetch.output.json.items[0].id }", 1),
        ('${tasks.fetch.output["odd key"]}', "odd"),
        ("${tasks.fetch.output['odd key']}", "odd"),
        ("${tasks.fetch.status}", "completed"),
        ("${workflow.name}", "nightly"),
        ("${execution.id}", "exec-1"),
        ("${env.HOME}", "/home/u"),
    ],
)
def test_single_reference_keeps_type(template: str, expected: Any) -> None:
    result = render(template)
    assert result == expected
    assert type(result) is type(expected)


def test_single_reference_returns_the_referenced_object(ctx: dict[str, Any]) -> None:
    assert render("${tasks.fetch.output.json}", ctx) is ctx["tasks"]["fetch"]["output"]["json"]


ESCAPES = [  # `$$` writes a `$`; a lone `$` is itself
    ("$${input.limit}", "${input.limit}"),
    ("cost $${x} and ${input.limit}", "cost ${x} and 100"),
    ("$5 and $ and $$", "$5 and $ and $$"),
    ("$${", "${"),
    ("$$${input.limit}", "$${input.limit}"),
]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("limit=${input.limit}", "limit=100"),
        ("${input.limit}${input.limit}", "100100"),
        (" ${input.limit}", " 100"),
        ("ratio ${tasks.fetch.output.ratio}", "ratio 0.5"),
        ("flag ${input.flag}", "flag true"),
        ("none ${input.none}", "none null"),
        ("tags ${tasks.fetch.output.tags}", 'tags ["a", "b"]'),
        ("item ${tasks.fetch.output.json.items[0]}", 'item {"id": 1}'),
        ("from ${input.source}/x", "from https://example.org/x"),
        ("${workflow.name}-${workflow.version}", "nightly-1.0.0"),
        *ESCAPES,
    ],
)
def test_reference_inside_string_is_formatted(template: str, expected: str) -> None:
    assert render(template) == expected


def test_escape_only_template_is_static_and_has_no_references() -> None:
    template = compile_template({"cmd": "echo $${HOME}"})
    assert template.is_static
    assert template.references == ()
    assert template.render({}) == {"cmd": "echo ${HOME}"}


def test_nested_template(ctx: dict[str, Any]) -> None:
    value = {
        "method": "GET",
        "url": "${input.source}/items?limit=${input.limit}",
        "args": ["${tasks.fetch.output.json}", 1, None, ["${input.limit}", "x"]],
        "kwargs": {"limit": "${input.limit}", "deep": {"flag": "${input.flag}"}},
        "${not.a.template}": "keys are not templated",
    }
    result = compile_template(value).render(ctx)
    assert result == {
        "method": "GET",
        "url": "https://example.org/items?limit=100",
        "args": [ctx["tasks"]["fetch"]["output"]["json"], 1, None, [100, "x"]],
        "kwargs": {"limit": 100, "deep": {"flag": True}},
        "${not.a.template}": "keys are not templated",
    }
    assert list(result) == list(value)  # key order kept
    assert value["kwargs"] == {"limit": "${input.limit}", "deep": {"flag": "${input.flag}"}}


def test_rendering_twice_gives_independent_results(ctx: dict[str, Any]) -> None:
    template = compile_template({"a": "${input.limit}", "b": [1, "${input.limit}"]})
    first = template.render(ctx)
    first["a"] = "changed"
    first["b"].append(3)
    assert template.render(ctx) == {"a": 100, "b": [1, 100]}


def test_tuples_stay_tuples(ctx: dict[str, Any]) -> None:
    assert render(("${input.limit}", 2), ctx) == (100, 2)


def test_static_template_returns_the_original_object() -> None:
    value = {"a": [1, 2, {"b": "text with $ sign"}], "c": None}
    template = compile_template(value)
    assert template.is_static
    assert template.render({}) is value
    assert compile_template(5).render({}) == 5


def test_references_are_collected_deduplicated_in_order() -> None:
    refs = find_references(
        {"a": "${tasks.b.output.x} ${input.y}", "b": ["${tasks.b.output.x}", "${tasks.c.status}"]}
    )
    assert [r.text for r in refs] == ["tasks.b.output.x", "input.y", "tasks.c.status"]
    assert [r.task_id for r in refs] == ["b", None, "c"]


# ----------------------------------------------------------------------------------- properties


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()


json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def _without_references(value: Any) -> bool:
    if isinstance(value, str):
        return "$" not in value
    if isinstance(value, list):
        return all(_without_references(item) for item in value)
    if isinstance(value, dict):
        return all(_without_references(item) for item in value.values())
    return True


@given(json_values)
def test_static_templates_render_to_an_equal_identical_value(value: Any) -> None:
    if not _without_references(value):
        return
    template = compile_template(value)
    assert template.references == ()
    assert template.render({}) is value


@given(json_values)
def test_single_reference_returns_any_value_unchanged(value: Any) -> None:
    assert compile_template("${input.v}").render({"input": {"v": value}}) is value

"""Tests for harmonia.expressions: templates, references, conditions, limits and safety."""

from __future__ import annotations

import contextlib
import json
import pickle
import string
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonia.expressions import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    ROOTS,
    ExpressionError,
    ExpressionTypeError,
    Reference,
    ReferenceMissing,
    compile_condition,
    compile_template,
    find_references,
    parse_reference,
)


def make_context() -> dict[str, Any]:
    return {
        "input": {"source": "https://example.org", "limit": 100, "flag": True, "none": None},
        "tasks": {
            "fetch": {
                "output": {
                    "json": {"items": [{"id": 1}, {"id": 2}], "count": 2, "name": "data"},
                    "status_code": 200,
                    "odd key": "odd",
                    "tags": ["a", "b"],
                    "ratio": 0.5,
                },
                "status": "completed",
            },
            "skipped": {"output": None, "status": "skipped"},
        },
        "workflow": {"name": "nightly", "version": "1.0.0"},
        "execution": {"id": "exec-1"},
        "env": {"HOME": "/home/u"},
    }


@pytest.fixture
def ctx() -> dict[str, Any]:
    return make_context()


def render(value: Any, context: Mapping[str, Any] | None = None) -> Any:
    return compile_template(value).render(make_context() if context is None else context)


def evaluate(text: str, context: Mapping[str, Any] | None = None) -> bool:
    return compile_condition(text).evaluate(make_context() if context is None else context)


# --------------------------------------------------------------------------------- templates


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
    ],
)
def test_reference_inside_string_is_formatted(template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$${input.limit}", "${input.limit}"),
        ("cost $${x} and ${input.limit}", "cost ${x} and 100"),
        ("$5 and $ and $$", "$5 and $ and $$"),
        ("$${", "${"),
        ("$$${input.limit}", "$${input.limit}"),
    ],
)
def test_escapes(template: str, expected: str) -> None:
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


def test_reference_normalisation() -> None:
    (ref,) = find_references("${ tasks.fetch.output['json'][\"items\"][0]['odd key'] }")
    assert ref == Reference(
        text='tasks.fetch.output.json.items[0]["odd key"]',
        root="tasks",
        path=("fetch", "output", "json", "items", 0, "odd key"),
    )
    assert ref.task_id == "fetch"
    assert str(ref) == '${tasks.fetch.output.json.items[0]["odd key"]}'
    assert parse_reference(ref.text) == ref
    assert parse_reference(str(ref)) == ref
    assert parse_reference("input.my-name").path == ("my-name",)


def test_roots_constant() -> None:
    assert frozenset({"input", "tasks", "workflow", "execution", "env"}) == ROOTS


def test_lookup_accepts_other_mappings_and_does_not_create_keys() -> None:
    defaults: defaultdict[str, int] = defaultdict(int)
    context = {"input": OrderedDict(a=defaults)}
    assert render("${input.a}", context) is defaults
    with pytest.raises(ReferenceMissing):
        render("${input.a.missing}", context)
    assert "missing" not in defaults


def test_lookup_works_on_custom_mapping() -> None:
    class Env(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            if key == "HOME":
                return "/root"
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            return iter(["HOME"])

        def __len__(self) -> int:
            return 1

    assert render("${env.HOME}", {"env": Env()}) == "/root"
    with pytest.raises(ReferenceMissing, match="environment variable 'PATH' is not set"):
        render("${env.PATH}", {"env": Env()})


# ----------------------------------------------------------------------- missing references


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("${tasks.fetch.output.json.items[3]}", "list index 3 out of range (length 2)"),
        (
            "${tasks.fetch.output.json.items[3].id}",
            "list index 3 out of range (length 2) in tasks.fetch.output.json.items",
        ),
        ("${tasks.fetch.output.json.nope}", "key 'nope' not found"),
        ("${tasks.fetch.output.json.name.x}", "tasks.fetch.output.json.name is a string"),
        ("${tasks.fetch.output.json.name[0]}", "is a string, which has no index [0]"),
        ("${tasks.fetch.output.json.count.x}", "is a number"),
        ("${tasks.fetch.output.tags.x}", "cannot look up key 'x' in a list"),
        ("${tasks.skipped.output.x}", "tasks.skipped.output is null"),
        ("${tasks.other.output}", "task 'other' has no result"),
        ("${input.nope}", "the execution input has no 'nope'"),
        ("${env.NOPE}", "environment variable 'NOPE' is not set"),
    ],
)
def test_missing_reference(template: str, reason: str) -> None:
    with pytest.raises(ReferenceMissing) as info:
        render(template)
    assert reason in info.value.reason
    assert info.value.reference == template[2:-1]
    assert str(info.value).startswith(f"reference {template} has no value: ")


def test_missing_reference_message_matches_spec() -> None:
    with pytest.raises(ReferenceMissing) as info:
        render("${tasks.fetch.output.json.items[3]}")
    assert str(info.value) == (
        "reference ${tasks.fetch.output.json.items[3]} has no value: "
        "list index 3 out of range (length 2)"
    )


def test_missing_root_in_context() -> None:
    with pytest.raises(ReferenceMissing, match="the context has no 'env'"):
        render("${env.HOME}", {"input": {}})


def test_missing_reference_inside_formatted_string() -> None:
    with pytest.raises(ReferenceMissing, match=r"\$\{input.nope\}"):
        render("a ${input.limit} b ${input.nope}")


def test_errors_are_picklable() -> None:
    for error in (
        ExpressionError("bad", "x y", 2),
        ReferenceMissing("input.a", "gone"),
        ExpressionTypeError("bad types", "a < b"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)


# ---------------------------------------------------------------------- template syntax errors


@pytest.mark.parametrize(
    ("template", "message", "position"),
    [
        ("${input.a", "unterminated '${'", 0),
        ("abc ${input.a ", "unterminated '${'", 4),
        ("${}", "empty reference", 0),
        ("${  }", "empty reference", 0),
        ("${foo.bar}", "unknown name 'foo'", 2),
        ("${input}", "'input' must be followed by a name", 2),
        ("${workflow}", "'workflow' must be followed by a name", 2),
        ("${tasks}", "'tasks' must be followed by a task id", 2),
        ("${tasks[0].output}", "'tasks' must be followed by a task id", 2),
        ("${tasks.a}", "only .output or .status may follow", 2),
        ("${tasks.a.result}", "only .output or .status may follow", 10),
        ("${tasks.a.status.x}", "nothing may follow tasks.ID.status", 17),
        ("${input.}", "expected a name after '.'", 8),
        ("${input..a}", "expected a name after '.'", 8),
        ("${input[-1]}", "negative list indexes are not supported", 8),
        ("${input[x]}", "expected a list index or a quoted key", 8),
        ("${input[0}", "expected ']'", 9),
        ("${input['a}", "unterminated string", 8),
        ("${input['a\\q']}", "unknown escape", 10),
        ("${input['\\u12']}", "invalid \\u escape", 9),
        ("${input.a b}", "unexpected 'b' in a reference", 10),
        ("${input.a + 1}", "unexpected '+' in a reference", 10),
        ("${input.__class__}", "names starting with '__' are not allowed", 8),
        ("${input['__class__']}", "names starting with '__' are not allowed", 8),
        ("${input[99999999999999999999]}", "list index too large", 8),
        ("${${input.a}}", "expected a reference", 2),
        ("${1}", "expected a reference", 2),
    ],
)
def test_template_syntax_errors(template: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_template({"outer": [template]})
    error = info.value
    assert message in error.message
    assert error.text == template
    assert error.position == position
    assert f"at position {position}" in str(error)


def test_expression_error_str_names_text_and_position() -> None:
    error = ExpressionError("unexpected token ')'", "a == (1 ))", 9)
    assert str(error) == "unexpected token ')' at position 9 in \"a == (1 ))\""
    assert isinstance(error, ValueError)


def test_long_text_is_shown_as_excerpt() -> None:
    template = "x" * 5000 + " ${nope.a} " + "y" * 5000
    with pytest.raises(ExpressionError) as info:
        compile_template(template)
    assert len(str(info.value)) < 400
    assert "nope" in str(info.value)
    assert info.value.position == 5003


# ------------------------------------------------------------------------------------ safety


@pytest.mark.parametrize(
    "text",
    [
        "${input.__class__}",
        "${input.a.__dict__}",
        "${input['__globals__']}",
        "${input.a.__len__()}",
        "${input.a()}",
        "${__import__('os')}",
        "${().__class__}",
        "${input.a if True else 1}",
        "${lambda: 1}",
    ],
)
def test_template_refuses_python(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_template(text)


@pytest.mark.parametrize(
    "text",
    [
        "().__class__",
        "input.x.__len__",
        "input.x.__len__ > 0",
        "f(1)",
        "input.x(1)",
        "input.x.count()",
        "__import__('os')",
        "[].__class__.__bases__",
        "input.x.__class__ == 1",
        "input['__class__'] == 1",
        "lambda: 1",
        "1 if input.x else 2",
        "input.x + 1 > 2",
        "input.x[0:2]",
        "{'a': 1}",
        "input.x; 1",
        "input.a = 1",
    ],
)
def test_condition_refuses_python(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_condition(text)


def test_attributes_of_values_are_never_read() -> None:
    class Sneaky:
        secret = "s"

        def __getitem__(self, key: str) -> str:
            raise AssertionError("lookup must not call __getitem__ on arbitrary objects")

    with pytest.raises(ReferenceMissing, match="is a Sneaky"):
        render("${input.obj.secret}", {"input": {"obj": Sneaky()}})


def _refused_quickly(action: Any) -> None:
    start = time.perf_counter()
    with pytest.raises(ExpressionError):
        action()
    assert time.perf_counter() - start < 0.5


def test_too_long_condition_is_refused() -> None:
    text = " or ".join(["input.a == 1"] * 1000)
    _refused_quickly(lambda: compile_condition(text))
    with pytest.raises(ExpressionError, match=f"longer than {MAX_EXPRESSION_LENGTH}"):
        compile_condition(text)


def test_too_long_reference_is_refused() -> None:
    _refused_quickly(lambda: compile_template("${input." + "a" * 100_000 + "}"))
    with pytest.raises(ExpressionError, match="longer than"):
        compile_template("${input." + "a" * 100_000 + "}")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 500 + "1" + ")" * 500,
        "not " * 400 + "true",
        "[" * 600 + "]" * 600,
        "(" * 10_000 + "1" + ")" * 10_000,
        "-" * 1500 + "1",
    ],
)
def test_deep_conditions_are_refused(text: str) -> None:
    _refused_quickly(lambda: compile_condition(text))


def test_depth_limit_boundary() -> None:
    ok = "(" * (MAX_DEPTH - 1) + "true" + ")" * (MAX_DEPTH - 1)
    assert evaluate(ok)
    assert evaluate("not " * MAX_DEPTH + "true") is (MAX_DEPTH % 2 == 0)
    with pytest.raises(ExpressionError, match="nested more than"):
        compile_condition("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1))


def test_deep_and_large_templates_are_refused() -> None:
    deep: Any = "${input.a}"
    for _ in range(1000):
        deep = [deep]
    _refused_quickly(lambda: compile_template(deep))
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    _refused_quickly(lambda: compile_template(cyclic))
    _refused_quickly(lambda: compile_template(list(range(200_000))))
    _refused_quickly(lambda: compile_template("${input.a}" * 20_000))


def test_rendering_is_fast(ctx: dict[str, Any]) -> None:
    template = compile_template({"x": "${input.limit}", "y": [1, 2]})
    condition = compile_condition("tasks.fetch.output.status_code == 200 and input.limit > 0")
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        template.render(ctx)
        condition.evaluate(ctx)
    per_call = (time.perf_counter() - start) / n
    assert per_call < 50e-6  # a few µs in practice; generous for slow CI machines


# -------------------------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tasks.fetch.output.json.count > 0", True),
        ("${tasks.fetch.output.json.count} > 0", True),
        ("${ tasks.fetch.output.json.count } >= 2", True),
        ("tasks.fetch.output.json.count < 2", False),
        ("tasks.fetch.output.json.count <= 2", True),
        ("tasks.fetch.output.json.count == 2", True),
        ("tasks.fetch.output.json.count != 2", False),
        ("tasks.fetch.output.ratio == 0.5", True),
        ("tasks.fetch.output.ratio > -1", True),
        ("tasks.fetch.output.ratio > - 1.5e0", True),
        ("tasks.fetch.output.json.count == 2.0", True),
        ("tasks.fetch.status == 'completed'", True),
        ('tasks.fetch.status == "completed"', True),
        ("tasks.fetch.status != 'completed'", False),
        ("'a' < 'b'", True),
        ("'b' <= 'a'", False),
        ("'a' in tasks.fetch.output.tags", True),
        ("'z' in tasks.fetch.output.tags", False),
        ("'z' not in tasks.fetch.output.tags", True),
        ("'at' in tasks.fetch.output.json.name", True),
        ("'count' in tasks.fetch.output.json", True),
        ("'nope' not in tasks.fetch.output.json", True),
        ("tasks.fetch.output.status_code in [200, 201]", True),
        ("tasks.fetch.output.status_code not in [200, 201]", False),
        ("tasks.fetch.output.tags == ['a', 'b']", True),
        ("tasks.fetch.output.tags == ['a', 'b',]", True),
        ("[] == []", True),
        ("[input.limit, 'x'] == [100, 'x']", True),
        ("tasks.fetch.output.json.items[0] == tasks.fetch.output.json.items[0]", True),
        ("input.flag", True),
        ("input.none", False),
        ("tasks.fetch.output.tags", True),
        ("input.flag == true", True),
        ("input.flag == True", True),
        ("input.none == null", True),
        ("input.none == None", True),
        ("input.none != 0", True),
        ("true == 1", False),
        ("false == 0", False),
        ("[true] == [1]", False),
        ("1 == 1.0", True),
        ("'1' == 1", False),
        ("not input.flag", False),
        ("not not input.flag", True),
        ("not input.limit == 100", False),
        ("0 < input.limit <= 100", True),
        ("0 < input.limit < 100", False),
        ("1 < 2 < 3 < 4", True),
        ("1 < 2 > 3", False),
        ("'it\\'s' == \"it's\"", True),
        ("'\\n' == '\\u000a'", True),
        ("'\\ud83d\\ude00' == '\U0001f600'", True),
    ],
)
def test_condition_values(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true or false and false", True),  # and binds tighter than or
        ("(true or false) and false", False),
        ("not false and false", False),  # not binds tighter than and
        ("not (false and false)", True),
        ("false or not false", True),
        ("not 1 == 2", True),  # comparison binds tighter than not
        ("false and false or true", True),
        ("true and (false or (true and not false))", True),
        ("1 == 1 and 2 == 2 or 3 == 4", True),
        ("input.limit > 50 and input.limit < 150 and tasks.fetch.status == 'completed'", True),
    ],
)
def test_precedence(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


def test_short_circuit_avoids_missing_references() -> None:
    assert not evaluate("tasks.skipped.status == 'completed' and tasks.skipped.output.x > 1")
    assert evaluate("tasks.skipped.status == 'skipped' or tasks.skipped.output.x > 1")
    assert not evaluate("false and input.nope")
    assert not evaluate("1 > 2 > input.nope")  # chained comparisons short-circuit too
    with pytest.raises(ReferenceMissing, match=r"tasks\.skipped\.output is null"):
        evaluate("tasks.skipped.status == 'skipped' and tasks.skipped.output.x > 1")
    with pytest.raises(ReferenceMissing):
        evaluate("input.nope == 1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tasks.fetch.output.json.name < 3", "'<' not supported between str and int"),
        ("input.none < 1", "'<' not supported between None and int"),
        ("input.flag > 0", "'>' not supported between bool and int"),
        ("[1] <= [2]", "'<=' not supported between list and list"),
        ("1 >= '1'", "'>=' not supported between int and str"),
        ("1 in tasks.fetch.output.json.name", "'in' needs a str on the left"),
        ("1 in input.limit", "'in' needs a list, str or dict on the right, not int"),
        ("1 not in input.none", "'not in' needs a list, str or dict on the right, not None"),
        ("[1] in tasks.fetch.output.json", "'in' cannot look up a list"),
    ],
)
def test_condition_type_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionTypeError) as info:
        evaluate(text)
    assert message in str(info.value)
    assert text in str(info.value)
    assert info.value.text == text


def test_equality_between_any_types_is_fine() -> None:
    assert not evaluate("'a' == 1")
    assert evaluate("tasks.fetch.output.json != [1]")
    assert not evaluate("input.none == []")


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "empty condition", 0),
        ("   ", "empty condition", 0),
        ("tasks.fetch.output.n == (1 ))", "unexpected token ')'", 28),
        ("input.a ==", "unexpected end of condition", 10),
        ("input.a == == 1", "unexpected token '=='", 11),
        ("(input.a", "expected ')' to close the '(' at position 0", 8),
        ("[1, 2", "',' or ']' to close the '[' at position 0", 5),
        ("[1 2]", "',' or ']'", 3),
        ("[,]", "unexpected token ','", 1),
        ("input.a = 1", "unexpected character '=' (use '==' to compare)", 8),
        ("!input.a", "use 'not'", 0),
        ("input.a && input.b", "use 'and'", 8),
        ("input.a || input.b", "use 'or'", 8),
        ("input.a == completed", "unknown name 'completed'", 11),
        ("x == 1", "quote it", 0),
        ("f(1)", "function calls are not supported", 0),
        ("input.a in", "unexpected end", 10),
        ("input.a not 1", "unexpected token 'not'", 8),
        ("not", "unexpected end", 3),
        ("and input.a", "unexpected token 'and'", 0),
        ("input.a and or input.b", "unexpected token 'or'", 12),
        ("1abc == 1", "invalid number", 0),
        ("1.x == 1", "invalid number", 0),
        ("'abc", "unterminated string", 0),
        ("'${input.a}' == 'x'", "not expanded inside quoted strings", 0),
        ("- 'a'", "expected a number after '-'", 2),
        ("- -1", "expected a number after '-'", 2),
        ("input", "'input' must be followed by a name", 0),
        ("tasks.a.outputs == 1", "only .output or .status may follow", 8),
        ("${input.a", "unterminated '${'", 0),
        ("input.a #", "unexpected character '#'", 8),
        ("input.a [0]", "unexpected token '['", 8),
    ],
)
def test_condition_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_condition(text)
    error = info.value
    assert message in error.message
    assert error.position == position
    assert error.text == text
    assert f"at position {position}" in str(error)


def test_condition_error_message_format() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_condition("input.b == (1 ))")
    assert str(info.value).startswith("unexpected token ')'")
    assert str(info.value).endswith(' at position 15 in "input.b == (1 ))"')


def test_condition_references_and_text() -> None:
    condition = compile_condition(
        "tasks.a.status == 'completed' and ${tasks.a.status} != 'x' or tasks.b.output.n > 0"
    )
    assert [r.text for r in condition.references] == ["tasks.a.status", "tasks.b.output.n"]
    assert [r.task_id for r in condition.references] == ["a", "b"]
    assert condition.text.startswith("tasks.a.status")


def test_condition_yaml_booleans() -> None:
    assert compile_condition(True).evaluate({})  # type: ignore[arg-type]
    assert not compile_condition(False).evaluate({})  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        compile_condition(3)  # type: ignore[arg-type]


def test_escaped_dollar_in_condition_string() -> None:
    assert evaluate("input.d == '\\${x}'", {"input": {"d": "${x}"}})


def test_literal_values() -> None:
    assert evaluate("[1, 'a', 2.5, true, null] == [1, 'a', 2.5, true, null]")
    assert evaluate("1e3 == 1000")
    assert evaluate("-0 == 0")
    assert not evaluate("[]")
    assert not evaluate("''")
    assert not evaluate("0")
    assert evaluate("0.1")
    assert evaluate("[[1], [2]] == [[1], [2]]")


# ------------------------------------------------------------------------------- properties

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)

syntax_alphabet = st.sampled_from(
    [
        *"${}[]().,'\"\\ -=<>!01239aexz_",
        *[
            "input",
            "tasks",
            "env",
            "output",
            "status",
            ".a",
            " and ",
            " or ",
            "not ",
            " in ",
            "$${",
        ],
    ]
)
syntaxy_text = st.lists(syntax_alphabet, max_size=30).map("".join)


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


@given(st.text(alphabet=string.printable) | syntaxy_text)
@settings(max_examples=300)
def test_any_text_compiles_or_raises_expression_error(text: str) -> None:
    for compile_ in (compile_template, compile_condition):
        with contextlib.suppress(ExpressionError):
            compile_(text)


@given(syntaxy_text)
@settings(max_examples=300)
def test_compiled_conditions_evaluate_to_bool_or_known_errors(text: str) -> None:
    try:
        condition = compile_condition(text)
    except ExpressionError:
        return
    with contextlib.suppress(ReferenceMissing, ExpressionTypeError):
        assert isinstance(condition.evaluate({"input": {"a": [1, "x"]}, "env": {}}), bool)


segments = st.lists(
    st.text(min_size=0, max_size=6).filter(lambda s: not s.startswith("__"))
    | st.integers(min_value=0, max_value=10**6),
    min_size=1,
    max_size=5,
)


@given(st.sampled_from(["input", "workflow", "execution", "env"]), segments)
def test_normalised_reference_text_round_trips(root: str, path: list[str | int]) -> None:
    text = root + "".join(f"[{s}]" if isinstance(s, int) else f"[{json.dumps(s)}]" for s in path)
    ref = parse_reference(text)
    assert ref.root == root
    assert ref.path == tuple(path)
    assert parse_reference(ref.text) == ref
    assert compile_template("${" + ref.text + "}").references == (ref,)


@given(json_values)
def test_single_reference_returns_any_value_unchanged(value: Any) -> None:
    assert compile_template("${input.v}").render({"input": {"v": value}}) is value

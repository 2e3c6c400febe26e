"""`when:` conditions: values, precedence, short-circuits, type errors and syntax errors with
their positions (harmonia.expressions.conditions, .tokens and .operators)."""

from __future__ import annotations

import pytest
from helpers.expressions import evaluate, raised

from harmonia.expressions import (
    ExpressionError,
    ExpressionTypeError,
    ReferenceMissing,
    compile_condition,
)

PRECEDENCE = [  # how tightly each operator binds
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
]


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


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
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
        ("tasks.fetch.output.json.name < 3", "'<' not supported between string and integer"),
        ("input.none < 1", "'<' not supported between null and integer"),
        ("input.flag > 0", "'>' not supported between boolean and integer"),
        ("[1] <= [2]", "'<=' not supported between array and array"),
        ("1 >= '1'", "'>=' not supported between integer and string"),
        ("1 in tasks.fetch.output.json.name", "'in' needs a string on the left"),
        ("1 in input.limit", "on the right, not integer"),
        ("1 not in input.none", "'not in' needs an array, a string or an object on the right"),
        ("[1] in tasks.fetch.output.json", "'in' cannot look up an array"),
    ],
)
def test_condition_type_errors(text: str, message: str) -> None:
    error = raised(ExpressionTypeError, evaluate, text)
    assert message in str(error)
    assert text in str(error)
    assert error.text == text


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
        ("tasks.a.outputs == 1", "may follow (did you mean 'output'?)", 8),
        ("taks.a.status == 'completed'", "unknown name 'taks' (did you mean 'tasks'?)", 0),
        ("${input.a", "unterminated '${'", 0),
        ("input.a #", "unexpected character '#'", 8),
        ("input.a [0]", "unexpected token '['", 8),
    ],
)
def test_condition_syntax_errors(text: str, message: str, position: int) -> None:
    error = raised(ExpressionError, compile_condition, text)
    assert message in error.message
    assert error.position == position
    assert error.text == text
    assert f"at position {position}" in str(error)


def test_condition_error_message_format() -> None:
    error = raised(ExpressionError, compile_condition, "input.b == (1 ))")
    assert str(error).startswith("unexpected token ')'")
    assert str(error).endswith(' at position 15 in "input.b == (1 ))"')


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

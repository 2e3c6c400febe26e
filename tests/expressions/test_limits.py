"""Safety and limits: Python is refused, values' attributes are never read, long, deep and large
inputs are refused at the limit they cross, and any text either compiles or raises ExpressionError
(harmonia.expressions.limits)."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Callable
from typing import Any

import pytest
from helpers.expressions import evaluate, render
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonia.expressions import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_TEMPLATE_NODES,
    MAX_TEMPLATE_REFERENCES,
    ExpressionError,
    ExpressionTypeError,
    ReferenceMissing,
    compile_condition,
    compile_template,
    conditions,
    templates,
)

CONDITION_PYTHON = [  # Python a condition does not take
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
]


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


@pytest.mark.parametrize("text", CONDITION_PYTHON)
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


def refusal(action: Callable[[], object]) -> str:
    """The message of the ExpressionError that `action` raises (how quickly is bench's job:
    bench/expressions_bench.py)."""
    with pytest.raises(ExpressionError) as info:
        action()
    return str(info.value)


def test_too_long_condition_is_refused() -> None:
    text = " or ".join(["input.a == 1"] * 1000)
    assert refusal(lambda: compile_condition(text)) == (
        f"condition longer than {MAX_EXPRESSION_LENGTH} characters"
    )


def test_too_long_reference_is_refused() -> None:
    message = refusal(lambda: compile_template("${input." + "a" * 100_000 + "}"))
    assert message.startswith(f"reference longer than {MAX_EXPRESSION_LENGTH} characters")


NESTED = f"condition nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # refused at the first level too deep, not after reading the rest
        ("(" * 500 + "1" + ")" * 500, f"{NESTED} at position {MAX_DEPTH} "),
        ("not " * 400 + "true", f"{NESTED} at position {4 * MAX_DEPTH} "),
        ("[" * 600 + "]" * 600, f"{NESTED} at position {MAX_DEPTH} "),
        # refused for its length before it is parsed at all
        ("(" * 10_000 + "1" + ")" * 10_000, f"longer than {MAX_EXPRESSION_LENGTH} characters"),
        ("-" * 1500 + "1", "(expected a number after '-') at position 1 "),
    ],
)
def test_deep_conditions_are_refused(text: str, expected: str) -> None:
    assert expected in refusal(lambda: compile_condition(text))


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
    too_deep = f"template nested more than {MAX_DEPTH} levels deep"
    assert refusal(lambda: compile_template(deep)) == too_deep
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert refusal(lambda: compile_template(cyclic)) == too_deep
    assert refusal(lambda: compile_template(list(range(200_000)))) == (
        f"template has more than {MAX_TEMPLATE_NODES} values"
    )
    # refused at the first reference over the limit, each `${input.a}` being 10 characters
    assert refusal(lambda: compile_template("${input.a}" * 20_000)).startswith(
        f"template has more than {MAX_TEMPLATE_REFERENCES} references"
        f" at position {10 * MAX_TEMPLATE_REFERENCES} "
    )


def test_rendering_reuses_the_compiled_form(
    ctx: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing happens once, at compile time: rendering and evaluating never parse again,
    which is what makes them cheap (their speed is measured in bench/expressions_bench.py)."""
    template = compile_template({"x": "${input.limit}", "y": [1, 2]})
    condition = compile_condition("tasks.fetch.output.status_code == 200 and input.limit > 0")

    def parsing_again(*args: object) -> None:
        raise AssertionError("parsed again at render time")

    monkeypatch.setattr(templates, "_compile_string", parsing_again)
    monkeypatch.setattr(conditions, "_Parser", parsing_again)
    for _ in range(3):
        assert template.render(ctx) == {"x": ctx["input"]["limit"], "y": [1, 2]}
        assert condition.evaluate(ctx) is True


# ----------------------------------------------------------------------------------- properties


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

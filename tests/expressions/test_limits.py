"""Safety and limits: Python is refused, values' attributes are never read, long, deep and large
inputs are refused quickly, and any text either compiles or raises ExpressionError
(harmonia.expressions.limits)."""

from __future__ import annotations

import contextlib
import string
import time
from typing import Any

import pytest
from helpers.expressions import evaluate, render
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonia.expressions import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    ExpressionError,
    ExpressionTypeError,
    ReferenceMissing,
    compile_condition,
    compile_template,
)


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

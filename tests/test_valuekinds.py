"""The one vocabulary for a value's type in messages (harmonia/valuekinds.py)."""

from __future__ import annotations

from typing import Any

import pytest

from harmonia.valuekinds import a_json_kind, json_kind


@pytest.mark.parametrize(
    ("value", "kind", "with_article"),
    [
        (None, "null", "null"),
        (True, "boolean", "a boolean"),
        (3, "integer", "an integer"),
        (2.5, "number", "a number"),
        ("x", "string", "a string"),
        ({"a": 1}, "object", "an object"),
        ([1], "array", "an array"),
        ((1,), "array", "an array"),
        (b"x", "bytes", "a bytes"),
    ],
)
def test_names_values_as_json_does(value: Any, kind: str, with_article: str) -> None:
    assert json_kind(value) == kind
    assert a_json_kind(value) == with_article


def test_loader_expressions_and_components_use_the_same_words() -> None:
    """The three places that used to name types their own way now agree."""
    from harmonia.components import default_registry
    from harmonia.expressions import ReferenceMissing, compile_template
    from harmonia.model import describe_value

    with pytest.raises(ReferenceMissing) as missing:
        compile_template("${input.n.x}").render({"input": {"n": 5}})
    echo = default_registry().action("core", "echo")
    static = echo.check_static_input([1], lambda _: False)  # type: ignore[arg-type]
    assert describe_value(5) == "integer 5"
    assert "is an integer" in missing.value.reason
    assert "(got array)" in static[0].message

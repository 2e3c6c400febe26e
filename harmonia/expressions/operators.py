"""What the operators of a `when:` condition mean: JSON semantics, not Python's.

Values come from JSON and YAML, so a boolean never equals a number, ordering is only defined
between two numbers or two strings, and any other mix is an ExpressionTypeError naming the types
instead of a silent Python result.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Final

from harmonia.expressions.errors import ExpressionTypeError
from harmonia.expressions.limits import MAX_DEPTH
from harmonia.valuekinds import a_json_kind, json_kind

__all__ = ["comparison", "is_number"]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: Any, b: Any, depth: int = 0) -> bool:
    """JSON equality: like Python's, except that a boolean never equals a number."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is str or ta is int or ta is float or a is None):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if depth > MAX_DEPTH:
        raise ExpressionTypeError(f"values nested more than {MAX_DEPTH} levels deep", "")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return len(a) == len(b) and all(
            key in b and _equal(item, b[key], depth + 1) for key, item in a.items()
        )
    result = a == b
    return result if isinstance(result, bool) else False


def _contains(container: Any, item: Any, op: str, text: str) -> bool:
    if isinstance(container, str):
        if isinstance(item, str):
            return item in container
        raise ExpressionTypeError(
            f"'{op}' needs a string on the left when the right is a string, not {json_kind(item)}",
            text,
        )
    if isinstance(container, list | tuple):
        return any(_equal(item, element) for element in container)
    if isinstance(container, Mapping):
        try:
            return item in container
        except TypeError:
            raise ExpressionTypeError(
                f"'{op}' cannot look up {a_json_kind(item)} among the keys of an object", text
            ) from None
    raise ExpressionTypeError(
        f"'{op}' needs an array, a string or an object on the right, not {json_kind(container)}",
        text,
    )


_ORDERINGS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def comparison(op: str, text: str) -> Callable[[Any, Any], bool]:
    """The function implementing `left op right` in the condition `text`."""
    if op == "==":
        return _equal
    if op == "!=":
        return lambda a, b: not _equal(a, b)
    if op == "in":
        return lambda a, b: _contains(b, a, op, text)
    if op == "not in":
        return lambda a, b: not _contains(b, a, op, text)
    ordering = _ORDERINGS[op]

    def compare(a: Any, b: Any) -> bool:
        if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return ordering(a, b)
        raise ExpressionTypeError(
            f"'{op}' not supported between {json_kind(a)} and {json_kind(b)}", text
        )

    return compare

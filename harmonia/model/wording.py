"""pydantic's errors in the words of a workflow file's author, wherever they are told.

pydantic says "Input should be a valid dictionary" and "Extra inputs are not permitted"; a
workflow's author reads "input" as the workflow's input. The loader, the daemon's answers and
the components' input checks each said it their own way; this is the one translation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic_core import ErrorDetails

from harmonia.model.base import describe_value, suggest
from harmonia.valuekinds import json_kind

__all__ = ["error_message", "expected_noun", "unknown_field"]

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "dict_type": "an object",
    "list_type": "an array",
    "model_type": "an object",
    "model_attributes_type": "an object",
}

_BOUND_WORDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}

_SHOULD_BE = "Input should be "


def expected_noun(kind: str) -> str | None:
    """`a number` for pydantic's `float_type` (and its other type errors); None otherwise."""
    return _TYPE_WORDS.get(kind)


def unknown_field(name: str, known: Iterable[str]) -> str:
    """What a field nobody declared is told: the close name if there is one (most are typos),
    else the known fields, in the loader's and the components' words alike (one said "valid
    fields", the other "known fields")."""
    fields = list(known)
    hint = suggest(name, fields)
    return f"unknown field; {hint or 'known fields: ' + (', '.join(fields) or '(none)')}"


def error_message(
    error: ErrorDetails,
    *,
    show_value: bool = True,
    describe: Callable[[Any], str] = describe_value,
) -> str:
    """One pydantic error as an author reads it: `expected a number, got string "ten"`.
    `show_value=False` names only the value's kind (an API answer never echoes what was
    sent: it can be large, or a secret); `describe` words a shown value where its kind says
    nothing (a query string's values are all strings)."""
    kind = error["type"]
    value = error.get("input")
    got = describe(value) if show_value else json_kind(value)
    tail = f", got {got}" if show_value else ""  # its kind alone says nothing of a bound
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field missing"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    noun = _TYPE_WORDS.get(kind)
    if noun is not None:
        message = f"expected {noun}, got {got}"
        if kind == "string_type" and isinstance(value, int | float | bool):
            message += " (put it in quotes to make it a string)"
        return message
    if kind in _BOUND_WORDS:
        word, key = _BOUND_WORDS[kind]
        return f"must be {word} {_number(ctx.get(key))}{tail}"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')!r}{tail}"
    if kind in ("literal_error", "enum", "finite_number", "multiple_of"):
        return f"must be {error['msg'].removeprefix(_SHOULD_BE)}{tail}"
    sized = _size_words(kind, ctx)
    if sized is not None:
        return sized
    return _must(error["msg"])


def _size_words(kind: str, ctx: dict[str, Any]) -> str | None:
    """A length bound in the words of JSON: "must have at least 1 item" (pydantic: "List
    should have at least 1 item after validation, not 0"), None for another kind."""
    bound = ctx.get("min_length") if kind.endswith("too_short") else ctx.get("max_length")
    if bound is None or kind not in (
        "too_short",
        "too_long",
        "string_too_short",
        "string_too_long",
    ):
        return None  # another kind, or our own error of that kind (it says it in our words)
    least = "at least" if kind.endswith("too_short") else "at most"
    unit = "character" if kind.startswith("string") else "item"
    return f"must have {least} {bound} {unit}{'' if bound == 1 else 's'}"


def _must(message: str) -> str:
    """Any other pydantic message, its "Input should" made "must" (pydantic's "input" is the
    value here, not the workflow's input): a kind not translated above still reads alike."""
    for should in (_SHOULD_BE, "Input should "):
        if message.startswith(should):
            return "must " + message.removeprefix("Input should ")
    return message


def _number(bound: Any) -> Any:
    """`0` for a bound declared `0.0`: what the author compares with is a number, not a float."""
    return int(bound) if isinstance(bound, float) and bound.is_integer() else bound

"""Integers beyond 64 bits: found and named where they come in, before they reach orjson.

Every value Harmonia keeps goes through orjson (the journal, snapshots, the API), which holds
integers from -2^63 to 2^64-1 and refuses others with a TypeError deep inside a write: a 500,
or a writer that stops and an execution that never ends. Parsers are no better: orjson reads a
larger literal as a float (silently rounded), and Python refuses to convert one of more than
4,300 digits at all. So the loader, the daemon's request bodies and the CLI's inputs read
integers exactly (`read_int`, `loads`) and refuse out-of-range ones with the field they are in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import orjson

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "HugeInteger",
    "big_integer_message",
    "dotted",
    "find_big_integers",
    "has_long_digits",
    "is_big_integer",
    "loads",
    "read_int",
]

INT_MIN = -(2**63)
INT_MAX = 2**64 - 1

JsonPath = tuple[str | int, ...]

_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19
"""Any integer orjson would round has at least 19 digits (2^63 has 19)."""


class HugeInteger:
    """An integer literal with more digits than Python converts (4,300 by default); kept as
    text so that it can be reported rather than crash the parser."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @property
    def digits(self) -> int:
        return sum(c.isdigit() for c in self.text)

    def __repr__(self) -> str:
        return f"HugeInteger({self.text[:12]}... {self.digits} digits)"


def read_int(text: str) -> int | HugeInteger:
    """`int(text)`, or a HugeInteger where Python refuses the conversion (`parse_int` of the
    json module)."""
    try:
        return int(text)
    except ValueError:
        return HugeInteger(text)


def is_big_integer(value: Any) -> bool:
    if type(value) is int:
        return not INT_MIN <= value <= INT_MAX
    return isinstance(value, HugeInteger)


def find_big_integers(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every out-of-range integer inside `value` (mapping values, list items), with its path.

    Iterative, so a deeply nested document cannot exhaust the stack."""
    stack: list[tuple[JsonPath, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(((*where, str(k)), v) for k, v in reversed(item.items()))
        elif isinstance(item, list | tuple):
            stack.extend(((*where, i), v) for i, v in reversed(list(enumerate(item))))
        elif is_big_integer(item):
            yield where, item


def big_integer_message(value: Any) -> str:
    """What is wrong, without printing a number Python may refuse to print."""
    if isinstance(value, HugeInteger):
        shown = f"an integer of {value.digits} digits"
    else:
        digits = int(value.bit_length() * math.log10(2)) + 1
        shown = f"integer {value}" if digits <= 40 else f"an integer of about {digits} digits"
    return (
        f"{shown} is out of range: integers must be between -2^63 and 2^64-1 "
        "(put a larger number in quotes to pass it as a string)"
    )


def dotted(path: JsonPath) -> str:
    """`("input", "items", 3)` -> `input.items[3]`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def loads(raw: bytes | str) -> Any:
    """`orjson.loads`, except that integer literals beyond 64 bits come back exact (an int, or
    a HugeInteger) instead of as orjson's rounded float, for `find_big_integers` to report.

    Invalid JSON raises `orjson.JSONDecodeError` as before (with `NaN` and the like: the exact
    parse never accepts what orjson refused for another reason than a long integer). The slower
    exact parse runs only when the text has a run of 19 digits, which the usual body has not."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if not has_long_digits(raw):
            raise
        try:  # orjson refuses an integer too long to be even a float ("infinity")
            return json.loads(raw, parse_int=read_int, parse_constant=_refuse_constant)
        except ValueError:
            pass
        raise
    if not has_long_digits(raw):
        return data
    return json.loads(raw, parse_int=read_int)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def has_long_digits(raw: bytes | str) -> bool:
    """Whether the text has a run of 19 digits (where orjson may have rounded an integer).

    Every digit made a `0`, then one substring search: ten times faster than a regular
    expression on a 10,000-task workflow, where most characters are near a digit."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return _LONG_DIGITS in data.translate(_DIGITS_AS_ZERO)

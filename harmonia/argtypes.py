"""Command-line value types shared by `harmonia` and `harmoniad`.

Each turns an option's text into a value or raises `argparse.ArgumentTypeError` with a message
that names what was expected, so both programs word a bad option the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

__all__ = ["port_number", "positive_int", "seconds"]

_N = TypeVar("_N", int, float)


def _number(text: str, convert: Callable[[str], _N], expected: str) -> _N:
    """`convert(text)`, or the error that says what was `expected`."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def port_number(text: str) -> int:
    """A TCP port, 0 (pick a free one) to 65535."""
    value = _number(text, int, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (a count or a limit)."""
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seconds(text: str) -> float:
    """A duration in seconds, not negative."""
    value = _number(text, float, "seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value

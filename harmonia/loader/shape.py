"""Documents too big or strange to walk: self-containing, alias bombs, integers beyond 64 bits.

Everything after parsing (the models, the checks, the journal) walks the data, so what would
make that walk endless or explode is refused first. The parsers learn most of it on their own
pass (`Document.shape`); `shape_of` walks data that came with no such knowledge (a dict).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.jsonlimits import is_big_integer

__all__ = ["MAX_VALUES", "shape_of", "too_many_values", "values_fit"]

#: Beyond this many values (counting each use of a YAML alias) a document is rejected: a few
#: lines of nested aliases can otherwise expand into billions of values during the checks.
MAX_VALUES = 1_000_000

SELF_CONTAINING = "the document contains itself (a recursive YAML alias)"
TOO_DEEP = "the document is nested too deeply"


def too_many_values() -> str:
    return f"the document has more than {MAX_VALUES} values (after expanding aliases)"


def values_fit(json_text: str) -> bool:
    """Whether JSON text cannot hold more than MAX_VALUES values, counted without a walk:
    every value but the first comes right after a `[`, a `,` or a `:` (strings may hold more
    of them, which only makes the bound looser). And each value takes a character of its own
    besides that separator (a container two), so text shorter than twice the limit fits
    without counting: a 10,000-task file, ~4 ms less to check."""
    if len(json_text) < 2 * MAX_VALUES:
        return True
    count = json_text.count
    return 1 + count("[") + count(",") + count(":") <= MAX_VALUES


def shape_of(data: Any) -> tuple[str | None, bool]:
    """Reject self-containing or alias-bombed data before anything walks it; and say whether
    it holds an integer beyond 64 bits (found on the same walk)."""
    count = 0
    on_path: set[int] = set()
    big = False

    def walk(value: Any) -> str | None:
        nonlocal count, big
        count += 1
        if count > MAX_VALUES:
            return too_many_values()
        if not big and is_big_integer(value):
            big = True
        if isinstance(value, Mapping | list | tuple):
            if id(value) in on_path:
                return SELF_CONTAINING
            on_path.add(id(value))
            items = value.values() if isinstance(value, Mapping) else value
            for item in items:
                problem = walk(item)
                if problem is not None:
                    return problem
            on_path.discard(id(value))
        return None

    try:
        return walk(data), big
    except RecursionError:
        return TOO_DEEP, big

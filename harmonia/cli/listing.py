"""How a daemon command prints a listing: the items as JSON on request, a line saying there are
none, or a table. `workflows`, `templates` and `schedules` print theirs the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from harmonia.cli.errors import EXIT_OK
from harmonia.cli.output import print_json

__all__ = ["print_listing"]

M = TypeVar("M", bound=BaseModel)


def print_listing(
    found: Sequence[M],
    *,
    as_json: bool,
    none: str,
    header: list[str],
    row: Callable[[M], list[str]],
) -> int:
    """`none` is the whole line printed for an empty listing (it names the daemon asked)."""
    from harmonia.cli.report import render_table

    if as_json:
        print_json([item.model_dump(mode="json") for item in found])
    elif not found:
        print(none)
    else:
        print("\n".join(render_table(header, [row(item) for item in found])))
    return EXIT_OK

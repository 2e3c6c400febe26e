"""Installed packages' entry points, as both plugin groups read them (`harmonia.commands`,
`harmonia.components`): in name order, each name once. `importlib.metadata` is imported on
the first call only: reading the installed packages costs ~20 ms a start-up need not pay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["distinct_entry_points"]


def distinct_entry_points(group: str) -> Iterator[EntryPoint]:
    """Every entry point of `group` by name; a package found twice on sys.path counts once."""
    from importlib.metadata import entry_points

    seen: set[str] = set()
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        if entry.name not in seen:
            seen.add(entry.name)
            yield entry

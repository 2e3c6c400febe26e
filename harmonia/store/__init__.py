"""Durable state: crash-safe TinyDB databases and append-only journals.

`Store` is imported when first named (PEP 562): `harmonia validate` and `--version` only need
`ExecutionLocked` (from the light `harmonia.store.locks`), not TinyDB and the journal code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harmonia.store.locks import ExecutionLocked

if TYPE_CHECKING:
    from harmonia.store.store import Store

__all__ = ["ExecutionLocked", "Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from harmonia.store.store import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

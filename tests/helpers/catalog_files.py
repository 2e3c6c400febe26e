"""What a data folder's catalog holds, read as a fresh process would: `catalog.json` with its
journal replayed (tests that looked at `catalog.json` alone would miss the rows appended since
its last fold)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harmonia.store.catalog import Catalog, Data
from harmonia.store.catalogjournal import JOURNAL


def catalog_data(data_dir: Path) -> Data:
    """The tables, file and journal together."""
    return Catalog(data_dir).read().data


def catalog_bytes(data_dir: Path) -> bytes:
    """`catalog.json`'s bytes followed by its journal's (empty for a missing file): for tests
    that look for a string anywhere in the catalog."""
    return b"".join(
        p.read_bytes() for p in (data_dir / "catalog.json", data_dir / JOURNAL) if p.exists()
    )


def count_full_reads(catalog: Catalog) -> Callable[[], int]:
    """Counts `catalog`'s full reads of its file from now on: what the read cache and the
    journal's partial replay are there to avoid. The returned function gives the count."""
    loads = 0
    load = catalog._load

    def counted() -> Any:
        nonlocal loads
        loads += 1
        return load()

    catalog._load = counted  # type: ignore[method-assign]
    return lambda: loads

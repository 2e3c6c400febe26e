"""What a data folder's catalog holds, read as a fresh process would: `catalog.json` with its
journal replayed (tests that looked at `catalog.json` alone would miss the rows appended since
its last fold)."""

from __future__ import annotations

from pathlib import Path

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

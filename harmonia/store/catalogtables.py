"""The catalog's tables in memory, and the record of each change for its journal.

Kept apart from `harmonia.store.catalog` (the files) so each stays readable; see there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from harmonia.store.catalogjournal import Op

__all__ = ["Data", "Index", "Row", "Tables"]

Row = dict[str, Any]
Data = dict[str, dict[str, Row]]
Index = dict[str, tuple[dict[Any, str], int]]
"""Per table: each row id's doc id, and the next free doc id."""


class Tables:
    """The catalog's tables, as read; changes copy what they touch (readers in other threads
    may hold the same rows), and `changed` says whether there is anything to write."""

    def __init__(self, data: Data, index: Index | None = None) -> None:
        self.data = data
        self.changed = False
        self._copied: set[str] = set()
        self.ops: list[Op] = []
        """The changes made, as the journal records them."""
        self._shared: Index = index or {}
        """The index of `data` as given (shared like it: copied before it changes). Without
        it each upsert was a pass in Python over the whole table, in the writer's commit:
        1.1 ms per update at 3,000 executions, 5.4 ms at 10,000."""
        self._where: dict[str, dict[Any, str]] = {}
        self._next: dict[str, int] = {}

    @property
    def index(self) -> Index:
        """The index of `data` now, for the next `Tables` made from it."""
        own = {table: (where, self._next[table]) for table, where in self._where.items()}
        return {**self._shared, **own}

    def _entry(self, table: str) -> dict[Any, str]:
        """`table`'s writable map of row id to doc id (copied from the given index, or
        built: one pass over the table)."""
        where = self._where.get(table)
        if where is None:
            shared = self._shared.get(table)
            if shared is None:
                rows = self.data.get(table, {})
                where = {old.get("id"): doc_id for doc_id, old in rows.items()}
                self._next[table] = max((int(k) for k in rows if k.isdigit()), default=0) + 1
            else:
                where, self._next[table] = dict(shared[0]), shared[1]
            self._where[table] = where
        return where

    def rows(self, table: str) -> list[Row]:
        """The rows of `table`, shared: copy one before changing it."""
        return list(self.data.get(table, {}).values())

    def get(self, table: str, row_id: str) -> Row | None:
        where = self._where.get(table) or self._shared.get(table, (None,))[0]
        if where is not None:
            doc_id = where.get(row_id)
            return None if doc_id is None else self.data.get(table, {}).get(doc_id)
        for row in self.data.get(table, {}).values():
            if row.get("id") == row_id:
                return row
        return None

    def upsert(self, table: str, row: Row) -> None:
        """Replace the row with the same `id`, or add it."""
        self.upsert_many(table, [row])

    def upsert_many(self, table: str, new_rows: list[Row]) -> None:
        """`upsert` of each row in order (a later row with the same `id` wins), with one pass
        over the table instead of one per row: a commit may carry hundreds of catalog rows."""
        self.ops.append(["put", table, new_rows])
        rows = self._writable(table)
        where = self._entry(table)
        next_id = self._next[table]
        for row in new_rows:
            doc_id = where.get(row["id"])
            if doc_id is None:
                doc_id = where[row["id"]] = str(next_id)
                next_id += 1
            rows[doc_id] = row
        self._next[table] = next_id

    def remove(self, table: str, matches: Callable[[Row], bool]) -> int:
        rows = self.data.get(table, {})
        gone = [doc_id for doc_id, row in rows.items() if matches(row)]
        if gone:
            ids = [rows[doc_id].get("id") for doc_id in gone]
            self.ops.append(["del", table, ids])
            where = self._entry(table)
            writable = self._writable(table)
            for doc_id, row_id in zip(gone, ids, strict=True):
                del writable[doc_id]
                if where.get(row_id) == doc_id:
                    del where[row_id]
        return len(gone)

    def replace_table(self, table: str, rows: list[Row]) -> None:
        self.ops.append(["set", table, rows])
        self._writable(table)
        self.data[table] = {str(i): row for i, row in enumerate(rows, start=1)}
        self._where[table] = {row.get("id"): str(i) for i, row in enumerate(rows, start=1)}
        self._next[table] = len(rows) + 1

    def replay(self, ops: list[Op]) -> None:
        """Make the changes a journal line records (see `harmonia.store.catalogjournal`)."""
        for kind, table, items in ops:
            if kind == "put":
                self.upsert_many(table, items)
            elif kind == "del":
                self.remove(table, partial(_listed, set(items)))
            else:
                self.replace_table(table, items)

    def _writable(self, table: str) -> dict[str, Row]:
        if not self.changed:
            self.data = dict(self.data)
            self.changed = True
        if table not in self._copied:
            self.data[table] = dict(self.data.get(table, {}))
            self._copied.add(table)
        return self.data[table]


def _listed(ids: set[str], row: Row) -> bool:
    return row.get("id") in ids

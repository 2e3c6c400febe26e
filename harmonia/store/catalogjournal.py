"""The catalog's journal, `DATA_DIR/catalog.journal`: one line per catalog update, appended.

Rewriting `catalog.json` whole on every update cost O(size of the catalog) per execution started
(97 KiB written per start at 1,000 executions, 1.1 MiB at 3,000): the single writer's commits
spent most of their time on it. An update is now one JSON line of the rows it changes, made
durable with the commit's other files; `catalog.json` is rewritten ("folded") only once the
journal outgrows a share of it, and when a store closes: amortised O(1) bytes per update.

Replaying is idempotent: each operation sets rows by id, deletes rows by id, or sets a whole
table, so the last one touching a row decides it whatever the starting state. A crash between
a fold's new `catalog.json` and the journal's truncation thus replays rows the file holds
already, harmlessly. A last line that is torn (no newline) or unreadable was never
acknowledged (its fsync had not returned): readers skip it and the next writer cuts it. Any
other unreadable line is damage. This module only knows bytes; `harmonia.store.catalog` uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import orjson

__all__ = ["FOLD_MIN_BYTES", "FOLD_RATIO", "JOURNAL", "Bad", "Op", "Scanned", "encode", "scan"]

JOURNAL = "catalog.journal"

FOLD_MIN_BYTES = 256 * 1024
"""A journal smaller than this is never folded (but at close): a small catalog is cheap to
replay, and folding it on every few updates would be the rewrite this journal avoids."""

FOLD_RATIO = 1.0
"""Fold once the journal is this many times the size of `catalog.json`: the rewrite then costs
at most about as many bytes as the updates since the last one wrote, and reading the catalog
(file plus journal) stays within twice the file's size."""

Op = list[Any]
"""`["put", table, [row, ...]]` (upsert by `id`), `["del", table, [id, ...]]` or
`["set", table, [row, ...]]` (the whole table)."""

KINDS = ("put", "del", "set")


class Bad(NamedTuple):
    """An unreadable line followed by readable ones: where (byte offset, 0-based line index
    from the scan's start) and what is wrong."""

    offset: int
    line: int
    problem: str


class Scanned(NamedTuple):
    """What a scan read: each readable line's operations, the offset just past the last one
    (what follows is a torn tail, or nothing), how many lines, and the damage if any."""

    updates: list[list[Op]]
    end: int
    lines: int
    bad: Bad | None


def encode(ops: Sequence[Op]) -> bytes:
    """One update's line: all its operations, so a torn line loses the update whole."""
    return orjson.dumps({"ops": ops}) + b"\n"


def scan(raw: bytes, required: Mapping[str, Sequence[str]]) -> Scanned:
    """The updates of a journal's bytes (or of its bytes from a line's start on). `required`:
    the fields each known table's rows must have, as strings."""
    updates: list[list[Op]] = []
    pos = 0
    index = 0
    pending_bad: Bad | None = None
    while True:
        newline = raw.find(b"\n", pos)
        if newline < 0:
            break
        if pending_bad is not None:  # a line follows the unreadable one: it is damage
            return Scanned(updates, pending_bad.offset, index - 1, pending_bad)
        line = raw[pos:newline]
        ops, problem = _parse(line, required)
        if problem is not None:
            pending_bad = Bad(pos, index, problem)
        else:
            updates.append(ops)
        pos = newline + 1
        index += 1
    if pending_bad is not None:  # the last complete line: torn by a crash, not damage
        return Scanned(updates, pending_bad.offset, pending_bad.line, None)
    return Scanned(updates, pos, index, None)


def _parse(line: bytes, required: Mapping[str, Sequence[str]]) -> tuple[list[Op], str | None]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return [], f"not valid JSON: {exc.msg}"
    ops = record.get("ops") if isinstance(record, dict) else None
    if not isinstance(ops, list):
        return [], "not a catalog update (no list of operations)"
    for op in ops:
        problem = _op_problem(op, required)
        if problem is not None:
            return [], problem
    return ops, None


def _op_problem(op: Any, required: Mapping[str, Sequence[str]]) -> str | None:
    if not (isinstance(op, list) and len(op) == 3 and op[0] in KINDS):
        return f"not a catalog operation: {str(op)[:80]}"
    kind, table, items = op
    if not isinstance(table, str) or not isinstance(items, list):
        return f"a {kind!r} operation without a table name and a list"
    if kind == "del":
        return None if all(isinstance(i, str) for i in items) else "a 'del' of a non-string id"
    for row in items:
        if not isinstance(row, dict):
            return f"a row of table {table!r} is not a JSON object"
        for key in ("id", *required.get(table, ())):
            if not isinstance(row.get(key), str):
                return f"a row of table {table!r} has no {key!r}"
    return None

"""Reading a journal's bytes back as events, and telling a torn tail from damage.

A process killed in the middle of an append leaves at most a torn tail: a last line without its
newline (after a power loss, maybe zeroed blocks at the end). Nothing a crash does can make any
other line bad, so a line that does not parse, is not an event of this execution, fails its
checksum (see `harmonia.events.seal`) or does not carry the seq after the one before it is
*damage*: the journal is good up to that line's first byte; what follows is evidence, which
readers keep out of the state and nobody cuts or overwrites.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from harmonia.events import SEAL, Event, EventType

__all__ = ["JournalDamage", "JournalScan", "first_line_after", "scan"]

_SEAL_LEN = len(SEAL)
_SEQ_PREFIX = b'{"seq":'
"""How every journal line starts (`Event.to_journal_line` writes `seq` first)."""


@dataclass(frozen=True, slots=True)
class JournalDamage:
    """Where a journal stops being readable, and why."""

    offset: int
    """Byte offset of the first damaged line (where the good part ends)."""
    line: int
    """That line's number, counting from 1."""
    reason: str


@dataclass(slots=True)
class JournalScan:
    raws: list[dict[str, Any]]
    """The events asked for, all from the good part, as their parsed (and checked) lines."""
    end: int
    """Bytes of whole, good lines from the start: where damage or a torn tail begins."""
    last_seq: int
    """Seq of the last good line checked (0 if none)."""
    damage: JournalDamage | None = None
    _events: list[Event] | None = field(default=None, repr=False, compare=False)

    @property
    def events(self) -> list[Event]:
        """`raws` as events, built when first asked for: recovery folds the parsed lines
        themselves (`harmonia.store.loading`), and 10,000 events built only to be folded
        and dropped were ~10% of loading an execution."""
        if self._events is None:
            self._events = [Event.from_journal(raw) for raw in self.raws]
        return self._events


def scan(
    data: bytes,
    *,
    after_seq: int = 0,
    limit: int | None = None,
    execution_id: str | None = None,
    thorough: bool = True,
) -> JournalScan:
    """The events with `seq > after_seq` (at most `limit`) of the good part of `data`, and the
    damage, if any.

    `thorough` checks every line from the first (those at or before `after_seq` by checksum
    and seq, without parsing them). Otherwise the scan jumps to the first line after
    `after_seq` and checks from there, expecting exactly the seq after it: a reader paging
    through a long journal would otherwise check the whole file for each page. Lines before the
    jump are then taken on trust."""
    start, expected = 0, 1
    if after_seq and not thorough:
        start = first_line_after(data, after_seq)
        if start:
            expected = after_seq + 1
    return _scan(data, start, expected, after_seq, limit, execution_id)


def _scan(
    data: bytes,
    start: int,
    expected: int,
    after_seq: int,
    limit: int | None,
    execution_id: str | None,
) -> JournalScan:
    complete = data.rfind(b"\n") + 1
    if complete <= start:
        return JournalScan([], start, expected - 1)
    end = complete
    if limit is not None and (start or not after_seq):
        # every line from `start` is wanted: split only as many as asked for
        end = start
        for _ in range(limit):
            end = data.find(b"\n", end) + 1
            if not end or end >= complete:
                end = complete
                break
    lines = data[start : end - 1].split(b"\n")
    count = len(lines)
    if end == complete:
        while count and lines[count - 1] and not lines[count - 1].strip(b"\x00"):
            count -= 1  # zeroed blocks at the end, from a power loss: part of the torn tail
    quick = _quick(lines, count, start, expected, after_seq, limit, execution_id)
    if quick is not None:
        return quick
    # a sealed line of another execution's journal is a good line, but not of this one
    owner = b'"execution_id":' + orjson.dumps(execution_id) if execution_id is not None else b""
    crc32 = zlib.crc32
    prev = expected - 1
    sealed = False
    pos = start
    first = -1
    """Index of the first line with a seq above `after_seq` (-1: none yet)."""
    stop = count
    """Index of the line after the last one whose event is wanted."""
    parsed: dict[int, dict[str, Any]] = {}
    damage: JournalDamage | None = None
    for index in range(count):
        line = lines[index]
        cut = line.rfind(SEAL)
        seq = -1
        if (
            cut > 0
            and line[-1:] == b"}"
            and b"%d" % crc32(line[:cut]) == line[cut + _SEAL_LEN : -1]
            and line.startswith(_SEQ_PREFIX)
            and owner in line
        ):
            sealed = True
            comma = line.find(b",", 7, 30)
            digits = line[7:comma]
            if comma > 7 and digits.isdigit():
                seq = int(digits)
        if seq != prev + 1:
            # Not simply the next sealed line: unsealed (written before lines had checksums),
            # a repair marker, or damage. Parse it to tell which.
            raw, problem = _examine(line, prev, sealed, execution_id)
            if raw is None:
                assert problem is not None
                damage = JournalDamage(pos, data.count(b"\n", 0, start) + index + 1, problem)
                stop = index
                break
            parsed[index] = raw
            seq = raw["seq"]
            sealed = sealed or "crc" in raw
        prev = seq
        pos += len(line) + 1
        if seq > after_seq:
            if first < 0:
                first = index
            if limit is not None and index - first + 1 >= limit:
                stop = index + 1
                break
    raws = _raws(lines, first, stop, parsed) if first >= 0 else []
    return JournalScan(raws, pos, prev, damage)


def _quick(
    lines: list[bytes],
    count: int,
    start: int,
    expected: int,
    after_seq: int,
    limit: int | None,
    execution_id: str | None,
) -> JournalScan | None:
    """The common case, in tight loops: every line sealed and intact, of this execution, with
    the seq after the line before's - so line `i` holds seq `expected + i` and the lines wanted
    are found by arithmetic. None as soon as anything is off: the careful scan then finds what
    and where. (Per line: a checksum, and a seq read from the first bytes of a line that is
    not parsed; a line that is parsed is checked once parsed.)"""
    first = min(count, max(0, after_seq - expected + 1))
    stop = count if limit is None else min(count, first + limit)
    crc32 = zlib.crc32
    seq = expected
    for line in lines[:first]:
        if not line.startswith(b'{"seq":%d,' % seq):
            return None
        seq += 1
    for line in lines[:stop]:
        cut = line.rfind(SEAL)
        if cut <= 0 or b"%d" % crc32(line[:cut]) != line[cut + _SEAL_LEN : -1]:
            return None
    raws: list[dict[str, Any]] = []
    if first < stop:
        try:
            raws = orjson.loads(b"[" + b",".join(lines[first:stop]) + b"]")
            # every line an event (`Event.from_journal` finds its members) with the next seq
            seqs = [r["seq"] for r in raws if "type" in r and "ts" in r]
            if seqs != list(range(expected + first, expected + stop)):
                return None
            if execution_id is not None and {r["execution_id"] for r in raws} != {execution_id}:
                return None
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return None
    end = start + sum(map(len, lines[:stop])) + stop
    return JournalScan(raws, end, expected + stop - 1)


def _raws(
    lines: list[bytes], first: int, last: int, parsed: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The parsed lines of `lines[first:last]`, all checked already: one parser call for the
    lot (the lines are orjson output, which never holds a raw newline, so joined with commas
    they are a JSON array; resuming a 10,000-task execution reads ~10,000 lines)."""
    if first >= last:
        return []
    if not parsed:
        raws: list[dict[str, Any]] = orjson.loads(b"[" + b",".join(lines[first:last]) + b"]")
        return raws
    return [parsed.get(i) or orjson.loads(lines[i]) for i in range(first, last)]


def _examine(
    line: bytes, prev: int, sealed: bool, execution_id: str | None
) -> tuple[dict[str, Any], None] | tuple[None, str]:
    """A line that is not simply the next sealed one: its parsed event, or what is wrong."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at byte {_byte_offset(line, exc.pos)})"
    problem = event_problem(raw, execution_id)
    if problem is not None:
        return None, problem
    assert isinstance(raw, dict)
    cut = line.rfind(SEAL)
    if "crc" in raw:
        if cut <= 0 or b"%d" % zlib.crc32(line[:cut]) != line[cut + _SEAL_LEN : -1]:
            return None, "checksum mismatch: the line was changed after it was written"
    elif sealed:
        return None, "no checksum, after lines that have one"
    seq = raw["seq"]
    if seq == prev + 1:
        return raw, None
    repaired = raw["type"] == EventType.JOURNAL_REPAIRED
    if repaired and seq > prev and (raw.get("data") or {}).get("after_seq") == prev:
        return raw, None
    if seq == prev:
        return None, f"seq {seq} repeats the line before"
    if seq < prev:
        return None, f"seq {seq} after seq {prev}: seqs go back"
    missing = f"{prev + 1}" if seq == prev + 2 else f"{prev + 1}-{seq - 1}"
    return None, f"seq {seq} after seq {prev}: events {missing} are missing"


def event_problem(raw: Any, execution_id: str | None = None) -> str | None:
    """Why a parsed journal line is not an event (of `execution_id`, when given), or None."""
    if not isinstance(raw, dict):
        return "not an event: not a JSON object"
    seq = raw.get("seq")
    if type(seq) is not int or seq < 1:
        return "not an event: no positive integer 'seq'"
    if not isinstance(raw.get("type"), str):
        return "not an event: no 'type'"
    owner = raw.get("execution_id")
    if not isinstance(owner, str):
        return "not an event: no 'execution_id'"
    if execution_id is not None and owner != execution_id:
        return f"an event of another execution ({owner})"
    task_id = raw.get("task_id")
    if task_id is not None and not isinstance(task_id, str):
        return "not an event: 'task_id' is not a string"
    if type(raw.get("ts")) not in (int, float):
        return "not an event: no numeric 'ts'"
    data = raw.get("data")
    if data is not None and not isinstance(data, dict):
        return "not an event: 'data' is not an object"
    unknown = raw.keys() - _MEMBERS
    if unknown:  # e.g. a flipped byte in "crc" would make a sealed line look unsealed
        return f"not an event: unknown member {min(unknown)!r}"
    return None


_MEMBERS = frozenset({"seq", "type", "execution_id", "task_id", "ts", "data", "crc"})
"""Every member a journal line has ever had: anything else is damage, not an old format."""


def _byte_offset(line: bytes, char_pos: int) -> int:
    """orjson reports a character position; the operator wants a byte (the line may hold
    multi-byte characters before it)."""
    try:
        return len(line.decode()[:char_pos].encode())
    except UnicodeDecodeError as exc:
        return exc.start


# ---- jumping to a seq -------------------------------------------------------------------------


def _line_start(data: bytes, at: int) -> int:
    """Where the first line that starts at or after byte `at` starts (`len(data)`: none)."""
    if at == 0:
        return 0
    nl = data.find(b"\n", at - 1)
    return len(data) if nl == -1 else nl + 1


def seq_at(data: bytes, start: int) -> int | None:
    """The seq of the line starting at `start`, read from its first bytes; None if unreadable."""
    if not data.startswith(_SEQ_PREFIX, start):
        return None
    begin = start + len(_SEQ_PREFIX)
    comma = data.find(b",", begin, begin + 24)
    digits = data[begin:comma] if comma != -1 else b""
    return int(digits) if digits.isdigit() else None


def first_line_after(data: bytes, after_seq: int) -> int:
    """The start of the first line whose seq is above `after_seq`, by binary search: a journal's
    seqs only grow. 0 (read everything) if a line on the way cannot be read."""
    size = len(data)
    lo, hi = 0, size
    while lo < hi:
        mid = (lo + hi) // 2
        start = _line_start(data, mid)
        if start >= size:
            hi = mid
            continue
        seq = seq_at(data, start)
        if seq is None:
            return 0
        if seq > after_seq:
            hi = mid
        else:
            lo = mid + 1
    return _line_start(data, lo)

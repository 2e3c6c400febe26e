"""Events: every state change of an execution, as recorded in its journal and streamed live.

An execution's state is nothing but the fold of its events (see `harmonia.state`), so the
journal is the source of truth and every consumer - the CLI, SSE, WebSocket, the TUI - sees
the same sequence. `seq` numbers the events of one execution from 1 without gaps, so a client
can tell that it missed nothing and resume from the last `seq` it saw.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from harmonia.protocol import TERMINAL_WORKFLOW_EVENTS, EventType

__all__ = ["SEAL", "TERMINAL_WORKFLOW_EVENTS", "Event", "EventType", "iso_time", "seal"]


@dataclass(slots=True)
class Event:
    """One recorded state change. `timestamp` is Unix time in seconds (UTC).

    Treat it as immutable; it is not frozen only because frozen dataclasses are slower to
    build, and the engine builds two per task."""

    seq: int
    type: str
    execution_id: str
    task_id: str | None
    timestamp: float
    data: dict[str, Any]
    line: bytes | None = field(default=None, compare=False, repr=False)
    """The journal line, once serialised (the engine does it as it emits)."""

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-able mapping, with the timestamp as ISO 8601 for readers."""
        return {
            "seq": self.seq,
            "type": self.type,
            "execution_id": self.execution_id,
            "task_id": self.task_id,
            "timestamp": iso_time(self.timestamp),
            "data": self.data,
        }

    def to_journal_line(self) -> bytes:
        """The compact journal form: one JSON object and a newline, timestamp kept numeric,
        sealed with a checksum of the line (see `seal`).

        Raises TypeError for data that is not JSON-serialisable."""
        if self.line is not None:
            return self.line
        self.line = seal(
            orjson.dumps(
                {
                    "seq": self.seq,
                    "type": self.type,
                    "execution_id": self.execution_id,
                    "task_id": self.task_id,
                    "ts": self.timestamp,
                    "data": self.data,
                }
            )
        )
        return self.line

    @classmethod
    def from_journal(cls, raw: dict[str, Any]) -> Event:
        """Rebuild an event from a parsed journal line. Arguments in field order (seq, type,
        execution_id, task_id, timestamp, data), not by keyword: a resume rebuilds thousands,
        and keywords made each ~30% slower."""
        get = raw.get
        return cls(
            raw["seq"],
            raw["type"],
            raw["execution_id"],
            get("task_id"),
            raw["ts"],
            get("data") or {},
        )


SEAL = b',"crc":'
"""What comes before a journal line's checksum, at the end of its JSON object."""


def seal(document: bytes) -> bytes:
    """A journal line: the serialised event object with `"crc":N` added as its last member and
    a newline, N being the CRC-32 of the line's bytes before `SEAL`.

    A changed byte anywhere in a line (a flipped bit that still parses, a digit of a number)
    then shows, and readers can tell damage from a torn tail precisely. The line stays one
    JSON object, so anything that reads JSON lines still reads it."""
    head = document[:-1]
    return head + b',"crc":%d}\n' % zlib.crc32(head)


_seconds: dict[int, str] = {}
"""Whole seconds formatted by `iso_time`, and their text: events come many a second, and a
document lists each task's start and end, which alternate between a few seconds."""
_SECONDS_KEPT = 4096
MILLISECOND_TEXTS = tuple(f".{n:03d}" for n in range(1000))
"""Each millisecond's text (`.042`), looked up rather than formatted: `iso_time` and the CLI's
progress clock make two per task of a run."""


def iso_time(ts: float | None) -> str | None:
    """Unix seconds to an ISO 8601 UTC string with milliseconds, or None.

    The same text as `datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")`
    with `Z`, at a fraction of the cost: the date and time of day are formatted once a second,
    and the fraction is rounded as `fromtimestamp` does (to the microsecond, half to even)
    before the milliseconds are cut. (`ts - int(ts)` is exact, as `math.modf`'s fraction.)"""
    if ts is None:
        return None
    second = int(ts)
    micros = round((ts - second) * 1e6)
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    elif micros < 0:
        second, micros = second - 1, micros + 1_000_000
    text = _seconds.get(second)
    if text is None:
        if len(_seconds) >= _SECONDS_KEPT:
            _seconds.clear()
        text = _seconds[second] = datetime.fromtimestamp(second, UTC).isoformat()[:19]
    return text + MILLISECOND_TEXTS[micros // 1000] + "Z"

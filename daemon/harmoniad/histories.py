"""Histories of executions at rest, read from the journal once for all the clients replaying them.

Each client replaying a finished execution used to read and decode the whole journal for
itself: 50 clients replaying a 20,000-event execution took the daemon from 72 MB to 1.2 GB, and
~300 MB of it stayed after they left (small objects freed in an order that leaves the
allocator's arenas partly used). Here the clients streaming one execution's history at the same
time share one decoded copy, which lives only as long as one of them streams it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from harmonia.bus import Replay
from harmonia.events import Event

__all__ = ["SharedHistories"]

_Version = tuple[int, int, int] | None
"""A journal's size, modification time and inode (None: no journal): a held history is
shared only while its journal still has the version it had when it was read."""


class _Held:
    __slots__ = ("events", "ready", "users", "version")

    def __init__(self, version: _Version) -> None:
        self.version = version
        self.events: list[Event] | None = None
        """The history once read; None while reading, or if the read failed."""
        self.ready = anyio.Event()
        self.users = 1


class SharedHistories:
    """Whole histories (from seq 1) of the executions being replayed now, by execution id."""

    def __init__(self, replay: Replay, journal_path: Callable[[str], os.PathLike[str]]) -> None:
        self._replay = replay
        self._journal_path = journal_path
        self._held: dict[str, _Held] = {}

    @property
    def held(self) -> int:
        """How many histories are held now (none once every replay has ended)."""
        return len(self._held)

    @asynccontextmanager
    async def hold(self, execution_id: str) -> AsyncIterator[list[Event]]:
        """The execution's whole history as its journal holds it now, shared with whoever
        else holds it; the events and the list must not be changed."""
        held = await self._acquire(execution_id)
        try:
            assert held.events is not None
            yield held.events
        finally:
            self._release(execution_id, held)

    async def _acquire(self, execution_id: str) -> _Held:
        version = await anyio.to_thread.run_sync(self._version, execution_id)
        held = self._held.get(execution_id)
        if held is not None and held.version == version:
            held.users += 1
            try:
                await held.ready.wait()
            except BaseException:
                self._release(execution_id, held)
                raise
            if held.events is not None:
                return held
            self._release(execution_id, held)  # its read failed: try again, alone
        held = self._held[execution_id] = _Held(version)  # a stale one's users keep theirs
        try:
            held.events = await self._replay(execution_id, 0)
        except BaseException:
            self._release(execution_id, held)
            raise
        finally:
            held.ready.set()
        return held

    def _release(self, execution_id: str, held: _Held) -> None:
        held.users -= 1
        if held.users <= 0 and self._held.get(execution_id) is held:
            del self._held[execution_id]

    def _version(self, execution_id: str) -> _Version:
        try:
            stat = os.stat(self._journal_path(execution_id))
        except FileNotFoundError:
            return None
        return stat.st_size, stat.st_mtime_ns, stat.st_ino

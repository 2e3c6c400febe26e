"""Events in their wire forms (SSE messages, WebSocket frames), encoded once for all clients.

Every client of one execution receives the same events, so the daemon encodes each event once
however many clients stream it, and whole runs of events (an SSE chunk, a WebSocket batch frame)
once too: the clients of one execution are woken by the same publication and take the same
slices of the bus's log, so a run of consecutive seqs names one chunk for all of them. What is
kept is bounded, and dropped when the last stream ends, so an idle daemon holds none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
import orjson

from harmonia.events import Event

__all__ = ["EventEncoder"]

FORMS_KEPT = 1_024
"""Events whose forms are kept (twice that at most): clients within this many events of each
other share them; one further behind encodes its own (more CPU, same bytes). In the fan-out
bench every event was still encoded once; 4,096 kept the daemon ~30 MB larger."""
CHUNKS_KEPT = 64
"""Recent SSE chunks and WebSocket batch frames kept to be shared."""


class _Forms:
    """One event's wire forms, each made when first asked for."""

    __slots__ = ("json", "sse", "sse_global", "text")

    def __init__(self, json: bytes) -> None:
        self.json = json
        self.text: str | None = None
        self.sse: bytes | None = None
        self.sse_global: bytes | None = None


class EventEncoder:
    """One daemon's shared wire forms: the JSON of each event, as bytes and as text (a
    WebSocket frame), its SSE message with either form of `id:`, and recent whole chunks.

    Forms are found by (execution id, seq), which names one event for good (a journal only
    grows), so a client replaying the journal shares them with the live ones. They live in two
    generations: when the young one is full it becomes the old one and the old one is dropped,
    which bounds memory at O(1) per event without any bookkeeping per lookup."""

    def __init__(
        self,
        forms_kept: int = FORMS_KEPT,
        chunks_kept: int = CHUNKS_KEPT,
        *,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.on_idle = on_idle
        """Called when the last stream ends (the daemon then gives freed memory back)."""
        self._forms_kept = forms_kept
        self._chunks_kept = chunks_kept
        self._young: dict[tuple[str, int], _Forms] = {}
        self._old: dict[tuple[str, int], _Forms] = {}
        self._chunks: dict[tuple[str, str, int, int], bytes | str] = {}
        self._streams = 0
        self._idle: anyio.Event | None = None

    @contextmanager
    def streaming(self) -> Iterator[None]:
        """Held by each stream while it runs: the last one to end drops everything kept."""
        self._streams += 1
        try:
            yield
        finally:
            self._streams -= 1
            if not self._streams:
                self.clear()
                if self._idle is not None:
                    self._idle.set()
                    self._idle = None
                if self.on_idle is not None:
                    self.on_idle()

    async def wait_idle(self) -> None:
        """Return once no stream runs: a stopping daemon lets its streams send their last
        frame before uvicorn closes their connections."""
        while self._streams:
            if self._idle is None:
                self._idle = anyio.Event()
            await self._idle.wait()

    def clear(self) -> None:
        self._young, self._old, self._chunks = {}, {}, {}

    @property
    def streams(self) -> int:
        """How many streams run now."""
        return self._streams

    @property
    def kept(self) -> int:
        """How many events' forms and chunks are kept now."""
        return len(self._young) + len(self._old) + len(self._chunks)

    def _get(self, event: Event) -> _Forms:
        key = (event.execution_id, event.seq)
        forms = self._young.get(key)
        if forms is None:
            forms = self._old.get(key)
            if forms is None:
                forms = _Forms(orjson.dumps(event.to_dict()))
            if len(self._young) >= self._forms_kept:
                self._old, self._young = self._young, {}
            self._young[key] = forms
        return forms

    def text(self, event: Event) -> str:
        """A WebSocket frame of one event."""
        forms = self._get(event)
        if forms.text is None:
            forms.text = forms.json.decode()
        return forms.text

    def sse(self, event: Event, *, global_ids: bool) -> bytes:
        """One SSE message: `id:`, `event:`, `data:` and the blank line that ends it."""
        forms = self._get(event)
        message = forms.sse_global if global_ids else forms.sse
        if message is None:
            event_id = f"{event.execution_id}:{event.seq}" if global_ids else str(event.seq)
            message = f"id: {event_id}\nevent: {event.type}\ndata: ".encode() + forms.json + b"\n\n"
            if global_ids:
                forms.sse_global = message
            else:
                forms.sse = message
        return message

    def sse_batch(self, batch: list[Event], *, global_ids: bool) -> bytes:
        """A batch's SSE messages in one chunk."""
        if global_ids:  # events of several executions: no run of seqs to share it by
            return b"".join([self.sse(event, global_ids=True) for event in batch])
        key = _run_key("sse", batch)
        chunk = self._chunks.get(key) if key is not None else None
        if chunk is None:
            chunk = b"".join([self.sse(event, global_ids=False) for event in batch])
            self._keep(key, chunk)
        assert isinstance(chunk, bytes)
        return chunk

    def ws_batch(self, batch: list[Event]) -> str:
        """A WebSocket batch frame: `{"type": "batch", "events": [Event, ...]}`."""
        key = _run_key("ws", batch)
        frame = self._chunks.get(key) if key is not None else None
        if frame is None:
            jsons = b",".join([self._get(event).json for event in batch])
            frame = (b'{"type":"batch","events":[' + jsons + b"]}").decode()
            self._keep(key, frame)
        assert isinstance(frame, str)
        return frame

    def _keep(self, key: tuple[str, str, int, int] | None, chunk: bytes | str) -> None:
        if key is None:
            return
        self._chunks[key] = chunk
        if len(self._chunks) > self._chunks_kept:
            del self._chunks[next(iter(self._chunks))]  # the oldest (dicts keep order)


def _run_key(kind: str, batch: list[Event]) -> tuple[str, str, int, int] | None:
    """The name of a run of one execution's consecutive seqs; None for anything else."""
    first, last = batch[0], batch[-1]
    if last.seq - first.seq != len(batch) - 1 or first.execution_id != last.execution_id:
        return None
    return (kind, first.execution_id, first.seq, last.seq)

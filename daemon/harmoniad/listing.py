"""The answers clients poll, served from bytes kept in `harmoniad.answercache`.

The listing joins each execution's cached summary (serialising only what changed since the
last poll) and carries its hash as ETag, so a client sending it back in `If-None-Match` gets a
304 while nothing changed. A finished execution's document is read, built and serialised in a
worker thread, with the cyclic collector paused (a few hundred thousand objects, no cycle),
and kept until its files change.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import anyio
import orjson

from harmonia.gcpause import cycle_collection_paused
from harmonia.state import ExecutionState
from harmonia.state.model import EXECUTION_FINISHED
from harmoniad.answercache import FileVersions
from harmoniad.context import DaemonState
from harmoniad.services.executions import select_page

__all__ = ["ListingPage", "etag_matches", "execution_document", "listing_page"]

CONCLUDING_SECONDS = 5.0
"""How long a request for a finished execution still held by its runner waits for the final
snapshot (milliseconds, usually) before building the document from the live state instead."""


class ListingPage:
    """A listing's JSON body and its ETag (a hash of the body: equal bodies, equal tags)."""

    __slots__ = ("body", "etag")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


async def listing_page(
    state: DaemonState, *, status: str | None, offset: int, limit: int
) -> ListingPage:
    """The document of `services.executions.list_executions`, as bytes."""
    page = await select_page(state, status=status, offset=offset, limit=limit)
    cache = state.summaries
    items = b",".join([cache.summary(e.row, e.live, e.interrupted) for e in page.entries])
    cache.prune(page.known)
    tail: dict[str, Any] = {"total": page.total, "limit": limit, "offset": offset}
    return ListingPage(b'{"items":[' + items + b"]," + orjson.dumps(tail)[1:])


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weakly compared, as RFC 9110 asks for
    this header) or is `*`."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


async def execution_document(state: DaemonState, execution_id: str) -> bytes:
    """`GET /api/v1/executions/{id}` as bytes. A running execution's is made on the loop
    (the engine changes its state there), encoding again only the tasks that changed since
    the last request (`harmoniad.livedocument`); a finished one's is read from disk in a
    worker thread, or from the cache while its files are unchanged."""
    engine = state.engine
    state.live_documents.prune(engine.live_state)
    live = engine.live_state(execution_id)
    if live is not None and live.status in EXECUTION_FINISHED:
        # its run is concluding (final snapshot): once durable, it is read off the loop; an
        # operator's resume meanwhile would make it run again, so wait only briefly for it
        with anyio.move_on_after(CONCLUDING_SECONDS):
            await engine.wait(execution_id)
        live = engine.live_state(execution_id)
    if live is not None:
        return state.live_documents.document(live)
    store = engine.store
    paths = (store.state_path(execution_id), store.journal_path(execution_id))
    cache = state.documents

    def versions() -> FileVersions:
        return tuple(_version(path) for path in paths)

    read_from = await anyio.to_thread.run_sync(versions)  # before reading: never newer
    kept = cache.get(execution_id, read_from)
    if kept is not None:
        return kept

    def load() -> tuple[ExecutionState, bytes]:
        with cycle_collection_paused():
            loaded = store.load_execution(execution_id)
            return loaded, orjson.dumps(loaded.to_public(), option=orjson.OPT_NON_STR_KEYS)

    loaded, document = await anyio.to_thread.run_sync(load)
    if loaded.status in EXECUTION_FINISHED and None not in read_from:
        cache.put(execution_id, read_from, document)
    return document


def _version(path: os.PathLike[str]) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)

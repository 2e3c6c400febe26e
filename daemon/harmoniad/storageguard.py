"""Refuse every API write while the storage is failed, before its handler runs.

The engine refuses its own writes (`StorageUnavailable`), but a stored workflow is written by
its handler straight into the catalog: without this, a write would fail or succeed depending on
which file it touches and how much room is left. One rule for clients instead: while `/ready`
says the storage is unavailable, every POST, PUT and DELETE gets 503 `storage_unavailable`
(with `Retry-After`), and reads go on.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from harmonia.engine import Engine
from harmonia.errors import StorageUnavailable
from harmoniad.errors import storage_unavailable_response

__all__ = ["READ_METHODS", "StorageGuardMiddleware"]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class StorageGuardMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in READ_METHODS:
            try:
                self.engine.storage.check()
            except StorageUnavailable as exc:
                answer = storage_unavailable_response(exc, self.engine.store.data_dir)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

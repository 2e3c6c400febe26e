"""Conditional GETs for answers clients poll: send back the last ETag, reuse the last answer.

Dashboards and scripts ask for the executions listing every half second; while nothing
changed, the daemon answers `304 Not Modified` with no body when the request names the ETag
of its last answer (`If-None-Match`), and the client hands back the answer it parsed then,
the very same object: neither side encodes, sends or parses the page again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, TypeVar

import httpx

from harmonia.client._calls import Call, read_answer

__all__ = ["Revalidation"]

T = TypeVar("T")

KEPT = 16
"""Answers kept, one per URL (query included): a client polls a few pages, not many."""


class Revalidation:
    """The last answer to each revalidated URL, with its ETag (one per client; a blocking
    client may be shared by threads, hence the lock)."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._answers: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def request(self, call: Call[T], http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        """The call's request, naming the ETag of the last answer to its URL if there is one."""
        request = call.request(http)
        if call.revalidate:
            with self._lock:
                kept = self._answers.get(str(request.url))
            if kept is not None:
                request.headers["If-None-Match"] = kept[0]
        return request

    def answer(self, call: Call[T], request: httpx.Request, response: httpx.Response) -> T:
        """The parsed answer: the kept one on a 304, else the new one (kept if it has an ETag);
        see `read_answer`."""
        if not call.revalidate:
            return read_answer(call, response)
        url = str(request.url)
        with self._lock:
            kept = self._answers.get(url)
            if response.status_code == 304 and kept is not None:
                self._answers.move_to_end(url)
                parsed: T = kept[1]
                return parsed
        parsed = read_answer(call, response)
        etag = response.headers.get("etag")
        with self._lock:
            if etag:
                self._answers[url] = (etag, parsed)
                self._answers.move_to_end(url)
                while len(self._answers) > self.kept:
                    self._answers.popitem(last=False)
            else:
                self._answers.pop(url, None)
        return parsed

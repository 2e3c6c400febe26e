"""What the sync and async clients share besides the calls: resolved settings."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from harmonia import __version__
from harmonia.client._stream import STREAM_READ_TIMEOUT
from harmonia.client.config import resolve_token, resolve_url

__all__ = ["RETRY_STATUSES", "ClientConfig"]

RETRY_STATUSES = frozenset({502, 503, 504})
"""Answers to an event stream request that mean "not now" (a proxy in front of a daemon that
is restarting), worth another attempt rather than an error."""


@dataclass(frozen=True)
class ClientConfig:
    url: str
    token: str | None
    timeout: httpx.Timeout
    stream_timeout: httpx.Timeout

    @classmethod
    def resolve(
        cls,
        url: str | None,
        token: str | None,
        *,
        data_dir: str | os.PathLike[str] | None,
        timeout: float,
    ) -> ClientConfig:
        resolved = resolve_url(url, data_dir=data_dir)
        parsed = httpx.URL(resolved)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"invalid daemon URL {resolved!r}: expected http://HOST:PORT")
        return cls(
            url=resolved,
            token=resolve_token(token, data_dir=data_dir),
            timeout=httpx.Timeout(timeout),
            # a stream is quiet between events; the daemon's pings bound the silence
            stream_timeout=httpx.Timeout(timeout, read=max(timeout, STREAM_READ_TIMEOUT)),
        )

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"harmonia-client/{__version__}", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

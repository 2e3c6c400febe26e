"""What the sync and async clients share besides the calls: resolved settings, and the
decisions of their stream loops that need no I/O."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from harmonia import __version__
from harmonia.client._config import resolve_token, resolve_url
from harmonia.client._errors import error_from_response
from harmonia.client._etags import Revalidation
from harmonia.client._stream import STREAM_READ_TIMEOUT, Reconnect, StreamCursor

__all__ = ["RETRY_STATUSES", "ClientBase", "ClientConfig", "stream_refused"]

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

    def http_options(self) -> dict[str, Any]:
        """What `httpx.Client` and `httpx.AsyncClient` are both built with."""
        return {
            "base_url": self.url,
            "headers": self.headers(),
            "timeout": self.timeout,
            "verify": self.tls(),
        }

    def tls(self) -> ssl.SSLContext | bool:
        """Certificates checked against the CA bundle for an https daemon. A plain-http daemon
        gets a context that checks all the same but trusts nothing: every request goes to its
        base URL and no redirect is followed, so no TLS is ever spoken, and loading the bundle
        costs ~25 ms of a CLI command's start (a stray https request fails instead)."""
        if httpx.URL(self.url).scheme == "https":
            return True
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    def ws_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class ClientBase:
    """The settings both clients resolve the same way, and their stream cursors."""

    url: str
    token: str | None
    reconnect: Reconnect
    _config: ClientConfig
    _etags: Revalidation

    def _configure(
        self,
        url: str | None,
        token: str | None,
        *,
        data_dir: str | os.PathLike[str] | None,
        timeout: float,
        reconnect: Reconnect | None,
    ) -> ClientConfig:
        self._config = ClientConfig.resolve(url, token, data_dir=data_dir, timeout=timeout)
        self.url = self._config.url
        self.token = self._config.token
        self.reconnect = reconnect or Reconnect()
        self._etags = Revalidation()
        return self._config

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"

    def _cursor(
        self, execution_id: str | None, *, after: int | str | None = None, follow: bool = False
    ) -> StreamCursor:
        return StreamCursor(
            self.url, execution_id, after=after, follow=follow, reconnect=self.reconnect
        )


def stream_refused(response: httpx.Response) -> str:
    """An event stream request answered with an error (whose body was read): the error,
    raised, unless the status means "not now"; then the reason to try again."""
    error = error_from_response(response.status_code, response.content, response.reason_phrase)
    if response.status_code not in RETRY_STATUSES:
        raise error
    return f"HTTP {response.status_code}: {error.message}"

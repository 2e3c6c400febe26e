"""Who may talk to the daemon, and how much they may send.

A workflow can run shell commands, and any web page open in a browser can reach loopback, so
the daemon trusts nobody by default: a bearer token on every request but `/health`, a Host
header check against DNS rebinding, an Origin check on WebSocket handshakes (browsers apply no
same-origin rule to them, so a page from any site may open one), and a cap on request bodies.
It is one pure ASGI middleware so that it guards WebSocket and SSE exactly like plain requests.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harmoniad.config import ConfigError, DaemonConfig, is_loopback_host

__all__ = [
    "OPEN_PATHS",
    "SecurityMiddleware",
    "host_of",
    "load_or_create_token",
]

OPEN_PATHS = frozenset({"/health"})
"""Paths that need no token: liveness probes must work without secrets."""

TEKTON_PATHS = frozenset({"/discovery", "/api/v1/discovery"})
TEKTON_PREFIX = "/api/mcp/v2/"
"""What `--tekton-open` opens: the paths Tekton components call, which send no token."""

WS_UNAUTHORIZED = 4401

Public = Callable[[str, str], bool]
"""Whether a request (method, path) needs no token: an open path, or one whose handler
authenticates it by signature (an inbound hook's delivery). WebSockets pass no method."""


def _only_open_paths(method: str, path: str) -> bool:
    return path in OPEN_PATHS


def load_or_create_token(config: DaemonConfig) -> str:
    """The API token: `$HARMONIA_TOKEN`, else the token file, created (mode 0600) if missing."""
    if config.token is not None:
        return config.token
    path = config.effective_token_file
    try:
        return _read_token(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    try:
        # O_EXCL: two daemons starting at once must not each write their own token
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_token(path)
    try:
        os.write(fd, token.encode() + b"\n")
        os.fsync(fd)
    except OSError as exc:  # a full disk: no half-written token left for the next start
        path.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the token file {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return token


def _read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc}") from None
    if not token:
        raise ConfigError(f"the token file {path} is empty")
    return token


def token_file_is_private(path: Path) -> bool:
    """Whether only the owner can read the token file (checked at start, warned about)."""
    try:
        return path.stat().st_mode & 0o077 == 0
    except OSError:
        return True


def host_of(header: str) -> str:
    """The host part of a Host header: `[::1]:8007` -> `::1`, `Localhost:80` -> `localhost`."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end != -1 else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


def _error_body(status: int, code: str, message: str) -> bytes:
    return orjson.dumps({"status": status, "code": code, "message": message, "details": None})


class SecurityMiddleware:
    """Host check, bearer token, body size limit, for HTTP (SSE included) and WebSocket."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        allow_hosts: Iterable[str] = (),
        max_body: int,
        public: Public = _only_open_paths,
        tekton_open: bool = False,
    ) -> None:
        self.app = app
        self._token = token.encode()
        self._allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.max_body = max_body
        self.public = public
        self.tekton_open = tekton_open

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if not self._host_allowed(headers.get(b"host")):
            message = "the Host header does not name this daemon (use 127.0.0.1 or --allow-host)"
            if kind == "http":
                await _send_json(send, 403, _error_body(403, "forbidden_host", message))
            else:
                await _deny_websocket(scope, send, 403, _error_body(403, "forbidden_host", message))
            return
        if kind == "websocket" and not self._origin_allowed(headers.get(b"origin")):
            message = (
                "the Origin header names another site: a web page may open this daemon's "
                "WebSockets only if it is served from this machine or an --allow-host"
            )
            await _deny_websocket(scope, send, 403, _error_body(403, "forbidden_origin", message))
            return
        if (
            not self.public(scope.get("method", ""), scope["path"])
            and not self._tekton_caller(scope, headers)
            and not self._authorized(scope, headers)
        ):
            message = "a valid token is required: send 'Authorization: Bearer <token>'"
            if kind == "http":
                await _send_json(
                    send,
                    401,
                    _error_body(401, "unauthorized", message),
                    extra=[(b"www-authenticate", b'Bearer realm="harmonia"')],
                )
            else:
                await _close_websocket(receive, send, WS_UNAUTHORIZED, "unauthorized")
            return
        if kind == "http":
            length = headers.get(b"content-length")
            if length is not None and _too_long(length, self.max_body):
                await _send_json(
                    send,
                    413,
                    _error_body(
                        413,
                        "payload_too_large",
                        f"the request body is larger than {self.max_body} bytes",
                    ),
                    extra=[(b"connection", b"close")],
                )
                return
            receive = _limited(receive, self.max_body)
        await self.app(scope, receive, send)

    def _host_allowed(self, raw: bytes | None) -> bool:
        if raw is None:
            return False
        host = host_of(raw.decode("latin-1"))
        return is_loopback_host(host) or host in self._allow_hosts

    def _origin_allowed(self, raw: bytes | None) -> bool:
        """No Origin (a program, not a browser) or one whose host passes the Host check;
        `null` (a sandboxed or file page) and anything unparsable are foreign."""
        if raw is None:
            return True
        try:
            host = urlsplit(raw.decode("latin-1").strip()).hostname
        except ValueError:
            return False
        if not host:
            return False
        return is_loopback_host(host) or host in self._allow_hosts

    def _tekton_caller(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """With `--tekton-open`: a call of a Tekton path that may go without a token. Only
        from this machine (the peer's address, not a header), only GETs and `application/json`
        POSTs (a web page can send neither cross-site without a CORS preflight, which is never
        granted), and never with an Origin naming another site (a browser's request)."""
        if not self.tekton_open or scope["type"] != "http":
            return False
        path = scope["path"]
        if path not in TEKTON_PATHS and not path.startswith(TEKTON_PREFIX):
            return False
        client = scope.get("client")
        if not client or not is_loopback_host(str(client[0])):
            return False
        if headers.get(b"origin") is not None and not self._origin_allowed(headers[b"origin"]):
            return False
        method = scope["method"]
        if method in ("GET", "HEAD"):
            return True
        if method != "POST":
            return False
        kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        return kind == b"application/json"

    def _authorized(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        given: bytes | None = None
        auth = headers.get(b"authorization")
        if auth is not None:
            scheme, _, value = auth.partition(b" ")
            if scheme.lower() == b"bearer":
                given = value.strip()
        if given is None and scope["type"] == "websocket":
            # browsers cannot set headers on a WebSocket: the token may come in the query
            query = scope.get("query_string", b"").decode("latin-1")
            for key, value in parse_qsl(query):
                if key == "token":
                    given = value.encode()
        if given is None:
            return False
        return hmac.compare_digest(given, self._token)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _too_long(raw: bytes, limit: int) -> bool:
    try:
        return int(raw) > limit
    except ValueError:
        return False  # h11 rejects a malformed Content-Length before we see it


def _limited(receive: Receive, limit: int) -> Receive:
    """Count body bytes as they arrive: a chunked body has no Content-Length to check."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"the request body is larger than {limit} bytes")
        return message

    return wrapped


async def _send_json(
    send: Send, status: int, body: bytes, *, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _deny_websocket(scope: Scope, send: Send, status: int, body: bytes) -> None:
    """Refuse the handshake with an HTTP answer where the server can send one."""
    if "websocket.http.response" in scope.get("extensions", {}):
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})


async def _close_websocket(receive: Receive, send: Send, code: int, reason: str) -> None:
    """Accept, then close with an application code the client can read (4401)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": reason})

"""What goes over the wire, both ways: request bodies encoded to JSON (a value JSON cannot
carry is a `RequestNotJson` naming where it is, not orjson's bare TypeError), and transport
failures said in words a person can act on (`DaemonUnreachable`).
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from harmonia.client._errors import DaemonUnreachable, RequestNotJson

__all__ = ["first_line", "json_body", "transport_reason", "unreachable"]

_INT_RANGE = (-(2**63), 2**64 - 1)


def json_body(method: str, path: str, document: Any) -> bytes:
    """`document` as JSON, or `RequestNotJson` naming the call and the value's place."""
    try:
        return orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        where = _unencodable(document, "")
        at = f" at {where}" if where else ""
        hint = " (put it in quotes to pass it as a string)" if "64-bit" in str(exc) else ""
        raise RequestNotJson(f"{method} {path}: the body{at} is not JSON: {exc}{hint}") from None


def _unencodable(value: Any, where: str, depth: int = 0) -> str | None:
    """The place (`input.n`, `arguments.items[2]`) of the first value orjson refuses: only
    walked once encoding failed, and only as deep as JSON could nest."""
    if depth > 256:
        return None
    if isinstance(value, dict):
        for key, inner in value.items():
            found = _unencodable(inner, f"{where}.{key}" if where else str(key), depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            found = _unencodable(inner, f"{where}[{index}]", depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = _INT_RANGE
        return None if low <= value <= high else where
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return where
    return None


def unreachable(url: str, exc: httpx.TransportError) -> DaemonUnreachable:
    """`DaemonUnreachable` with a short reason a person can act on."""
    return DaemonUnreachable(url, transport_reason(exc))


def transport_reason(exc: httpx.TransportError) -> str:
    text = first_line(exc)
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for an answer"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL: {text}" if text else "unsupported URL"
    if isinstance(exc, httpx.ConnectError):
        if "refused" in lowered or _refused_below(exc):
            return "connection refused; is harmoniad running?"
        if "name or service not known" in lowered or "nodename nor servname" in lowered:
            return "unknown host"
        return text or "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was closed before the answer was complete"
    return text or type(exc).__name__


def _refused_below(exc: BaseException, depth: int = 0) -> bool:
    """Whether a refusal caused `exc`: the async transports say only "All connection attempts
    failed" (asyncio) or "all attempts to connect ... failed" (trio, over an exception group)
    and keep the `ConnectionRefusedError` below, so an async client would otherwise not say
    what the sync one says (is harmoniad running?)."""
    if isinstance(exc, ConnectionRefusedError):
        return True
    if depth > 8:  # chains are a few links deep: a short, finite walk
        return False
    if isinstance(exc, BaseExceptionGroup) and any(
        _refused_below(inner, depth + 1) for inner in exc.exceptions
    ):
        return True
    below = exc.__cause__ or exc.__context__
    return below is not None and _refused_below(below, depth + 1)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return " ".join(text.splitlines()[0].split()) if text else ""

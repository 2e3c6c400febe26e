"""`--http`: which of uvicorn's HTTP/1.1 parsers the daemon serves with. Only the chosen one's
protocol module is imported (`harmoniad.httpprotocol` says what they share)."""

from __future__ import annotations

import asyncio

__all__ = ["protocol_class"]


def protocol_class(parser: str = "auto") -> type[asyncio.Protocol]:
    """The protocol for `parser`: `auto` is httptools when installed, else h11. ValueError
    when httptools is asked for and not installed."""
    if parser not in ("auto", "h11", "httptools"):
        raise ValueError(f"--http {parser}: not an HTTP parser (auto, h11 or httptools)")
    if parser != "h11":
        try:
            from harmoniad.httptoolsprotocol import JsonErrorsHttpToolsProtocol
        except ImportError:  # httptools is not installed: h11 only
            if parser == "httptools":
                message = "--http httptools: the httptools package is not installed"
                raise ValueError(message) from None
        else:
            return JsonErrorsHttpToolsProtocol
    from harmoniad.h11protocol import JsonErrorsH11Protocol

    return JsonErrorsH11Protocol

"""Both HTTP parsers the daemon can serve with (`--http h11|httptools`), through a real
`harmoniad` each: requests so malformed that uvicorn answers them itself still get the one JSON
error shape, heads within h11's limit pass with either, and the choice of parser itself."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
from collections.abc import Iterator

import pytest
from harmoniad.h11protocol import JsonErrorsH11Protocol
from harmoniad.httpparsers import protocol_class
from harmoniad.httpprotocol import MAX_HEAD_BYTES
from harmoniad.httptoolsprotocol import JsonErrorsHttpToolsProtocol
from helpers.daemon_testing import Harmoniad

PARSERS = ["h11", "httptools"]


@pytest.fixture(scope="module", params=PARSERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harmoniad]:
    """A daemon serving with each parser in turn."""
    with Harmoniad(tmp_path_factory.mktemp(request.param) / "data", "--http", request.param) as d:
        yield d


MALFORMED = {
    "request line": b"THIS IS NOT HTTP\r\n\r\n",
    "header without a colon": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n",
    "headers too large": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
    + b"a" * 200_000
    + b"\r\n\r\n",
    "bad Content-Length": b"POST /api/v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Length: twelve\r\n\r\n",
    "control character in the target": b"GET /he\x01lth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
}


def raw_exchange(port: int, payload: bytes, *, pieces: int = 1) -> bytes:
    """Send bytes as they are (in `pieces` writes); everything the daemon answers until it
    closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # it may answer and close before it has taken all of a huge request
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            size = -(-len(payload) // pieces)
            for start in range(0, len(payload), size):
                sock.sendall(payload[start : start + size])
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse_answer(answer: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return status_line, headers, body


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_request_uvicorn_cannot_parse_gets_the_json_error_shape(
    served: Harmoniad, payload: bytes
) -> None:
    answer = raw_exchange(served.port, payload)
    status_line, headers, body = parse_answer(answer)
    assert status_line.startswith("HTTP/1.1 400 "), answer[:200]
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)
    assert error == {
        "status": 400,
        "code": "bad_request",
        "message": error["message"],
        "details": None,
    }
    assert "HTTP" in error["message"]
    with served.client() as client:  # and the daemon goes on serving
        assert client.get("/health").status_code == 200


def test_a_head_over_the_limit_sent_in_pieces_is_refused(served: Harmoniad) -> None:
    payload = MALFORMED["headers too large"]
    status_line, _, _ = parse_answer(raw_exchange(served.port, payload, pieces=20))
    assert status_line.startswith("HTTP/1.1 400 ")


def test_a_head_within_the_limit_is_served(served: Harmoniad) -> None:
    """Just under 16 KiB of headers, sent whole and in pieces, then two requests at once on
    one connection: each is answered."""
    filler = b"c" * (MAX_HEAD_BYTES - 1024)
    one = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + filler + b"\r\n\r\n"
    for pieces in (1, 7):
        status_line, _, body = parse_answer(
            raw_exchange(served.port, one.replace(b"HTTP/1.1\r\n", b"HTTP/1.0\r\n"), pieces=pieces)
        )
        assert status_line.startswith("HTTP/1.1 200 "), status_line
        assert json.loads(body)["status"] == "ok"
    last = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answer = raw_exchange(served.port, one + last)
    assert answer.count(b"HTTP/1.1 200 ") == 2, answer[:300]


def test_auto_is_httptools_when_installed_and_h11_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert protocol_class() is JsonErrorsHttpToolsProtocol  # httptools: a dependency
    assert protocol_class("httptools") is JsonErrorsHttpToolsProtocol
    assert protocol_class("h11") is JsonErrorsH11Protocol
    # as without httptools: importing its protocol's module fails
    monkeypatch.setitem(sys.modules, "harmoniad.httptoolsprotocol", None)
    assert protocol_class("auto") is JsonErrorsH11Protocol
    with pytest.raises(ValueError, match="not installed"):
        protocol_class("httptools")

"""A light load generator for the API benches, as wrk is: requests built before the timed pass,
sent over keep-alive connections with h11 (sans-IO: it writes requests and parses answers) on
anyio TCP streams. An httpx client spends ~2 ms of CPU per request (1.8-2.8 measured): on 2
cores, taken from the daemon it measures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import anyio
import h11

__all__ = ["Answer", "Prepared", "prepare", "send_prepared"]

Check = Callable[[int, int, bytes], None]
"""Called with a request's index, its answer's status and body; raises SystemExit if wrong."""


@dataclass(frozen=True)
class Prepared:
    """One request as h11 events, made before the pass (body, headers and signature too)."""

    request: h11.Request
    body: h11.Data


def prepare(url: str, path: str, body: bytes, headers: Mapping[str, str]) -> Prepared:
    """A `POST path` of `body` to the daemon at `url` (its Host header, the length given)."""
    host = urlsplit(url).netloc
    pairs = [("Host", host), ("Content-Length", str(len(body))), *headers.items()]
    return Prepared(h11.Request(method="POST", target=path, headers=pairs), h11.Data(data=body))


@dataclass
class Answer:
    """The timings of a pass: its wall time and each request's latency."""

    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)


async def send_prepared(
    url: str, requests: list[Prepared], concurrency: int, check: Check
) -> Answer:
    """Send `requests` over `concurrency` keep-alive connections (each takes the next request
    once its previous one is answered); `check` sees every answer."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    answer = Answer()
    remaining: Iterator[tuple[int, Prepared]] = iter(enumerate(requests))
    streams = [await anyio.connect_tcp(host, port) for _ in range(concurrency)]

    async def sender(stream: anyio.abc.SocketStream) -> None:
        connection = h11.Connection(our_role=h11.CLIENT)
        async with stream:
            for index, prepared in remaining:
                wire = connection.send(prepared.request) or b""
                wire += connection.send(prepared.body) or b""
                wire += connection.send(h11.EndOfMessage()) or b""
                began = time.perf_counter()
                await stream.send(wire)
                status, body = await _response(connection, stream)
                answer.latencies.append(time.perf_counter() - began)
                check(index, status, body)
                connection.start_next_cycle()

    began = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for stream in streams:
            tg.start_soon(sender, stream)
    answer.elapsed = time.perf_counter() - began
    return answer


async def _response(
    connection: h11.Connection, stream: anyio.abc.SocketStream
) -> tuple[int, bytes]:
    """The status and whole body of the answer to the request just sent."""
    status, chunks = 0, []
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await stream.receive(65536))
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            chunks.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return status, b"".join(chunks)
        elif isinstance(event, h11.ConnectionClosed):
            raise SystemExit("the daemon closed a keep-alive connection mid-pass")

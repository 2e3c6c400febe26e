"""The listing bench's pollers: httpx clients asking for one path on a schedule, in the bench's
own process or spread over child processes (`--poller-processes N`).

An httpx request costs its client ~2-3 ms of CPU on this machine, several times what it costs
the daemon: 200 pollers asking twice a second keep one Python process busy, and its late loop
then counts in every latency. Child processes let the clients use what CPU the daemon leaves,
as clients on other machines would; each reports its samples, its loop's lateness and the CPU
it used while polling when the bench closes its standard input.
"""

from __future__ import annotations

import collections
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field

import anyio
import httpx
import orjson
from anyio.streams.buffered import BufferedByteStream

__all__ = [
    "PollerProcesses",
    "Samples",
    "cpu_seconds",
    "lag_monitor",
    "poll",
    "pollers",
    "raw_poll",
    "worker",
]


@dataclass
class Samples:
    """(sent at, seconds taken) per request, and the failures."""

    times: list[tuple[float, float]] = field(default_factory=list)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    """Failed requests by what went wrong (an HTTP status, or the exception's name)."""

    @property
    def errors(self) -> int:
        return sum(self.failures.values())

    def between(self, start: float, end: float) -> list[float]:
        return [took for sent, took in self.times if start <= sent <= end]

    def merge(self, other: Samples) -> None:
        self.times.extend(other.times)
        self.failures.update(other.failures)


def cpu_seconds() -> float:
    """User + system CPU this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def poll(
    client: httpx.AsyncClient, path: str, every: float, samples: Samples, offset: float
) -> None:
    """Ask for `path` every `every` seconds, forever (the caller cancels)."""
    await anyio.sleep(offset)
    next_at = time.monotonic()
    while True:
        sent = time.time()
        began = time.perf_counter()
        try:
            response = await client.get(path)
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            samples.failures[f"{path} {exc.response.status_code}: {exc.response.text[:200]}"] += 1
        except httpx.HTTPError as exc:
            samples.failures[f"{path} {type(exc).__name__}: {exc}"[:300]] += 1
        else:
            samples.times.append((sent, time.perf_counter() - began))
        next_at += every
        await anyio.sleep(max(0.0, next_at - time.monotonic()))


async def raw_poll(
    url: str, token: str, path: str, every: float, samples: Samples, offset: float
) -> None:
    """`poll` with a minimal HTTP/1.1 client (one keep-alive connection, whole answers read
    by Content-Length): ~0.1 ms of CPU a request instead of httpx's milliseconds, so that the
    clients' own cost leaves the daemon's figures (`--raw-pollers`)."""
    host, _, port = url.removeprefix("http://").rpartition(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    await anyio.sleep(offset)
    next_at = time.monotonic()
    connection: BufferedByteStream | None = None
    while True:
        sent = time.time()
        began = time.perf_counter()
        try:
            if connection is None:
                connection = BufferedByteStream(await anyio.connect_tcp(host, int(port)))
            await connection.send(request)
            head = await connection.receive_until(b"\r\n\r\n", 65536)
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await connection.receive_exactly(length) if length else b""
        except (OSError, anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError) as exc:
            samples.failures[f"{path} {type(exc).__name__}: {exc}"[:300]] += 1
            connection = None
        else:
            if status == 200:
                samples.times.append((sent, time.perf_counter() - began))
            else:
                samples.failures[f"{path} {status}: {body[:200]!r}"] += 1
        next_at += every
        await anyio.sleep(max(0.0, next_at - time.monotonic()))


async def lag_monitor(lags: list[float], every: float = 0.01) -> None:
    """How late this process's own loop wakes up: when it is busy, the latencies measured
    here include time the clients, not the daemon, took."""
    while True:
        began = time.perf_counter()
        await anyio.sleep(every)
        lags.append(time.perf_counter() - began - every)


async def pollers(
    url: str,
    token: str,
    path: str,
    span: range,
    total: int,
    every: float,
    samples: Samples,
    raw: bool = False,
) -> None:
    """Pollers number `span` of `total` (their start times spread over `every`), sharing one
    httpx client (`raw`: each its own `raw_poll` connection), forever (the caller cancels)."""
    if raw:
        async with anyio.create_task_group() as tg:
            for i in span:
                offset = every * i / max(1, total)
                tg.start_soon(raw_poll, url, token, path, every, samples, offset)
        return
    limits = httpx.Limits(max_connections=len(span) + 8, max_keepalive_connections=None)
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=url, headers=auth, timeout=120, limits=limits) as client,
        anyio.create_task_group() as tg,
    ):
        for i in span:
            tg.start_soon(poll, client, path, every, samples, every * i / max(1, total))


async def worker(
    url: str, path: str, first: int, count: int, total: int, every: float, raw: bool
) -> None:
    """`--poll-worker`: run pollers `first`..`first + count` until standard input closes
    (saying `polling` once they have begun), then print their samples, this loop's lateness
    and the CPU used meanwhile (JSON)."""
    samples, lags = Samples(), list[float]()
    began = cpu_seconds()
    async with anyio.create_task_group() as tg:
        tg.start_soon(lag_monitor, lags)
        span = range(first, first + count)
        token = os.environ["HARMONIA_TOKEN"]
        tg.start_soon(pollers, url, token, path, span, total, every, samples, raw)
        sys.stdout.buffer.write(b"polling\n")
        sys.stdout.flush()
        await anyio.to_thread.run_sync(sys.stdin.read)
        tg.cancel_scope.cancel()
    report = {
        "times": samples.times,
        "failures": dict(samples.failures),
        "lags": lags,
        "cpu": cpu_seconds() - began,
    }
    sys.stdout.buffer.write(orjson.dumps(report))
    sys.stdout.flush()


def _finish(child: subprocess.Popen[bytes]) -> bytes:
    out, _ = child.communicate(b"", timeout=120)
    return out


class PollerProcesses:
    """`total` pollers of `path` spread over `processes` child processes (running from
    construction to `stop`)."""

    def __init__(
        self,
        script: str,
        url: str,
        token: str,
        path: str,
        total: int,
        every: float,
        processes: int,
        raw: bool,
    ) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        share, extra = divmod(total, processes)
        first = 0
        for n in range(processes):
            count = share + (1 if n < extra else 0)
            command = [sys.executable, script, "--poll-worker", url, path]
            command += [str(first), str(count), str(total), str(every), str(int(raw))]
            self.children.append(
                subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env={**os.environ, "HARMONIA_TOKEN": token},
                )
            )
            first += count

    async def started(self) -> None:
        """Wait until every child polls (they take a second or more to start)."""
        for child in self.children:
            assert child.stdout is not None
            line = await anyio.to_thread.run_sync(child.stdout.readline)
            assert line == b"polling\n", line

    async def stop(self) -> tuple[Samples, list[float], float]:
        """Every child's samples, their loops' lateness, and the CPU they used polling."""
        samples, lags, cpu = Samples(), list[float](), 0.0
        for child in self.children:
            out = await anyio.to_thread.run_sync(_finish, child)
            report = orjson.loads(out)
            samples.merge(
                Samples(
                    [(sent, took) for sent, took in report["times"]],
                    collections.Counter(report["failures"]),
                )
            )
            lags.extend(report["lags"])
            cpu += report["cpu"]
        return samples, lags, cpu

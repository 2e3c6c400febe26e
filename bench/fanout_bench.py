"""Fan-out: 20 SSE clients and 5 WebSocket clients watch a 10,000-task DAG run in harmoniad.

    python bench/fanout_bench.py [--tasks 10000] [--sse 20] [--ws 5] [--repeat 3]

The DAG (bench/_dags.py `random_dag`, `core.echo` tasks) runs on a fresh daemon each time:
alone, then with every client attached, `--repeat` times each, the two kinds interleaved so that
a drift in the machine's speed hits both (medians and bests are printed). Its roots wait for a
`gate` task (`core.sleep`, `--gate` seconds) during which the clients connect, so they all watch
the DAG live from its first task. The DAG's time runs from the gate's completion to the last
event, as the engine recorded them, so client-side work does not count unless it slows the
daemon. Each client checks that it got every event exactly once, in seq order.
Latency is from an event's timestamp (taken when the engine records it, before the group
commit) to its receipt by a client, p50/p99 over all clients and events.

The daemon's main thread runs the engine and serves the API: its time on a CPU during the run
(the workflow already loaded) says how much work the clients add to it, and its time spent
ready but waiting for a CPU says whether the clients' process took the CPU from it (Linux
schedstat). The clients are real HTTP and WebSocket clients (httpx, websockets), all 25 as
coroutines in this one Python process, separate from the daemon's (`--client-nice` lowers their
priority; 0 by default): a client only reads and keeps what arrives (raw SSE chunks, WebSocket
text frames) and leaves splitting it into events until the run is over; WebSocket clients ask
for batch frames (`?batch=true`; `--ws-frames event` for one frame per event). The printed
time from the DAG's end to the last client's last event says how far behind the clients were.
`--profile DIR` runs each daemon under cProfile (exact call counts per event).

Prints three figures (medians over the runs), and asserts nothing about time:
- the daemon's CPU cost per event per client: its whole process's CPU time (every thread) with
  the clients minus without them, over events x clients, in µs;
- the ratio to no clients: the DAG's time with the clients over its time alone;
- the commit-to-client latency, p50 and p99 over every event of every client (targets: at most
  100 ms and 300 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _daemon import Daemon, parse_time, percentile, running_daemon
from _dags import gated_workflow, random_dag

_SSE_EVENT = re.compile(
    rb'^data: \{"seq":(\d+),"type":"\w+","execution_id":"[^"]*",'
    rb'"task_id":(?:null|"[^"]*"),"timestamp":"([^"]+)"',
    re.MULTILINE,
)
"""An SSE message's seq and timestamp, read from its `data:` line (the daemon writes an Event's
keys in this order): one C-level scan per chunk instead of a JSON parse per event."""


class Watcher:
    """What one client received: each read's arrival time and its raw bytes (SSE) or text
    frame (WebSocket).

    While the DAG runs a client only reads and keeps what arrives; splitting it into events
    waits until the run is over, so that the clients, which share this one process and the
    machine's CPUs with the daemon, take as little CPU as a client can while it matters. Each
    event's latency is from its timestamp to the arrival of the read that completed it."""

    def __init__(self, kind: str, *, batch: bool = False) -> None:
        self.kind = kind
        self.batch = batch
        self.arrivals: list[tuple[float, bytes | str]] = []
        self._events: list[tuple[float, int, str]] | None = None

    def saw(self, data: bytes | str) -> None:
        self.arrivals.append((time.time(), data))

    @property
    def first_at(self) -> float:
        return self.arrivals[0][0] if self.arrivals else 0.0

    @property
    def done_at(self) -> float:
        return self.arrivals[-1][0] if self.arrivals else 0.0

    def events(self) -> list[tuple[float, int, str]]:
        """(arrival, seq, timestamp) of every event received, in arrival order."""
        if self._events is None:
            self._events = self._sse() if self.kind == "sse" else self._ws()
        return self._events

    def _sse(self) -> list[tuple[float, int, str]]:
        out: list[tuple[float, int, str]] = []
        pending = b""
        for at, chunk in self.arrivals:
            assert isinstance(chunk, bytes)
            pending += chunk
            cut = pending.rfind(b"\n\n") + 2
            if cut < 2:
                continue
            complete, pending = pending[:cut], pending[cut:]
            found = _SSE_EVENT.findall(complete)
            out.extend((at, int(seq), stamp.decode()) for seq, stamp in found)
        return out

    def _ws(self) -> list[tuple[float, int, str]]:
        out: list[tuple[float, int, str]] = []
        for at, frame in self.arrivals:
            message = orjson.loads(frame)
            for event in message["events"] if self.batch else (message,):
                out.append((at, event["seq"], event["timestamp"]))
        return out

    @property
    def seqs(self) -> list[int]:
        return [seq for _, seq, _ in self.events()]

    def latencies(self) -> list[float]:
        stamps = _Stamps()
        return [at - stamps.parse(stamp) for at, _, stamp in self.events()]

    def check(self, last_seq: int) -> None:
        seqs = self.seqs
        if seqs != list(range(1, last_seq + 1)):
            missing = sorted(set(range(1, last_seq + 1)) - set(seqs))
            raise AssertionError(
                f"{self.kind} client: {len(seqs)} events for {last_seq}, "
                f"missing {missing[:5]}, in order: {seqs == sorted(seqs)}"
            )


class _Stamps:
    """`2026-11-26T13:05:01.123Z` to Unix seconds, parsing each distinct second once."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}

    def parse(self, stamp: str) -> float:
        second, fraction = stamp[:19], stamp[19:].rstrip("Z")
        base = self._seconds.get(second)
        if base is None:
            base = self._seconds[second] = parse_time(second + "Z")
        return base + (float(fraction) if fraction else 0.0)


async def sse_client(client: httpx.AsyncClient, execution_id: str, watcher: Watcher) -> None:
    """Read the stream to its end (the daemon ends it after the terminal event), keeping each
    read as it comes."""
    async with client.stream("GET", f"/events/executions/{execution_id}") as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            watcher.saw(chunk)


async def ws_client(daemon: Daemon, execution_id: str, watcher: Watcher) -> None:
    """Read frames until the daemon closes after the terminal event: one event per frame, or
    `{"type": "batch", "events": [...]}` frames with `watcher.batch`."""
    url = f"{daemon.ws_url}/ws/executions/{execution_id}?after=0"
    if watcher.batch:
        url += "&batch=true"
    async with connect(url, additional_headers=daemon.auth, max_size=None) as ws:
        async for frame in ws:
            watcher.saw(frame)


def set_priority(nice: int) -> None:
    """This process's (the clients') priority; the daemon keeps the one it started with."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except PermissionError:
        print(f"(cannot set the clients' priority to {nice}: not allowed here)")


@dataclass
class Run:
    duration: float
    last_seq: int
    cpu: float
    client_cpu: float
    main_cpu: float
    main_waited: float
    rss_mb: float
    finished_at: float
    watchers: list[Watcher] = field(default_factory=list)


def gated(graph: dict[str, list[str]], gate_seconds: float) -> dict[str, Any]:
    return gated_workflow("fanout", graph, gate_seconds)


async def run_dag(
    graph: dict[str, list[str]], args: argparse.Namespace, sse: int, ws: int, label: str
) -> Run:
    """Run the DAG on a fresh daemon with `sse` + `ws` clients attached."""
    document = gated(graph, args.gate)
    profile = None
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        profile = args.profile / f"daemon-{label}.prof"
    set_priority(0)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_daemon(Path(tmp) / "data", profile=profile) as daemon,
    ):
        set_priority(args.client_nice)
        limits = httpx.Limits(max_connections=sse + 1)
        async with (
            httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=120) as api,
            httpx.AsyncClient(
                base_url=daemon.url, headers=daemon.auth, timeout=None, limits=limits
            ) as streams,
        ):
            watchers = [Watcher("sse") for _ in range(sse)]
            watchers += [Watcher("ws", batch=args.ws_batch) for _ in range(ws)]
            peak_rss = daemon.rss_mb()
            cpu_before = daemon.cpu_seconds()
            client_cpu_before = time.process_time()
            async with anyio.create_task_group() as tg:
                response = await api.post("/api/v1/executions", json={"workflow": document})
                response.raise_for_status()
                execution_id = response.json()["id"]
                main_before = daemon.main_thread_sched()  # the workflow is loaded by now
                for watcher in watchers:
                    if watcher.kind == "sse":
                        tg.start_soon(sse_client, streams, execution_id, watcher)
                    else:
                        tg.start_soon(ws_client, daemon, execution_id, watcher)
                # wait for the end by polling the listing (a stream would be one more client)
                while True:
                    peak_rss = max(peak_rss, daemon.rss_mb())
                    listing = await api.get(
                        "/api/v1/executions", params={"status": "completed", "limit": 1}
                    )
                    if listing.json()["items"]:
                        break
                    await anyio.sleep(0.1)
                # the streams end after the terminal event; one that does not fails the check
                tg.cancel_scope.deadline = anyio.current_time() + 120
            # the daemon's work for the clients ends with their streams
            cpu = daemon.cpu_seconds() - cpu_before
            main_after = daemon.main_thread_sched()
            client_cpu = time.process_time() - client_cpu_before
            shown = (await api.get(f"/api/v1/executions/{execution_id}")).json()
            assert shown["status"] == "completed", shown["status"]
            gate_done = parse_time(shown["tasks"]["gate"]["finished_at"])
            late = [w for w in watchers if not w.first_at or w.first_at > gate_done]
            if late:
                print(
                    f"  ({len(late)} client(s) attached after the gate opened: use a longer --gate)"
                )
            finished = parse_time(shown["finished_at"])
            return Run(
                duration=finished - gate_done,
                last_seq=int(shown["last_seq"]),
                cpu=cpu,
                client_cpu=client_cpu,
                main_cpu=main_after[0] - main_before[0],
                main_waited=main_after[1] - main_before[1],
                rss_mb=peak_rss,
                finished_at=finished,
                watchers=watchers,
            )


async def main(args: argparse.Namespace) -> None:
    graph = random_dag(args.tasks)
    print(
        f"python={sys.version.split()[0]} tasks={args.tasks} sse={args.sse} ws={args.ws} "
        f"repeat={args.repeat} client-nice={args.client_nice} "
        f"ws-frames={'batch' if args.ws_batch else 'one per event'}"
    )
    alone: list[Run] = []
    watched: list[Run] = []
    for i in range(args.repeat):  # interleaved, so that a drift in the machine hits both
        alone.append(await run_dag(graph, args, 0, 0, f"alone-{i}"))
        watched.append(await run_dag(graph, args, args.sse, args.ws, f"watched-{i}"))
    for run in watched:
        for watcher in run.watchers:
            watcher.check(run.last_seq)
    t_alone = statistics.median(r.duration for r in alone)
    t_watched = statistics.median(r.duration for r in watched)
    for label, runs in (("without clients", alone), ("with clients", watched)):
        durations = ", ".join(f"{r.duration:.2f}" for r in runs)
        print(
            f"{label:>15}: DAG {statistics.median(r.duration for r in runs):5.2f} s "
            f"(runs {durations})  daemon CPU {statistics.median(r.cpu for r in runs):.2f} s "
            f"(main thread {statistics.median(r.main_cpu for r in runs):.2f} s, waiting for a "
            f"CPU {statistics.median(r.main_waited for r in runs):.3f} s)  "
            f"RSS {max(r.rss_mb for r in runs):.0f} MB"
        )
    clients = args.sse + args.ws
    events = alone[0].last_seq
    extra_cpu = statistics.median(r.cpu for r in watched) - statistics.median(r.cpu for r in alone)
    latencies = [v for run in watched for w in run.watchers for v in w.latencies()]
    p50, p99 = percentile(latencies, 50) * 1e3, percentile(latencies, 99) * 1e3
    backlog = statistics.median(
        max(w.done_at for w in run.watchers) - run.finished_at for run in watched
    )
    met = "met" if p50 <= 100 and p99 <= 300 else "MISSED"
    print(
        f"every client got every event exactly once, in seq order ({clients} clients x "
        f"{events} events x {args.repeat} runs); clients' own CPU "
        f"{statistics.median(r.client_cpu for r in watched):.2f} s; the last client had the "
        f"last event {backlog:.2f} s after the DAG ended\n"
        f"daemon CPU per event per client: {extra_cpu / (events * clients) * 1e6:.2f} µs\n"
        f"ratio to no clients: {t_watched / t_alone:.2f}x\n"
        f"commit-to-client latency: p50 {p50:.0f} ms, p99 {p99:.0f} ms "
        f"(target <= 100 ms / 300 ms: {met})"
    )


if __name__ == "__main__":
    parser = bench_parser(__doc__, tasks=10_000, sse=20, ws=5, repeat=3, client_nice=0)
    parser.add_argument("--gate", type=float, default=3.0, help="seconds the clients get to attach")
    parser.add_argument(
        "--ws-frames",
        choices=("event", "batch"),
        default="batch",
        help="WebSocket clients take one frame per event, or ask for batch frames (?batch=true)",
    )
    parser.add_argument(
        "--profile", type=Path, help="run each daemon under cProfile, writing FOLDER/daemon-*.prof"
    )
    parsed = parser.parse_args()
    parsed.ws_batch = parsed.ws_frames == "batch"
    anyio.run(main, parsed, backend="asyncio")

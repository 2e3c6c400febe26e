"""Fan-out: 20 SSE clients and 5 WebSocket clients watch a 10,000-task DAG run in harmoniad.

    python bench/fanout_bench.py [--tasks 10000] [--sse 20] [--ws 5] [--repeat 3]

The DAG (bench/_dags.py `random_dag`, `core.echo` tasks) runs on a fresh daemon each time:
alone, then with every client attached, `--repeat` times each (medians are printed). Its roots
wait for a `gate` task (`core.sleep`, `--gate` seconds) during which the clients connect, so
they all watch the DAG live from its first task. The DAG's time runs from the gate's completion
to the last event, as the engine recorded them, so client-side work does not count unless it
slows the daemon; the daemon's CPU time (gate included) is printed too. Each client checks
that it got every event exactly once, in seq order.
Latency is from an event's timestamp (taken when the engine records it, before the group
commit) to its receipt by a client, p50/p99 over all clients and events.

The clients run in this one Python process, at a lower priority than the daemon (`--client-nice`)
so that on a small machine their parsing does not take the daemon's CPU; with 25 clients they
receive half a million messages, and while the daemon produces them faster than one Python
process can parse them, the latency figure measures the clients' backlog as much as the daemon.
Prints the figures and the with/without ratio (target: 1.3x or less); asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
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

from _daemon import Daemon, parse_time, percentile, running_daemon
from _dags import echo_workflow, random_dag

TERMINAL = ("workflow_completed", "workflow_failed", "workflow_canceled")


class Watcher:
    """What one client saw: seqs in arrival order and the latency of each event."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seqs: list[int] = []
        self.latencies: list[float] = []
        self.first_at = 0.0
        self.done_at = 0.0

    def saw(self, event: dict[str, Any]) -> bool:
        now = time.time()
        self.first_at = self.first_at or now
        self.seqs.append(int(event["seq"]))
        self.latencies.append(now - parse_time(event["timestamp"]))
        if event["type"] in TERMINAL:
            self.done_at = now
            return True
        return False

    def check(self, last_seq: int) -> None:
        if self.seqs != list(range(1, last_seq + 1)):
            missing = sorted(set(range(1, last_seq + 1)) - set(self.seqs))
            raise AssertionError(
                f"{self.kind} client: {len(self.seqs)} events for {last_seq}, "
                f"missing {missing[:5]}, in order: {self.seqs == sorted(self.seqs)}"
            )


async def sse_client(client: httpx.AsyncClient, execution_id: str, watcher: Watcher) -> None:
    """A lean SSE reader (split on blank lines, JSON-decode `data:`), so that one Python process
    keeps up with 20 streams better; httpx-sse decodes line by line."""
    async with client.stream("GET", f"/events/executions/{execution_id}") as response:
        response.raise_for_status()
        pending = b""
        async for chunk in response.aiter_raw():
            pending += chunk
            *messages, pending = pending.split(b"\n\n")
            for message in messages:
                _, found, data = message.rpartition(b"\ndata: ")
                if not found:
                    continue  # a ping comment
                if watcher.saw(orjson.loads(data)):
                    return


async def ws_client(daemon: Daemon, execution_id: str, watcher: Watcher) -> None:
    url = f"{daemon.ws_url}/ws/executions/{execution_id}?after=0"
    async with connect(url, additional_headers=daemon.auth, max_size=None) as ws:
        async for frame in ws:
            if watcher.saw(orjson.loads(frame)):
                return


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
    rss_mb: float
    finished_at: float
    watchers: list[Watcher] = field(default_factory=list)


def gated(graph: dict[str, list[str]], gate_seconds: float) -> dict[str, Any]:
    """The DAG behind a `gate` task that sleeps while the clients connect; its roots depend on
    the gate, so the DAG proper starts when the gate completes."""
    document = echo_workflow("fanout", {t: deps or ["gate"] for t, deps in graph.items()})
    document["tasks"]["gate"] = {
        "component": "core",
        "action": "sleep",
        "input": {"seconds": gate_seconds},
    }
    return document


async def run_dag(
    graph: dict[str, list[str]], sse: int, ws: int, client_nice: int, gate: float
) -> Run:
    """Run the DAG on a fresh daemon with `sse` + `ws` clients attached."""
    document = gated(graph, gate)
    set_priority(0)
    with tempfile.TemporaryDirectory() as tmp, running_daemon(Path(tmp) / "data") as daemon:
        set_priority(client_nice)
        limits = httpx.Limits(max_connections=sse + 1)
        async with (
            httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=120) as api,
            httpx.AsyncClient(
                base_url=daemon.url, headers=daemon.auth, timeout=None, limits=limits
            ) as streams,
        ):
            watchers = [Watcher("sse") for _ in range(sse)] + [Watcher("ws") for _ in range(ws)]
            peak_rss = daemon.rss_mb()
            cpu_before = daemon.cpu_seconds()
            async with anyio.create_task_group() as tg:
                response = await api.post("/api/v1/executions", json={"workflow": document})
                response.raise_for_status()
                execution_id = response.json()["id"]
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
                cpu = daemon.cpu_seconds() - cpu_before
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
                rss_mb=peak_rss,
                finished_at=finished,
                watchers=watchers,
            )


async def main(args: argparse.Namespace) -> None:
    graph = random_dag(args.tasks)
    print(
        f"python={sys.version.split()[0]} tasks={args.tasks} sse={args.sse} ws={args.ws} "
        f"repeat={args.repeat} client-nice={args.client_nice}"
    )
    alone = [await run_dag(graph, 0, 0, args.client_nice, args.gate) for _ in range(args.repeat)]
    watched = [
        await run_dag(graph, args.sse, args.ws, args.client_nice, args.gate)
        for _ in range(args.repeat)
    ]
    for run in watched:
        for watcher in run.watchers:
            watcher.check(run.last_seq)
    t_alone = statistics.median(r.duration for r in alone)
    t_watched = statistics.median(r.duration for r in watched)
    runs_alone = ", ".join(f"{r.duration:.2f}" for r in alone)
    print(
        f"without clients: DAG {t_alone:6.2f} s (runs {runs_alone})"
        f"  daemon CPU {statistics.median(r.cpu for r in alone):.2f} s"
        f"  RSS {max(r.rss_mb for r in alone):.0f} MB  ({alone[0].last_seq} events)"
    )
    print(
        f"with {args.sse} SSE + {args.ws} WebSocket clients: DAG {t_watched:6.2f} s "
        f"(runs {', '.join(f'{r.duration:.2f}' for r in watched)})"
        f"  daemon CPU {statistics.median(r.cpu for r in watched):.2f} s"
        f"  RSS {max(r.rss_mb for r in watched):.0f} MB"
    )
    print(
        f"every client got every event exactly once, in seq order "
        f"({args.sse + args.ws} clients x {watched[0].last_seq} events x {args.repeat} runs)"
    )
    latencies = [v for run in watched for w in run.watchers for v in w.latencies]
    backlog = statistics.median(
        max(w.done_at for w in run.watchers) - run.finished_at for run in watched
    )
    print(
        f"ratio with/without: {t_watched / t_alone:.2f}x (target <= 1.3x)\n"
        f"commit-to-client latency: p50 {percentile(latencies, 50) * 1e3:.1f} ms  "
        f"p99 {percentile(latencies, 99) * 1e3:.1f} ms  (the last client had the last event "
        f"{backlog:.2f} s after the DAG ended)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sse", type=int, default=20)
    parser.add_argument("--ws", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--client-nice", type=int, default=10)
    parser.add_argument("--gate", type=float, default=3.0, help="seconds the clients get to attach")
    anyio.run(main, parser.parse_args(), backend="asyncio")

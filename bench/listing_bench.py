"""Listing under load: 200 clients poll the executions list while a 5,000-task run streams.

    python bench/listing_bench.py [--tasks 5000] [--stored 40] [--pollers 200] [--sse 50]
                                  [--interval 0.5] [--repeat 5] [--heavy-tasks 200000] [--quick]
                                  [--poller-processes N] [--raw-pollers]
                                  [--http auto|h11|httptools]

One real `harmoniad` (a subprocess, fresh data folder) holds `--stored` stored workflows of
`--tasks` tasks each (uploaded through the API first, as a busy daemon's catalog would). The
run's workflow (a seeded random DAG of `core.echo` tasks behind a short `gate` task) is written
to a YAML file, read back, stored through the API and started by its id. It runs alone, then
with the load, `--repeat` times each, interleaved so a drift in the machine hits both:

- `--pollers` clients, each asking for `GET /api/v1/executions` every `--interval` seconds
  (on its own schedule; a late answer is not made up for);
- `--sse` clients following the run's SSE stream from before the gate opens to its end;
- one client asking for `/health` every 50 ms.

All of them are httpx async clients, separate from the daemon's process: the pollers in this
one (or, with `--poller-processes N`, spread over N child processes: an httpx request costs its
client several times what it costs the daemon, and one process of 200 pollers is busy), the SSE
clients in a child process of their own (the bytes they read would keep this process busy and
inflate the pollers' timings; how late the pollers' loops woke is printed too, and the CPU the
clients and the daemon used). `--raw-pollers` makes the pollers minimal HTTP/1.1 clients (one
keep-alive connection each, whole answers read) at a tenth of httpx's CPU: what the daemon
does when its clients' cost is not on its machine. `--http h11|httptools` picks the daemon's
HTTP parser. The defaults are the figures of record; the header says how they were taken.
The run's time is from the gate's completion to its end, as the engine recorded them, so
client-side work counts only if it slows the daemon. Latencies count requests sent while the
execution existed (gate included). Prints poll p50/p99, `/health` p99 and the run's time alone
and with the load (aims: poll p99 under 250 ms, the run at most 1.5x its time alone); asserts
nothing about time. After the run, the stream relay and the SSE clients still move the backlog
of events (hundreds of MB): on two cores that slows everything for a few seconds, which these
figures leave out (`--samples FILE` keeps every timing, to look at that too).
`--client-nice N` lowers the clients' priority (both processes). `--quick` keeps the load
(pollers, streams, the run's size) but stores 5 workflows, runs once each way and skips the
heavy workflow: a short check, for a machine shared with others, not the real figures.

`--heavy-tasks N` then stores and starts one N-task workflow (200,000 by default; 0 skips it)
while `/health` is asked every 20 ms, and prints how long `/health` took meanwhile: the daemon
parses and checks such a document off its event loop.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _daemon import Daemon, parse_time, percentile, running_daemon
from _dags import echo_workflow, gated_workflow, random_dag
from _pollers import PollerProcesses, Samples, cpu_seconds, lag_monitor, poll, pollers, worker

MAX_BODY = 256 * 1024 * 1024
"""The daemon's request size limit here: the heavy workflow is tens of megabytes."""


async def follow(client: httpx.AsyncClient, execution_id: str, received: list[int]) -> None:
    """Read the run's SSE stream to its end, keeping only how many bytes arrived."""
    async with client.stream("GET", f"/events/executions/{execution_id}") as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            received.append(len(chunk))


def gated(graph: dict[str, list[str]], gate_seconds: float) -> dict[str, Any]:
    return gated_workflow("listing-run", graph, gate_seconds)


async def store_file(api: httpx.AsyncClient, path: Path) -> str:
    """Store the workflow file at `path` (YAML) through the API; its id."""
    response = await api.post(
        "/api/v1/workflows",
        content=await anyio.Path(path).read_bytes(),
        headers={"Content-Type": "application/yaml"},
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def fill_catalog(api: httpx.AsyncClient, count: int, tasks: int) -> float:
    """Store `count` workflows of `tasks` tasks each; seconds taken."""
    began = time.perf_counter()
    for i in range(count):
        document = echo_workflow(f"stored-{i}", random_dag(tasks, seed=100 + i))
        response = await api.post(
            "/api/v1/workflows",
            content=orjson.dumps(document),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
    return time.perf_counter() - began


@dataclass
class Run:
    duration: float
    window: tuple[float, float]
    polls: Samples
    health: Samples
    client_lag: list[float]
    streamed: int
    pollers_cpu: float
    """CPU seconds the pollers used meanwhile (this whole process's, when they run in it)."""
    pollers_polls: int
    """How many polls they made meanwhile."""
    streams_cpu: float
    """CPU seconds the SSE clients' process used following the run."""
    daemon_cpu: float
    """CPU seconds the daemon used from the run's start to its end (all threads)."""
    loop_cpu: tuple[float, float]
    """The daemon's main thread (event loop) meanwhile: seconds on a CPU, seconds waiting
    for one (on a shared machine the second is the others' doing)."""


async def status_of(api: httpx.AsyncClient, execution_id: str) -> str:
    """From the listing (newest first), not the whole execution document."""
    for row in (await api.get("/api/v1/executions", params={"limit": 10})).json()["items"]:
        if row["id"] == execution_id:
            return str(row["status"])
    raise AssertionError(f"{execution_id} is not listed")


def stream_worker(daemon: Daemon, execution_id: str, count: int) -> subprocess.Popen[str]:
    """The SSE clients, in a process of their own: the bytes they read (hundreds of MB) would
    otherwise keep this process's loop, and so the pollers' timings, busy."""
    return subprocess.Popen(
        [sys.executable, __file__, "--stream-worker", daemon.url, execution_id, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HARMONIA_TOKEN": daemon.token},
    )


async def run_once(daemon: Daemon, workflow_id: str, args: argparse.Namespace, loaded: bool) -> Run:
    count = args.pollers if loaded else 0
    polls, health, lags = Samples(), Samples(), list[float]()
    streams = children = None
    path = "/api/v1/executions"
    if count and args.poller_processes:
        children = PollerProcesses(
            __file__,
            daemon.url,
            daemon.token,
            path,
            count,
            args.interval,
            args.poller_processes,
            args.raw_pollers,
        )
        await children.started()
    async with (
        httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=120) as api,
        anyio.create_task_group() as background,
    ):
        background.start_soon(lag_monitor, lags)
        if count and children is None:
            span = range(count)
            background.start_soon(
                pollers,
                daemon.url,
                daemon.token,
                path,
                span,
                count,
                args.interval,
                polls,
                args.raw_pollers,
            )
        background.start_soon(poll, api, "/health", 0.05, health, 0.0)
        cpu_before, sched_before = daemon.cpu_seconds(), daemon.main_thread_sched()
        own_before, own_since = cpu_seconds(), time.time()
        response = await api.post("/api/v1/executions", json={"workflow_id": workflow_id})
        response.raise_for_status()
        execution_id = response.json()["id"]
        if loaded and args.sse:
            streams = stream_worker(daemon, execution_id, args.sse)
        # polled like the others (a stream would be one more client)
        while await status_of(api, execution_id) in ("pending", "running"):  # noqa: ASYNC110
            await anyio.sleep(0.2)
        cpu_after, sched_after = daemon.cpu_seconds(), daemon.main_thread_sched()
        pollers_cpu = cpu_seconds() - own_before
        pollers_polls = sum(1 for sent, _ in polls.times if sent >= own_since)
        shown = (await api.get(f"/api/v1/executions/{execution_id}")).json()
        background.cancel_scope.cancel()  # the pollers (and this block: nothing more after it)
    if children is not None:
        polls, child_lags, pollers_cpu = await children.stop()
        lags += child_lags
        pollers_polls = len(polls.times)
    streamed, streams_cpu = 0, 0.0
    if streams is not None:
        out, _ = await anyio.to_thread.run_sync(lambda: streams.communicate(timeout=120))
        streamed_text, cpu_text = out.split()[-2:]
        streamed, streams_cpu = int(streamed_text), float(cpu_text)
    assert shown["status"] == "completed", shown["status"]
    gate_done = parse_time(shown["tasks"]["gate"]["finished_at"])
    finished = parse_time(shown["finished_at"])
    return Run(
        duration=finished - gate_done,
        window=(parse_time(shown["created_at"]), finished),
        polls=polls,
        health=health,
        client_lag=lags,
        streamed=streamed,
        pollers_cpu=pollers_cpu,
        pollers_polls=pollers_polls if count else 0,
        streams_cpu=streams_cpu,
        daemon_cpu=cpu_after - cpu_before,
        loop_cpu=(sched_after[0] - sched_before[0], sched_after[1] - sched_before[1]),
    )


async def stream_clients(url: str, execution_id: str, count: int) -> None:
    """`--stream-worker`: follow one execution's SSE stream with `count` clients; print how
    many bytes they read in all."""
    received: list[list[int]] = [[] for _ in range(count)]
    began = cpu_seconds()
    auth = {"Authorization": f"Bearer {os.environ['HARMONIA_TOKEN']}"}
    limits = httpx.Limits(max_connections=count)
    async with (
        httpx.AsyncClient(base_url=url, headers=auth, timeout=None, limits=limits) as client,
        anyio.create_task_group() as tg,
    ):
        for chunks in received:
            tg.start_soon(follow, client, execution_id, chunks)
    print(sum(sum(chunks) for chunks in received), cpu_seconds() - began, flush=True)


async def heavy_load(daemon: Daemon, tasks: int, folder: Path) -> None:
    """Store and start one `tasks`-task workflow while asking for `/health`."""
    path = folder / "heavy.json"
    # the loader refuses documents of over a million values: two per task here
    each = {"component": "core", "action": "echo"}
    path.write_bytes(
        orjson.dumps({"name": "heavy", "tasks": {f"t{i}": each for i in range(tasks)}})
    )
    health = Samples()
    async with httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=600) as api:
        async with anyio.create_task_group() as background:
            background.start_soon(poll, api, "/health", 0.02, health, 0.0)
            began = time.perf_counter()
            response = await api.post(
                "/api/v1/workflows",
                content=path.read_bytes(),
                headers={"Content-Type": "application/json"},
            )
            response.raise_for_status()
            stored_in = time.perf_counter() - began
            began = time.perf_counter()
            started = await api.post(
                "/api/v1/executions", json={"workflow_id": response.json()["id"]}
            )
            started.raise_for_status()
            started_in = time.perf_counter() - began
            background.cancel_scope.cancel()
        await api.post(f"/api/v1/executions/{started.json()['id']}/cancel")
    took = [t for _, t in health.times]
    print(
        f"heavy: a {tasks:,}-task workflow ({path.stat().st_size / 1e6:.1f} MB) stored in "
        f"{stored_in:.1f} s and started in {started_in:.1f} s; meanwhile /health "
        f"p50 {percentile(took, 50) * 1e3:.1f} ms  p99 {percentile(took, 99) * 1e3:.1f} ms  "
        f"max {max(took, default=float('nan')) * 1e3:.1f} ms ({len(took)} requests)"
    )


def set_priority(nice: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except PermissionError:
        print(f"(cannot set the clients' priority to {nice}: not allowed here)")


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1e3:.1f} ms"


async def main(args: argparse.Namespace) -> None:
    print(
        f"python={sys.version.split()[0]} tasks={args.tasks} stored={args.stored} "
        f"pollers={args.pollers} every {args.interval}s sse={args.sse} repeat={args.repeat} "
        f"cpus={os.cpu_count()} http={args.http}"
    )
    where = (
        f"in {args.poller_processes} child processes"
        if args.poller_processes
        else "in this process (one event loop)"
    )
    kind = "minimal HTTP/1.1 clients (--raw-pollers)" if args.raw_pollers else "httpx clients"
    print(f"the pollers are {kind} {where}; the SSE clients (httpx) in a child process")
    daemon_args = ["--max-body", str(MAX_BODY), "--http", args.http]
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_daemon(Path(tmp) / "data", *daemon_args) as daemon,
    ):
        set_priority(args.client_nice)
        folder = Path(tmp)
        run_file = folder / "run.yaml"
        document = gated(random_dag(args.tasks), args.gate)
        run_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        async with httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=600) as api:
            filled = await fill_catalog(api, args.stored, args.tasks)
            workflow_id = await store_file(api, run_file)
        catalog = (folder / "data" / "catalog.json").stat().st_size
        files = folder / "data" / "workflows"
        definitions = sum(p.stat().st_size for p in files.iterdir()) if files.exists() else 0
        print(
            f"stored {args.stored} workflows of {args.tasks:,} tasks in {filled:.1f} s: "
            f"catalog.json {catalog / 1e3:.1f} kB, definition files {definitions / 1e6:.1f} MB"
        )
        alone: list[Run] = []
        loaded: list[Run] = []
        for _ in range(args.repeat):
            alone.append(await run_once(daemon, workflow_id, args, loaded=False))
            loaded.append(await run_once(daemon, workflow_id, args, loaded=True))
        polls = [t for r in loaded for t in r.polls.between(*r.window)]
        health = [t for r in loaded for t in r.health.between(*r.window)]
        quiet_health = [t for r in alone for t in r.health.between(*r.window)]
        lags = [t for r in loaded for t in r.client_lag]
        errors = sum(r.polls.errors + r.health.errors for r in loaded)
        failures = collections.Counter[str]()
        for r in loaded:
            failures.update(r.polls.failures + r.health.failures)
        t_alone = statistics.median(r.duration for r in alone)
        t_loaded = statistics.median(r.duration for r in loaded)
        span = sum(r.window[1] - r.window[0] for r in loaded)
        print(
            f"run alone: {t_alone:.2f} s (runs {', '.join(f'{r.duration:.2f}' for r in alone)})"
            f"  /health p99 {ms(quiet_health, 99)}"
        )
        print(
            f"run with the load: {t_loaded:.2f} s "
            f"(runs {', '.join(f'{r.duration:.2f}' for r in loaded)}); "
            f"ratio {t_loaded / t_alone:.2f}x (aim <= 1.5x)"
        )
        print(
            f"polls during the executions: {len(polls)} ({len(polls) / span:.0f}/s) "
            f"p50 {ms(polls, 50)}  p99 {ms(polls, 99)}  max {ms(polls, 100)} (aim p99 < 250 ms)"
        )
        print(
            f"/health meanwhile: p50 {ms(health, 50)}  p99 {ms(health, 99)}  "
            f"max {ms(health, 100)}; {errors} failed requests; "
            f"{sum(r.streamed for r in loaded) / 1e6:.1f} MB streamed to {args.sse} SSE clients"
        )
        cpu_alone = statistics.median(r.daemon_cpu for r in alone)
        cpu_loaded = statistics.median(r.daemon_cpu for r in loaded)
        on_cpu = statistics.median(r.loop_cpu[0] for r in loaded)
        waiting = statistics.median(r.loop_cpu[1] for r in loaded)
        print(
            f"daemon CPU from start to end of a run: alone {cpu_alone:.2f} s, with the load "
            f"{cpu_loaded:.2f} s (its loop thread {on_cpu:.2f} s on a CPU, {waiting:.2f} s "
            f"ready but waiting for one)"
        )
        answered = sum(r.pollers_polls for r in loaded)
        pollers_cpu = sum(r.pollers_cpu for r in loaded)
        daemon_cpu = sum(r.daemon_cpu for r in loaded)
        print(
            f"clients' CPU in a loaded run (median): pollers "
            f"{statistics.median(r.pollers_cpu for r in loaded):.2f} s "
            f"({pollers_cpu / max(1, answered) * 1e3:.2f} ms a poll"
            f"{'' if args.poller_processes else ', this whole process'}), SSE clients "
            f"{statistics.median(r.streams_cpu for r in loaded):.2f} s; daemon "
            f"{daemon_cpu / max(1, answered) * 1e3:.2f} ms a poll "
            f"(all its CPU in the runs, the run's own included, divided by the polls)"
        )
        for what, count in failures.most_common():
            print(f"  failed x{count}: {what}")
        print(
            f"(the pollers' event loop{'s' if args.poller_processes > 1 else ''} woke late by "
            f"p50 {ms(lags, 50)}, p99 {ms(lags, 99)}: "
            f"that much of each latency may be the clients' and not the daemon's)"
        )
        if args.samples is not None:
            dump = [
                {
                    "created": r.window[0],
                    "gate_done": r.window[1] - r.duration,
                    "finished": r.window[1],
                    "polls": r.polls.times,
                    "health": r.health.times,
                }
                for r in loaded
            ]
            args.samples.write_bytes(orjson.dumps(dump))
        if args.heavy_tasks:
            await heavy_load(daemon, args.heavy_tasks, folder)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stream-worker"]:
        url, execution_id, count = sys.argv[2:5]
        anyio.run(stream_clients, url, execution_id, int(count), backend="asyncio")
        sys.exit(0)
    if sys.argv[1:2] == ["--poll-worker"]:
        url, path, first, count, total, every, raw = sys.argv[2:9]
        numbers = int(first), int(count), int(total), float(every)
        anyio.run(worker, url, path, *numbers, raw == "1", backend="asyncio")
        sys.exit(0)
    parser = bench_parser(
        __doc__, tasks=5_000, stored=40, pollers=200, interval=0.5, sse=50, repeat=5
    )
    parser.add_argument("--gate", type=float, default=2.0, help="seconds the streams get to attach")
    parser.add_argument("--client-nice", type=int, default=0)
    parser.add_argument(
        "--poller-processes",
        type=int,
        default=0,
        metavar="N",
        help="spread the pollers over N child processes (default 0: all in this one)",
    )
    parser.add_argument(
        "--raw-pollers",
        action="store_true",
        help="pollers with a minimal HTTP/1.1 client instead of httpx (a tenth of its CPU)",
    )
    parser.add_argument(
        "--http", choices=["auto", "h11", "httptools"], default="auto", help="the daemon's parser"
    )
    parser.add_argument("--heavy-tasks", type=int, default=200_000)
    parser.add_argument("--samples", type=Path, help="write every loaded run's timings here (JSON)")
    parser.add_argument(
        "--quick", action="store_true", help="--stored 5 --repeat 1 --heavy-tasks 0"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.stored, arguments.repeat, arguments.heavy_tasks = 5, 1, 0
    anyio.run(main, arguments, backend="asyncio")

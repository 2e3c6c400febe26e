"""Replay memory: many clients stream the whole history of a finished execution at once.

    python bench/replay_memory_bench.py [--tasks 10000] [--sse 40] [--ws 10] [--rounds 3]

A 10,000-task DAG (`core.echo`, ~20,000 events) runs to the end; the daemon is restarted, so the
execution is at rest (read from its journal, not held by the engine). Then, `--rounds` times,
`--sse` SSE and `--ws` WebSocket clients replay its whole history at once and hang up. The
daemon's resident memory (Linux /proc) is printed before, at its peak while they read, and once
they are gone (after the daemon has been idle for `--settle` seconds): what the replays keep
after they end is what `after - before` says. Each client checks it got every event in order.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import orjson
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _args import bench_parser
from _daemon import Daemon, running_daemon
from _dags import echo_workflow, random_dag


async def run_to_end(daemon: Daemon, document: dict[str, object]) -> tuple[str, int]:
    """Start the workflow and wait for its end: the execution id and its last seq."""
    async with httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=120) as api:
        response = await api.post("/api/v1/executions", json={"workflow": document})
        response.raise_for_status()
        execution_id = str(response.json()["id"])
        with anyio.fail_after(600):
            while True:
                shown = (await api.get(f"/api/v1/executions/{execution_id}")).json()
                if shown["status"] == "completed":
                    return execution_id, int(shown["last_seq"])
                await anyio.sleep(0.2)


async def sse_replay(client: httpx.AsyncClient, execution_id: str) -> int:
    """Read the whole stream; how many events it held."""
    count, pending = 0, b""
    async with client.stream("GET", f"/events/executions/{execution_id}") as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            pending += chunk
            cut = pending.rfind(b"\n\n") + 2
            if cut >= 2:
                count += pending.count(b"\ndata: ", 0, cut)
                pending = pending[cut:]
    return count


async def ws_replay(daemon: Daemon, execution_id: str) -> int:
    count = 0
    url = f"{daemon.ws_url}/ws/executions/{execution_id}?after=0&batch=true"
    async with connect(url, additional_headers=daemon.auth, max_size=None) as ws:
        async for frame in ws:
            count += len(orjson.loads(frame)["events"])
    return count


async def settle(daemon: Daemon, seconds: float) -> float:
    """The daemon's RSS once it has been idle `seconds` (the lowest seen meanwhile)."""
    lowest = daemon.rss_mb()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await anyio.sleep(0.2)
        lowest = min(lowest, daemon.rss_mb())
    return lowest


async def replay_round(daemon: Daemon, args: argparse.Namespace, execution_id: str) -> float:
    """All clients replay at once; the daemon's peak RSS meanwhile."""
    counts: list[int] = []
    peak = daemon.rss_mb()
    limits = httpx.Limits(max_connections=args.sse + 1)
    async with (
        httpx.AsyncClient(
            base_url=daemon.url, headers=daemon.auth, timeout=None, limits=limits
        ) as client,
        anyio.create_task_group() as tg,
    ):

        async def one(kind: str) -> None:
            if kind == "sse":
                counts.append(await sse_replay(client, execution_id))
            else:
                counts.append(await ws_replay(daemon, execution_id))

        for _ in range(args.sse):
            tg.start_soon(one, "sse")
        for _ in range(args.ws):
            tg.start_soon(one, "ws")
        while len(counts) < args.sse + args.ws:
            peak = max(peak, daemon.rss_mb())
            await anyio.sleep(0.05)
    args.seen_counts = counts
    return peak


async def main(args: argparse.Namespace) -> None:
    document = echo_workflow("replayed", random_dag(args.tasks))
    print(f"python={sys.version.split()[0]} tasks={args.tasks} sse={args.sse} ws={args.ws}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with running_daemon(data) as daemon:
            execution_id, last_seq = await run_to_end(daemon, document)
        with running_daemon(data) as daemon:  # restarted: the execution is at rest
            async with httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth) as api:
                (await api.get(f"/api/v1/executions/{execution_id}")).raise_for_status()
            before = await settle(daemon, args.settle)
            print(f"{last_seq} events; daemon RSS at rest {before:.0f} MB")
            for i in range(args.rounds):
                peak = await replay_round(daemon, args, execution_id)
                assert args.seen_counts == [last_seq] * (args.sse + args.ws), args.seen_counts
                after = await settle(daemon, args.settle)
                print(
                    f"round {i + 1}: peak {peak:.0f} MB while replaying, {after:.0f} MB after "
                    f"({after - before:+.0f} MB kept)"
                )


if __name__ == "__main__":
    parser = bench_parser(__doc__, tasks=10_000, sse=40, ws=10, rounds=3, settle=2.0)
    anyio.run(main, parser.parse_args(), backend="asyncio")

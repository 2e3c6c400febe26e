"""A slow client: an SSE stream that reads nothing for 10 s while a big DAG runs in harmoniad.

    python bench/slow_client_bench.py [--tasks 30000] [--stall 10]

The DAG (bench/_dags.py `random_dag`, `core.echo` tasks) runs twice on a fresh daemon: alone,
then with one SSE client that connects, receives the response headers, and then reads nothing
for `--stall` seconds. Expected: the engine's time is about the same (a slow client never
slows the engine), the daemon's memory stays bounded (its RSS is sampled every 100 ms; the
stalled stream is held back by TCP flow control, a bounded relay and the subscriber's bounded
buffer, which then drops to a catch-up from the journal), and when the client finally reads
it gets every event exactly once, in seq order. Prints the figures; asserts only the last.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import Daemon, parse_time, running_daemon
from _dags import echo_workflow, random_dag


async def wait_completed(api: httpx.AsyncClient, daemon: Daemon, peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], daemon.rss_mb())
        listing = await api.get("/api/v1/executions", params={"status": "completed", "limit": 1})
        if listing.json()["items"]:
            return
        await anyio.sleep(0.1)


async def run(graph: dict[str, list[str]], stall: float | None) -> None:
    document = echo_workflow("slow-client", graph)
    label = "alone" if stall is None else f"with a client stalled {stall:g} s"
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_daemon(Path(tmp) / "data", "--max-body", str(64 * 1024 * 1024)) as daemon,
    ):
        async with (
            httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=120) as api,
            httpx.AsyncClient(base_url=daemon.url, headers=daemon.auth, timeout=None) as slow,
        ):
            idle_rss = daemon.rss_mb()
            cpu_before = daemon.cpu_seconds()
            peak = [idle_rss]
            response = await api.post("/api/v1/executions", json={"workflow": document})
            response.raise_for_status()
            execution_id = response.json()["id"]
            seqs: list[int] = []
            stalled_peak = 0.0
            if stall is None:
                await wait_completed(api, daemon, peak)
                cpu = daemon.cpu_seconds() - cpu_before
            else:
                async with slow.stream("GET", f"/events/executions/{execution_id}") as stream:
                    stream.raise_for_status()  # headers are in; the body is not read yet
                    stalled_until = time.monotonic() + stall
                    await wait_completed(api, daemon, peak)
                    cpu = daemon.cpu_seconds() - cpu_before
                    while time.monotonic() < stalled_until:  # keep sampling while stalled
                        peak[0] = max(peak[0], daemon.rss_mb())
                        await anyio.sleep(0.1)
                    stalled_peak, peak[0] = peak[0], daemon.rss_mb()
                    caught_up_from = time.monotonic()
                    pending = b""
                    async for chunk in stream.aiter_raw():
                        pending += chunk
                        *messages, pending = pending.split(b"\n\n")
                        for message in messages:
                            _, found, data = message.rpartition(b"\ndata: ")
                            if found:
                                seqs.append(int(orjson.loads(data)["seq"]))
                        peak[0] = max(peak[0], daemon.rss_mb())
                    caught_up = time.monotonic() - caught_up_from
            shown = (await api.get(f"/api/v1/executions/{execution_id}")).json()
            duration = parse_time(shown["finished_at"]) - parse_time(shown["started_at"])
            print(
                f"{label:<28} DAG {duration:6.2f} s (daemon CPU {cpu:.2f} s)  daemon RSS idle "
                f"{idle_rss:.0f} MB, peak {max(peak[0], stalled_peak):.0f} MB  "
                f"({shown['last_seq']} events)"
            )
            if stall is not None:
                print(
                    f"{'':<28} peak while stalled {stalled_peak:.0f} MB, "
                    f"while the client caught up {peak[0]:.0f} MB"
                )
                expected = list(range(1, int(shown["last_seq"]) + 1))
                assert seqs == expected, "the slow client missed or repeated events"
                print(
                    f"{'':<28} the client then read all {len(seqs)} events in {caught_up:.2f} s: "
                    "every one exactly once, in seq order"
                )


async def main(args: argparse.Namespace) -> None:
    graph = random_dag(args.tasks)
    print(f"python={sys.version.split()[0]} tasks={args.tasks} stall={args.stall:g} s")
    await run(graph, None)
    await run(graph, args.stall)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=30_000)
    parser.add_argument("--stall", type=float, default=10.0)
    anyio.run(main, parser.parse_args(), backend="asyncio")

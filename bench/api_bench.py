"""The cost of the HTTP API: 1,000 one-task executions through harmoniad, and the same
through the embedded engine, in one run.

    python bench/api_bench.py [--count 1000] [--concurrency 32]

Over HTTP each submission is a `POST /api/v1/executions` followed by its SSE stream
(`/events/executions/{id}`), read until the terminal event: the time a client waits from
submitting to knowing the outcome. Embedded it is `engine.start()` then `engine.wait()`. Both
keep `--concurrency` executions in flight. Prints both figures and their ratio (no assertion).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
from httpx_sse import aconnect_sse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import percentile, running_daemon

from harmonia.engine import open_engine
from harmonia.engine.tuning import ProcessTuning
from harmonia.loader import load_workflow_dict

WORKFLOW = {
    "name": "one-task",
    "tasks": {"only": {"component": "core", "action": "echo", "input": {"x": 1}}},
}


async def _pool(count: int, concurrency: int, job: object) -> list[float]:
    """Run `job()` `count` times, `concurrency` at once; each job's latency in seconds."""
    latencies: list[float] = []
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            await job()  # type: ignore[operator]
            latencies.append(time.perf_counter() - started)

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)
    return latencies


async def over_http(count: int, concurrency: int) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as tmp, running_daemon(Path(tmp) / "data") as daemon:
        limits = httpx.Limits(max_connections=concurrency * 2)
        async with httpx.AsyncClient(
            base_url=daemon.url, headers=daemon.auth, timeout=60, limits=limits
        ) as client:

            async def submit_and_await() -> None:
                response = await client.post("/api/v1/executions", json={"workflow": WORKFLOW})
                response.raise_for_status()
                execution_id = response.json()["id"]
                async with aconnect_sse(
                    client, "GET", f"/events/executions/{execution_id}"
                ) as source:
                    last = None
                    async for sse in source.aiter_sse():
                        last = sse.event
                assert last == "workflow_completed", last

            await _pool(20, concurrency, submit_and_await)  # warm up connections and caches
            started = time.perf_counter()
            latencies = await _pool(count, concurrency, submit_and_await)
            return time.perf_counter() - started, latencies


async def embedded(count: int, concurrency: int) -> tuple[float, list[float]]:
    workflow = load_workflow_dict(WORKFLOW)
    with tempfile.TemporaryDirectory() as tmp:
        options = {"checkpoint_interval": None, "hooks": ProcessTuning()}  # as harmoniad's
        async with open_engine(Path(tmp) / "data", **options) as engine:

            async def submit_and_await() -> None:
                state = await engine.start(workflow)
                final = await engine.wait(state.id)
                assert final.status == "completed", final.status

            await _pool(20, concurrency, submit_and_await)
            started = time.perf_counter()
            latencies = await _pool(count, concurrency, submit_and_await)
            return time.perf_counter() - started, latencies


def report(label: str, count: int, elapsed: float, latencies: list[float]) -> None:
    print(
        f"{label:<9} {count} executions in {elapsed:6.2f} s  {count / elapsed:7.1f} exec/s  "
        f"latency p50 {percentile(latencies, 50) * 1e3:6.1f} ms  "
        f"p99 {percentile(latencies, 99) * 1e3:6.1f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    print(f"python={sys.version.split()[0]} count={args.count} concurrency={args.concurrency}")
    http_time, http_latencies = await over_http(args.count, args.concurrency)
    report("http", args.count, http_time, http_latencies)
    engine_time, engine_latencies = await embedded(args.count, args.concurrency)
    report("embedded", args.count, engine_time, engine_latencies)
    print(f"ratio http/embedded: {http_time / engine_time:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    anyio.run(main, parser.parse_args(), backend="asyncio")

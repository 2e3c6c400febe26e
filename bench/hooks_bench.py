"""Inbound hook deliveries per second through a real harmoniad.

    python bench/hooks_bench.py [--count 1000] [--concurrency 16] [--quick]

One `harmoniad` (a subprocess, fresh data folder) stores a one-task workflow and a hook bound
to it. `--count` deliveries, each signed (HMAC-SHA256 of `{timestamp}.{body}`) with its own
delivery id, are posted by `--concurrency` senders at once; each is answered once its
signature was checked and its execution durably started (201). Prints deliveries per second
(aim: at least 300/s) with the latency p50/p99, then sends every delivery again: each must be
answered as a replay of the same execution (checked, and timed too). Last, the baseline: as
many `POST /api/v1/executions` of the same workflow (with the token), the same way: what
starting an execution costs without a hook. `--quick`: 100 of each. Each pass prints the
daemon's CPU time (user + system, all its threads) per request beside its wall rate, and
(where `perf` may count them) its fsyncs and context switches per request: on a loaded machine
the fsync-bound rate reads low, what each delivery costs does not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import anyio
import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import daemon_with_client, percentile
from _syscalls import counting

from harmonia.signing import signed_headers

WORKFLOW = {
    "name": "hooked-echo",
    "input": {"n": {"type": "integer", "default": 0}},
    "tasks": {"echo": {"component": "core", "action": "echo", "input": {"n": "${input.n}"}}},
}


async def send_all(
    url: str, secret: str, count: int, concurrency: int, ids: dict[str, str] | None
) -> tuple[float, list[float], dict[str, str]]:
    """Deliver `count` bodies; with `ids` (a first pass's answers) expect replays of them."""
    started_by: dict[str, str] = {}
    latencies: list[float] = []
    remaining = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency * 2)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def sender() -> None:
            for n in remaining:
                body = orjson.dumps({"n": n})
                delivery_id = f"bench-{n}"
                headers = signed_headers(secret, body, delivery_id=delivery_id)
                began = time.perf_counter()
                answer = await http.post("/api/v1/hooks/bench", content=body, headers=headers)
                latencies.append(time.perf_counter() - began)
                expected = 200 if ids is not None else 201
                if answer.status_code != expected:
                    raise SystemExit(f"delivery {n}: {answer.status_code} {answer.text}")
                execution_id = answer.json()["execution_id"]
                if ids is not None and ids[delivery_id] != execution_id:
                    raise SystemExit(f"replay of {delivery_id} named another execution")
                started_by[delivery_id] = execution_id

        began = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(sender)
        elapsed = time.perf_counter() - began
    return elapsed, latencies, started_by


async def start_all(
    url: str, auth: dict[str, str], workflow_id: str, count: int, concurrency: int
) -> tuple[float, list[float]]:
    """The baseline: `count` executions started through `POST /api/v1/executions`."""
    latencies: list[float] = []
    remaining = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=60, limits=limits) as http:

        async def starter() -> None:
            for n in remaining:
                body = {"workflow_id": workflow_id, "input": {"n": n}}
                began = time.perf_counter()
                answer = await http.post("/api/v1/executions", json=body)
                latencies.append(time.perf_counter() - began)
                answer.raise_for_status()

        began = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(starter)
        return time.perf_counter() - began, latencies


def report(what: str, count: int, elapsed: float, latencies: list[float]) -> None:
    print(
        f"{what}: {count} in {elapsed:.2f}s = {count / elapsed:.0f}/s; latency p50 "
        f"{percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="100 deliveries")
    args = parser.parse_args()
    count = 100 if args.quick else args.count
    with daemon_with_client() as (daemon, client):
        workflow_id = client.post("/api/v1/workflows", json=WORKFLOW).json()["id"]
        hook = client.post("/api/v1/hooks", json={"name": "bench", "workflow_id": workflow_id})
        hook.raise_for_status()
        secret = hook.json()["secret"]
        cpu, loop = daemon.cpu_seconds(), daemon.main_thread_sched()[0]
        with counting(daemon.process.pid) as syscalls:
            elapsed, latencies, ids = anyio.run(
                send_all, daemon.url, secret, count, args.concurrency, None
            )
        cpu, loop = daemon.cpu_seconds() - cpu, daemon.main_thread_sched()[0] - loop
        if len(set(ids.values())) != count:
            raise SystemExit("some deliveries did not start an execution of their own")
        report("deliveries (signature checked, execution started)", count, elapsed, latencies)
        hooks_rate = count / elapsed
        print(
            f"daemon CPU per delivery: {cpu / count * 1000:.2f} ms (its executions' runs "
            f"included: they run meanwhile), of which its event loop's thread "
            f"{loop / count * 1000:.2f} ms ({loop / elapsed:.0%} of the wall time: near 100%, "
            "the loop is the bound)"
        )
        print(f"daemon syscalls: {syscalls.per(count)}")
        print(f"aim: at least 300/s -> {'met' if hooks_rate >= 300 else 'NOT met'}")
        cpu = daemon.cpu_seconds()
        elapsed, latencies, _ = anyio.run(
            send_all, daemon.url, secret, count, args.concurrency, ids
        )
        cpu = daemon.cpu_seconds() - cpu
        report("replays (same ids: answered with the same executions)", count, elapsed, latencies)
        print(f"daemon CPU per replay: {cpu / count * 1000:.2f} ms")
        cpu = daemon.cpu_seconds()
        with counting(daemon.process.pid) as syscalls:
            elapsed, latencies = anyio.run(
                start_all, daemon.url, daemon.auth, workflow_id, count, args.concurrency
            )
        cpu = daemon.cpu_seconds() - cpu
        report("baseline: POST /api/v1/executions (token, no hook)", count, elapsed, latencies)
        print(f"daemon CPU per start: {cpu / count * 1000:.2f} ms (runs included)")
        print(f"daemon syscalls: {syscalls.per(count)}")
        print(f"deliveries ran at {hooks_rate / (count / elapsed):.2f}x the baseline's rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())

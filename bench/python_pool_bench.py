"""The `python` component's worker pool against in-process calls, in one run.

    python bench/python_pool_bench.py [--calls 2000] [--concurrency 8] [--tasks 500]

1. Per call: `python.call` of a no-op function (`_pyfuncs:noop`), `--calls` times one after the
   other and then with `--concurrency` callers, with `isolation: inline` (a worker thread of the
   engine's process) and `isolation: process` (the pool), on asyncio and trio. Workers are
   started before timing: this is the cost of a call, not of starting an interpreter.
2. Whole process: `harmonia run` of a workflow of `--tasks` independent no-op python tasks
   (max_concurrency 8), inline vs process, wall time of the command (interpreter start, first
   workers, journal and all). An inline call also waits until its task's start is on disk
   (so that a crash it causes is on record), which is part of what this measures.

Prints each figure and the pool's overhead per call (aim: under 300 us). No assertion.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harmonia.components import ActionContext, PythonComponent  # noqa: E402

CTX = ActionContext("bench", "noop", 1)
NOOP = "_pyfuncs:noop"
ISOLATIONS = ("inline", "process")


async def per_call(calls: int, concurrency: int) -> dict[str, tuple[float, float]]:
    """Microseconds per call, sequential and concurrent, for each isolation."""
    component = PythonComponent()
    action = component.action("call")
    results: dict[str, tuple[float, float]] = {}
    try:
        for isolation in ISOLATIONS:
            payload = {"function": NOOP, "isolation": isolation}

            async def one(payload: dict[str, str] = payload) -> None:
                await action.invoke(CTX, payload)

            async with anyio.create_task_group() as tg:  # start the workers untimed
                for _ in range(concurrency):
                    tg.start_soon(one)
            started = time.perf_counter()
            for _ in range(calls):
                await one()
            sequential = (time.perf_counter() - started) / calls

            async def caller(remaining: Iterator[int]) -> None:
                for _ in remaining:
                    await one()

            shared = iter(range(calls))
            started = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(concurrency):
                    tg.start_soon(caller, shared)
            concurrent = (time.perf_counter() - started) / calls
            results[isolation] = (sequential * 1e6, concurrent * 1e6)
    finally:
        await component.aclose()
    return results


def whole_process(tasks: int) -> dict[str, float]:
    """Seconds of `harmonia run` for `tasks` no-op python tasks, per isolation."""
    harmonia = Path(sys.executable).parent / "harmonia"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    timings: dict[str, float] = {}
    for isolation in ISOLATIONS:
        workflow = {
            "name": f"noop-{isolation}",
            "max_concurrency": 8,
            "tasks": {
                f"t{i}": {
                    "component": "python",
                    "action": "call",
                    "input": {"function": NOOP, "isolation": isolation},
                }
                for i in range(tasks)
            },
        }
        with tempfile.TemporaryDirectory(prefix="harmonia-pool-bench-") as tmp:
            path = Path(tmp) / "noop.json"
            path.write_bytes(orjson.dumps(workflow))
            started = time.perf_counter()
            subprocess.run(
                [str(harmonia), "run", "--quiet", "--data-dir", str(Path(tmp) / "data"), str(path)],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            timings[isolation] = time.perf_counter() - started
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=500)
    args = parser.parse_args()

    print(f"python.call of a no-op function, {args.calls} calls (us per call)")
    print(f"  {'backend':8} {'isolation':9} {'sequential':>11} {f'{args.concurrency} callers':>11}")
    for backend in ("asyncio", "trio"):
        results = anyio.run(per_call, args.calls, args.concurrency, backend=backend)
        for isolation, (sequential, concurrent) in results.items():
            print(f"  {backend:8} {isolation:9} {sequential:11.1f} {concurrent:11.1f}")
        overhead = results["process"][0] - results["inline"][0]
        print(f"  {backend:8} pool overhead per call: {overhead:+.1f} us (aim: under 300 us)")

    print(f"\nharmonia run of {args.tasks} no-op python tasks (max_concurrency 8)")
    timings = whole_process(args.tasks)
    for isolation, seconds in timings.items():
        print(f"  {isolation:9} {seconds:6.2f} s  ({seconds / args.tasks * 1e3:.2f} ms per task)")
    print(f"  process / inline: {timings['process'] / timings['inline']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

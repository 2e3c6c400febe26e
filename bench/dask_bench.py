"""Harmonia's Dask executor against a plain `client.map` on the same cluster, in one run.

    python bench/dask_bench.py [--tasks 1000] [--ms 50] [--noops 2000] [--quick]

One `LocalCluster` of 2 worker processes (1 thread each) for the whole run, then:
1. `client.map(busy, ...)` of `--tasks` CPU-bound calls of ~`--ms` ms (`_pyfuncs:busy`): the
   floor, what Dask alone takes.
2. The same as a workflow of `--tasks` independent `python.call` tasks through Harmonia's Dask
   executor, in this process (engine, journal, retries and all), on that cluster.
3. The same workflow through the in-process executor (`python.call`'s own pool, limited to 2
   worker processes like the cluster: `HARMONIA_PYTHON_WORKERS=2`), no Dask.
4. Whole process: `harmonia run FILE --executor dask --dask-workers 2 --quiet` (interpreter,
   the command's own LocalCluster start and stop, journal), wall time.
5. Per-task overhead on no-op tasks (`_pyfuncs:noop`): Harmonia's Dask path vs `client.map`,
   in µs/task.

Prints times and the ratio of (2) to (1) (target: at most 1.3x). `--quick` is a smoke run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _pyfuncs import busy, noop  # noqa: E402

from harmonia.engine import open_engine  # noqa: E402
from harmonia.executors.base import CONNECT_TIMEOUT  # noqa: E402
from harmonia.executors.dask import DaskExecutor  # noqa: E402
from harmonia.loader import load_workflow_dict  # noqa: E402


def workflow(tasks: int, function: str, args: list[Any]) -> dict[str, Any]:
    call = {"function": function, "args": args}
    return {
        "name": "dask-bench",
        "max_concurrency": 64,  # enough queued work that neither worker idles
        "tasks": {
            f"t{i}": {"component": "python", "action": "call", "input": call} for i in range(tasks)
        },
    }


def client_map(client: Any, function: Any, n: int, *args: Any) -> float:
    started = time.perf_counter()
    futures = client.map(function, *([arg] * n for arg in (args or (None,))), pure=False)
    client.gather(futures)
    elapsed = time.perf_counter() - started
    client.cancel(futures)
    return elapsed


async def through_engine(doc: dict[str, Any], scheduler: str | None) -> float:
    executor = (
        None if scheduler is None else await DaskExecutor.start(scheduler, None, CONNECT_TIMEOUT)
    )
    with tempfile.TemporaryDirectory() as data:
        async with open_engine(data, executor=executor) as engine:
            loaded = load_workflow_dict(doc)
            started = time.perf_counter()
            state = await engine.start(loaded)
            final = await engine.wait(state.id)
            elapsed = time.perf_counter() - started
    assert final.status == "completed", final.status
    return elapsed


def whole_process(doc: dict[str, Any]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        path.write_bytes(orjson.dumps(doc))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path[1:]])}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "harmonia.cli.main", "run", str(path), "--quiet",
             "--data-dir", str(Path(folder) / "data"), "--executor", "dask", "--dask-workers", "2"],
            check=True, env=env,
        )  # fmt: skip
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--ms", type=float, default=50.0)
    parser.add_argument("--noops", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 40 tasks of 20 ms")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.ms, args.noops = 40, 20.0, 100
    os.environ["HARMONIA_PYTHON_WORKERS"] = "2"  # the in-process pool: as many as the cluster

    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        )
    client = Client(cluster)
    address = str(cluster.scheduler_address)
    try:
        client_map(client, busy, 20, 1.0)  # imports and connections warm, as in a long run
        anyio.run(through_engine, workflow(4, "_pyfuncs:noop", []), address)

        cpu = workflow(args.tasks, "_pyfuncs:busy", [args.ms])
        print(f"{args.tasks} CPU-bound tasks of ~{args.ms:g} ms on 2 worker processes:")
        floor = client_map(client, busy, args.tasks, args.ms)
        print(f"  client.map                      {floor:8.2f} s")
        dask_time = anyio.run(through_engine, cpu, address)
        print(f"  harmonia, dask executor         {dask_time:8.2f} s  ({dask_time / floor:.2f}x)")
        local = anyio.run(through_engine, cpu, None)
        print(f"  harmonia, in-process executor   {local:8.2f} s  ({local / floor:.2f}x)")
        whole = whole_process(cpu)
        print(f"  harmonia run --dask-workers 2   {whole:8.2f} s  (whole process, own cluster)")

        noops = workflow(args.noops, "_pyfuncs:noop", [])
        base = client_map(client, noop, args.noops)
        ours = anyio.run(through_engine, noops, address)
        print(f"{args.noops} no-op tasks, per task:")
        print(f"  client.map                      {base / args.noops * 1e6:8.0f} us")
        print(f"  harmonia, dask executor         {ours / args.noops * 1e6:8.0f} us")
        ratio = dask_time / floor
        verdict = "ok" if ratio <= 1.3 else "OVER"
        print(f"ratio to client.map: {ratio:.2f}x (target <= 1.3x): {verdict}")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()

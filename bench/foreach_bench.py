"""Dynamic fan-out against static tasks: a `for_each` of N no-op items vs N static no-op tasks.

    python bench/foreach_bench.py [--items 10000] [--repeat 3] [--backend asyncio|trio] [--quick]

Both workflows run `core.echo` N times with no dependencies between the runs (`max_concurrency`
64): the static one as N tasks `t0..`, the fan-out one as one task whose literal `for_each`
list has N items. Two figures each, best of `--repeat`:

- whole process: `harmonia run FILE --json` in a subprocess, the workflow written to a file
  (what a user runs): wall time, and peak RSS of that process (`os.wait4`), per task above the
  peak RSS of a one-task run;
- in-process: a fresh interpreter opens an engine and runs the workflow, timed from `start()`
  to the durable `workflow_completed` (as `bench/engine_bench.py` times it); memory per task is
  its peak RSS above the RSS it had before the run.

The issue's targets: the fan-out at most 2x the time of the static tasks, and the same peak
memory per task. `--quick` (500 items, one repeat) checks that it runs; it measures nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HARMONIA = Path(sys.executable).parent / "harmonia"


def static_workflow(n: int) -> dict[str, Any]:
    tasks = {f"t{i}": {"component": "core", "action": "echo", "input": {"i": i}} for i in range(n)}
    return {"name": f"static-{n}", "max_concurrency": 64, "tasks": tasks}


def fanout_workflow(n: int) -> dict[str, Any]:
    task = {
        "component": "core",
        "action": "echo",
        "for_each": list(range(n)),
        "max_items": max(n, 1),
        "input": {"i": "${item}"},
    }
    return {"name": f"for-each-{n}", "max_concurrency": 64, "tasks": {"fan": task}}


SHAPES = {"static": static_workflow, "fanout": fanout_workflow}


# ---- whole process: `harmonia run FILE --json` ----------------------------------------------


def run_cli(document: dict[str, Any], folder: Path) -> tuple[float, float, int]:
    """Wall seconds and peak RSS (MB) of `harmonia run FILE --json`, and its task count."""
    path = folder / f"{document['name']}.json"
    path.write_text(json.dumps(document))
    data = folder / f"data-{time.monotonic_ns()}"
    with open(folder / "out.json", "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(HARMONIA), "run", str(path), "--json", "--quiet", "--data-dir", str(data)],
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    doc = json.loads((folder / "out.json").read_bytes())
    assert proc.returncode == 0 and doc["status"] == "completed", (proc.returncode, doc["status"])
    return elapsed, usage.ru_maxrss / 1024, len(doc["tasks"])


# ---- in-process, in a fresh interpreter -----------------------------------------------------


def run_fresh(shape: str, n: int, backend: str) -> tuple[float, float]:
    """Seconds and MB of RSS above the pre-run RSS, of one in-process run in a new process."""
    command = [sys.executable, __file__, "--only", shape, "--items", str(n), "--backend", backend]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed, grown = done.stdout.split()
    return float(elapsed), float(grown)


def only(shape: str, n: int, backend: str) -> None:
    """Run one workflow in this process; print seconds and peak RSS growth (MB)."""
    import anyio
    from _engine import run_to_end

    from harmonia.engine import open_engine
    from harmonia.engine.tuning import ProcessTuning
    from harmonia.loader import load_workflow_dict

    async def main() -> None:
        workflow = load_workflow_dict(SHAPES[shape](n))
        with tempfile.TemporaryDirectory() as data_dir:
            options = {"checkpoint_interval": None, "hooks": ProcessTuning()}
            async with open_engine(data_dir, **options) as engine:
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                elapsed = await run_to_end(engine, workflow)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(elapsed, peak - before)

    anyio.run(main, backend=backend)


# ---- the report -----------------------------------------------------------------------------


def main(args: argparse.Namespace) -> None:
    n, repeat = (500, 1) if args.quick else (args.items, args.repeat)
    print(f"for_each of {n:,} no-op items vs {n:,} static no-op tasks, best of {repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _, base_rss, _ = run_cli(static_workflow(1), folder)
        cli: dict[str, tuple[float, float]] = {}
        for shape, build in SHAPES.items():
            runs = [run_cli(build(n), folder) for _ in range(repeat)]
            cli[shape] = (min(r[0] for r in runs), min(r[1] for r in runs))
            rows = runs[0][2]
            per_task = (cli[shape][1] - base_rss) * 1024 / n
            print(
                f"  harmonia run  {shape:<7} {cli[shape][0]:7.2f} s  "
                f"{cli[shape][0] / n * 1e6:6.1f} µs/task  peak RSS {cli[shape][1]:6.0f} MB  "
                f"{per_task:5.1f} KB/task above a 1-task run  ({rows:,} task rows)"
            )
    fresh: dict[str, tuple[float, float]] = {}
    for shape in SHAPES:
        runs = [run_fresh(shape, n, args.backend) for _ in range(repeat)]
        fresh[shape] = (min(r[0] for r in runs), min(r[1] for r in runs))
        print(
            f"  in-process    {shape:<7} {fresh[shape][0]:7.2f} s  "
            f"{fresh[shape][0] / n * 1e6:6.1f} µs/task  "
            f"{fresh[shape][1] * 1024 / n:5.1f} KB/task of peak RSS growth"
        )
    for label, figures in (("harmonia run", cli), ("in-process", fresh)):
        ratio = figures["fanout"][0] / figures["static"][0]
        verdict = "ok" if ratio <= 2.0 else "OVER the 2x target"
        print(f"  {label}: for_each / static time = {ratio:.2f}x ({verdict})")
    growth = fresh["fanout"][1] / fresh["static"][1] if fresh["static"][1] > 0 else float("nan")
    print(f"  in-process: for_each / static peak memory growth = {growth:.2f}x")
    if args.quick:
        print("  (--quick: a check that the bench runs, not a measurement)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    parser.add_argument("--quick", action="store_true", help="500 items, once: does it run?")
    parser.add_argument("--only", choices=list(SHAPES), help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.only:
        only(ns.only, ns.items, ns.backend)
    else:
        main(ns)

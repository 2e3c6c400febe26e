"""Rounds of fsyncs per execution start, in-process: what a start waits for, not how long.

    python bench/commit_rounds.py [--count 400] [--concurrency 16]

`--count` one-task executions are started by `--concurrency` starters at once in one engine
(the daemon's process tuning), as webhook deliveries start them. Every fsync and fdatasync of
the process is timed; overlapping ones are one round (the file system makes concurrent fsyncs
durable in one journal commit). Prints the rounds per start, how many rounds lie wholly inside
a start's wait (what bounds its latency when the disk is the bound), the fsyncs per start by
file, and each thread's context switches per start. On a loaded machine the rates swing; these
counts do not. Compare revisions with the other's `harmonia` on PYTHONPATH, in alternation.
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
import threading
import time
from collections.abc import Callable

import anyio

from harmonia.engine import open_engine
from harmonia.engine.tuning import ProcessTuning
from harmonia.loader import load_workflow_dict

WORKFLOW = {
    "name": "hooked-echo",
    "input": {"n": {"type": "integer", "default": 0}},
    "tasks": {"echo": {"component": "core", "action": "echo", "input": {"n": "${input.n}"}}},
}

Sync = tuple[float, float, str]
"""When an fsync began and ended, and what it synced."""

syncs: list[Sync] = []
_lock = threading.Lock()


def kind(fd: int) -> str:
    """What a descriptor is, for the per-file counts (temporary copies and folders by kind)."""
    try:
        path = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "?"
    name = os.path.basename(path)
    if name.startswith("."):
        return name.split(".")[1] + " copy"
    if os.path.isdir(path):
        return "folder " + ("executions/" if name == "executions" else "of an execution")
    return name


def timed(sync: Callable[[int], None]) -> Callable[[int], None]:
    def call(fd: int) -> None:
        what = kind(fd)
        began = time.perf_counter()
        try:
            sync(fd)
        finally:
            with _lock:
                syncs.append((began, time.perf_counter(), what))

    return call


def switches() -> dict[str, int]:
    """Context switches so far by thread name (threads of one name summed)."""
    names = {str(t.native_id): t.name for t in threading.enumerate()}
    counts: collections.Counter[str] = collections.Counter()
    for tid in os.listdir("/proc/self/task"):
        try:
            status = open(f"/proc/self/task/{tid}/status").read().splitlines()  # noqa: SIM115
        except OSError:
            continue
        name = "event loop" if tid == str(os.getpid()) else names.get(tid, "ended")
        name = name.split("_")[0].split(" (")[0].rstrip("0123456789 ")
        counts[name] += sum(int(line.split()[1]) for line in status if "ctxt_switches" in line)
    return counts


def rounds_of(timed_syncs: list[Sync]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for began, ended, _ in sorted(timed_syncs):
        if merged and began <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], ended)
        else:
            merged.append([began, ended])
    return [(a, b) for a, b in merged]


async def measure(count: int, concurrency: int) -> None:
    workflow = load_workflow_dict(WORKFLOW)
    waits: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        async with open_engine(folder, hooks=ProcessTuning()) as engine:
            await engine.wait((await engine.start(workflow, {"n": -1})).id)
            syncs.clear()
            before, commits = switches(), engine.writer.batches
            remaining = iter(range(count))

            async def starter() -> None:
                for n in remaining:
                    began = time.perf_counter()
                    await engine.start(workflow, {"n": n})
                    waits.append((began, time.perf_counter()))

            began = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(concurrency):
                    tg.start_soon(starter)
            elapsed = time.perf_counter() - began
            after, commits = switches(), engine.writer.batches - commits
            measured = list(syncs)
    rounds = rounds_of(measured)
    inside = sorted(sum(1 for a, b in rounds if a >= s and b <= e) for s, e in waits)
    latencies = sorted(e - s for s, e in waits)
    print(
        f"{count} starts by {concurrency}: {count / elapsed:.0f}/s, p50 "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms; {commits} writer commits"
    )
    print(
        f"rounds of fsyncs: {len(rounds) / count:.3f} per start, {len(rounds) / commits:.2f} per "
        f"commit; wholly inside a start's wait: mean {sum(inside) / count:.2f}, "
        f"p50 {inside[count // 2]}"
    )
    files = collections.Counter(what for *_, what in measured)
    print(f"fsyncs per start {len(measured) / count:.2f}: " + ", ".join(
        f"{what} {n / count:.2f}" for what, n in files.most_common()
    ))  # fmt: skip
    moved = {name: after[name] - before.get(name, 0) for name in after}
    print("context switches per start: " + ", ".join(
        f"{name} {n / count:.1f}" for name, n in sorted(moved.items(), key=lambda i: -i[1]) if n
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    os.fsync, os.fdatasync = timed(os.fsync), timed(os.fdatasync)
    anyio.run(measure, args.count, args.concurrency)


if __name__ == "__main__":
    main()

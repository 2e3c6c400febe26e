"""The floor under issue 10's "≤ 2x the raw limit": the raw limit plus durable journaling alone.

    python bench/journal_floor.py [--repeat 5]

Runs bench/raw_limit.py's anyio + graphlib loop twice per round on the 1,000-task chain and the
10,000-task random DAG: as is, and with each task journaled the way the engine journals it (two
events, each an `Event` with its sealed orjson line, through a `DurableWriter`: group commit
with fdatasync in the commit thread, then published), with the writer's back-pressure. No state,
plan, templates, progress or snapshot. CPU time of this process (all threads), median and min;
the ratio is what durable journaling alone costs against the raw limit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dags import chain, random_dag
from raw_limit import run_raw

from harmonia.bus import EventBus
from harmonia.engine.tuning import ProcessTuning
from harmonia.engine.writer import DurableWriter
from harmonia.events import Event
from harmonia.store import Store


async def _no_replay(execution_id: str, after_seq: int, limit: int | None = None) -> list[Event]:
    return []


async def run_journaled(graph: dict[str, list[str]]) -> float:
    """`run_raw` with two durable journal events per task; seconds until all are durable."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder))
        writer = DurableWriter(store, EventBus(_no_replay), hooks=ProcessTuning())
        execution_id = "journal-floor"
        store.journal_path(execution_id).parent.mkdir(parents=True)
        seq = 0

        def emit(tid: str, type: str, data: dict[str, Any]) -> None:
            nonlocal seq
            seq += 1
            event = Event(seq, type, execution_id, tid, time.time(), data)
            event.to_journal_line()
            writer.submit(event)

        started = time.perf_counter()
        async with anyio.create_task_group() as outer:
            outer.start_soon(writer.run)
            sorter: TopologicalSorter[str] = TopologicalSorter(graph)
            sorter.prepare()
            async with anyio.create_task_group() as tg:

                async def task(tid: str) -> None:
                    if writer.needs_room():
                        await writer.make_room()
                    emit(tid, "task_started", {"attempt": 1, "input": {"i": tid}})
                    await anyio.lowlevel.checkpoint()
                    output = {"attempt": 1, "output": {"i": tid}, "duration": 0.0}
                    emit(tid, "task_completed", output)
                    sorter.done(tid)
                    for ready in sorter.get_ready():
                        tg.start_soon(task, ready)

                for ready in sorter.get_ready():
                    tg.start_soon(task, ready)
            await writer.flush()
            writer.close()
        return time.perf_counter() - started


def cpu_of(run: Callable[[dict[str, list[str]]], Awaitable[float]], graph: Any) -> float:
    before = time.process_time()
    anyio.run(run, graph)
    return time.process_time() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (alternating)")
    args = parser.parse_args()
    anyio.run(run_raw, chain(10))  # the event loop's imports, outside the figures
    anyio.run(run_journaled, chain(10))
    for label, graph in (("chain-1000", chain(1_000)), ("random-dag-10000", random_dag(10_000))):
        raw: list[float] = []
        journaled: list[float] = []
        for _ in range(args.repeat):
            raw.append(cpu_of(run_raw, graph))
            journaled.append(cpu_of(run_journaled, graph))
        mid_raw, mid_j = statistics.median(raw), statistics.median(journaled)
        print(
            f"{label:<17} CPU raw {mid_raw * 1e3:.0f} ms (min {min(raw) * 1e3:.0f}), "
            f"raw + journal {mid_j * 1e3:.0f} ms (min {min(journaled) * 1e3:.0f}): "
            f"{mid_j / mid_raw:.2f}x (min/min {min(journaled) / min(raw):.2f}x)"
        )


if __name__ == "__main__":
    main()

"""The raw limit: a plain anyio task group plus graphlib running no-op tasks, no persistence.

Nothing Harmonia does can be faster than this on the same machine, so every engine figure is
printed as a ratio to it, measured in the same run.
"""

from __future__ import annotations

import time
from graphlib import TopologicalSorter

import anyio


async def run_raw(graph: dict[str, list[str]]) -> float:
    """Seconds to run the DAG: start each task as soon as its dependencies are done."""
    sorter: TopologicalSorter[str] = TopologicalSorter(graph)
    sorter.prepare()
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:

        async def task(tid: str) -> None:
            await anyio.lowlevel.checkpoint()
            sorter.done(tid)
            for ready in sorter.get_ready():
                tg.start_soon(task, ready)

        for ready in sorter.get_ready():
            tg.start_soon(task, ready)
    return time.perf_counter() - started

"""The TUI against a real daemon, headless: how fast a big execution opens, and whether the
execution screen keeps up with a flood of events.

    python bench/tui_bench.py [--tasks 500] [--attempts 20] [--repeat 3]

1. First paint: a finished execution of `--tasks` tasks (a random DAG) is opened; printed is
   the time from the screen's creation to the first line of its laid-out graph on screen.
2. Flood: `--tasks` tasks that each fail `--attempts` times (two events per attempt: 20,000
   task events by default, over about four seconds) stream into an open execution screen.
   Printed: events received, screen updates and their rate (the screen coalesces to about 20
   a second), whether the final screen matches the daemon's document exactly (every task's
   status and attempts, the graph row of every task), and the CPU time this process (the
   TUI alone: the daemon is a subprocess) used meanwhile.

Printed figures only, no assertions on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _daemon import Daemon, running_daemon
from _dags import random_dag
from harmonia_tui.app import HarmoniaApp
from harmonia_tui.connection import STREAM_RECONNECT, Connection
from harmonia_tui.screens.execution import ExecutionScreen

from harmonia.client import AsyncClient, Execution

SIZE = (160, 50)


def make_app(daemon: Daemon, execution_id: str) -> HarmoniaApp:
    client = AsyncClient(daemon.url, daemon.token, reconnect=STREAM_RECONNECT)
    return HarmoniaApp(Connection(client), open_execution=execution_id, close_client=True)


async def wait_for(pilot: Any, predicate: Any, deadline: float = 60) -> None:
    with anyio.fail_after(deadline):
        while not predicate():
            await pilot.pause(0.01)


def screen_of(app: HarmoniaApp) -> ExecutionScreen | None:
    screen = app.screen
    return screen if isinstance(screen, ExecutionScreen) else None


def painted(app: HarmoniaApp) -> bool:
    screen = screen_of(app)
    return screen is not None and screen.graph.first_paint_at is not None


# ---- 1. first paint ------------------------------------------------------------------------------


def echo_dag(name: str, n: int) -> dict[str, Any]:
    return {
        "name": name,
        "max_concurrency": 64,
        "tasks": {
            tid: {"component": "core", "action": "echo", "depends_on": deps, "input": {"i": tid}}
            for tid, deps in random_dag(n, window=40).items()
        },
    }


async def first_paint(daemon: Daemon, tasks: int, repeat: int) -> None:
    async with AsyncClient(daemon.url, daemon.token) as client:
        info = await client.create_workflow(echo_dag("paint", tasks))
        execution = await client.start_execution(info.id)
        await client.wait(execution.id, timeout=120)
    times: list[float] = []
    layers = 0
    for _ in range(repeat):
        app = make_app(daemon, execution.id)
        async with app.run_test(size=SIZE, headless=True) as pilot:
            await wait_for(pilot, lambda app=app: painted(app))
            screen = screen_of(app)
            assert screen is not None and screen.graph.first_paint_at is not None
            times.append(screen.graph.first_paint_at - screen.opened_at)
            assert screen.layout_ is not None
            layers = len(screen.layout_.layers)
    print(
        f"first paint ({SIZE[0]}x{SIZE[1]} terminal), {tasks}-task execution "
        f"({layers} generations), headless: "
        f"best {min(times) * 1e3:.0f} ms, median {statistics.median(times) * 1e3:.0f} ms "
        f"over {repeat} openings (from the screen's creation to its first graph line)"
    )


# ---- 2. the flood --------------------------------------------------------------------------------


def failing(name: str, n: int, attempts: int) -> dict[str, Any]:
    return {
        "name": name,
        "max_concurrency": n,
        "defaults": {
            "retry_policy": {
                "max_retries": attempts - 1,
                "initial_delay": 0.2,  # 20 attempts a task: about 4 s of events
                "max_delay": 0.2,
                "backoff_multiplier": 1,
                "jitter": 0.5,
            }
        },
        "tasks": {
            f"t{i:03d}": {"component": "core", "action": "fail", "input": {"message": f"no {i}"}}
            for i in range(n)
        },
    }


def screen_matches(screen: ExecutionScreen, truth: Execution) -> list[str]:
    """Every difference between what the screen shows and the daemon's document."""
    view = screen.view
    assert view is not None
    problems: list[str] = []
    if view.status != truth.status:
        problems.append(f"status {view.status} != {truth.status}")
    if view.last_seq != truth.last_seq:
        problems.append(f"last_seq {view.last_seq} != {truth.last_seq}")
    glyphs = screen.harmonia.glyphs
    for tid, info in truth.tasks.items():
        task = view.tasks[tid]
        if (task.status, task.attempts) != (info.status, info.attempts):
            problems.append(
                f"{tid}: {task.status}/{task.attempts} != {info.status}/{info.attempts}"
            )
        row = screen.graph.row_text(tid)
        if f"{glyphs.status(info.status)} {tid}" not in row or info.status not in row:
            problems.append(f"{tid}: row {row.strip()!r}")
        elif f" {info.attempts} " not in row:
            problems.append(f"{tid}: attempts not {info.attempts} in {row.strip()!r}")
    return problems


async def flood(daemon: Daemon, tasks: int, attempts: int) -> None:
    async with AsyncClient(daemon.url, daemon.token) as client:
        info = await client.create_workflow(failing("flood", tasks, attempts))
        execution = await client.start_execution(info.id)
        app = make_app(daemon, execution.id)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        async with app.run_test(size=SIZE, headless=True) as pilot:
            await wait_for(pilot, lambda: (s := screen_of(app)) is not None and s.view is not None)
            screen = screen_of(app)
            assert screen is not None and screen.view is not None
            initial_seq = screen.view.last_seq
            await wait_for(pilot, lambda: screen.view is not None and screen.view.finished, 120)
            first_event = screen.view.started_at
            last_event = screen.view.finished_at
            await pilot.pause(0.2)  # the last batch drawn
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            truth = await client.get_execution(execution.id)
            problems = screen_matches(screen, truth)
            updates = screen.updates
            received = screen.coalescer.events
    assert first_event is not None and last_event is not None
    span = (last_event - first_event).total_seconds()
    task_events = sum(2 * t.attempts for t in truth.tasks.values())
    print(
        f"flood ({SIZE[0]}x{SIZE[1]} terminal): {task_events} task events "
        f"({truth.last_seq} in all) over {span:.2f}s "
        f"({task_events / span:,.0f}/s) into a {tasks}-task execution screen"
    )
    print(
        f"  the screen opened at seq {initial_seq}, then received {received} events live in "
        f"{updates} screen updates ({updates / max(span, 1e-9):.1f} updates/s while events "
        f"flowed; {received / max(updates, 1):.0f} events per update)"
    )
    print(
        "  final screen "
        + ("matches the daemon exactly" if not problems else f"WRONG: {problems[:5]}")
        + f" ({len(truth.tasks)} tasks, all {truth.tasks['t000'].status} after "
        f"{truth.tasks['t000'].attempts} attempts, last seq {truth.last_seq})"
    )
    print(
        f"  TUI CPU time {cpu:.2f}s over {wall:.2f}s wall "
        f"({cpu / wall * 100:.0f}% of one core; headless, daemon excluded); "
        f"{cpu / max(updates, 1) * 1e3:.0f} ms of CPU per screen update, events included"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder, running_daemon(Path(folder) / "data") as daemon:
        await first_paint(daemon, args.tasks, args.repeat)
        await flood(daemon, args.tasks, args.attempts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    anyio.run(main, parser.parse_args(), backend="asyncio")

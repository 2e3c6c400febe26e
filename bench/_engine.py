"""One workflow run to its end in an open engine, timed as a subscriber sees it."""

from __future__ import annotations

import time

from harmonia.engine import Engine
from harmonia.events import TERMINAL_WORKFLOW_EVENTS
from harmonia.model import Workflow


async def run_to_end(engine: Engine, workflow: Workflow) -> float:
    """Seconds from `start()` until the terminal event is durable and published (what the CLI
    waits for); the final snapshot, written after that, is awaited but not timed."""
    events = engine.subscribe()
    started = time.perf_counter()
    state = await engine.start(workflow)
    async for event in events:
        if event.type in TERMINAL_WORKFLOW_EVENTS:
            break
    elapsed = time.perf_counter() - started
    final = await engine.wait(state.id)
    assert final.status == "completed", final.status
    return elapsed

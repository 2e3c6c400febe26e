"""Property: on any DAG and any concurrency limit, every task runs exactly once, after all of
its dependencies completed, and no more than `max_concurrency` run at once.

Hypothesis and the anyio pytest plugin do not combine well, so each example runs its own event
loop with `anyio.run`, on the backend the test is parametrized with.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from helpers.engine_probe import (
    Probe,
    run_afresh,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@st.composite
def dags(draw: st.DrawFn) -> tuple[dict[str, list[str]], int]:
    """Tasks t0..tn-1; each depends on a random subset of the tasks before it."""
    n = draw(st.integers(min_value=1, max_value=40))
    graph: dict[str, list[str]] = {}
    for i in range(n):
        earlier = [f"t{j}" for j in range(i)]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=4)) if earlier else []
        graph[f"t{i}"] = deps
    limit = draw(st.integers(min_value=1, max_value=8))
    return graph, limit


async def run_dag(graph: dict[str, list[str]], limit: int) -> tuple[Probe, Any]:
    tasks = {tid: {"depends_on": deps} for tid, deps in graph.items()}
    return await run_afresh(tasks, max_concurrency=limit)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dags())
def test_random_dags_run_each_task_once_in_order_within_the_limit(
    backend: str, case: tuple[dict[str, list[str]], int]
) -> None:
    graph, limit = case
    probe, state = anyio.run(run_dag, graph, limit, backend=backend)
    assert state.status == "completed"
    assert sorted(c.task_id for c in probe.calls) == sorted(graph)
    ended_at = {tid: i for i, (what, tid) in enumerate(probe.log) if what == "end"}
    started_at = {tid: i for i, (what, tid) in enumerate(probe.log) if what == "start"}
    for tid, deps in graph.items():
        for dep in deps:
            assert ended_at[dep] < started_at[tid], (dep, tid)
        assert state.tasks[tid].status == "completed"
        assert state.tasks[tid].attempts == 1
    assert probe.max_running <= limit
    # also recomputed from the log, independently of the probe's own counter
    running = peak = 0
    for what, _ in probe.log:
        running += 1 if what == "start" else -1
        peak = max(peak, running)
    assert peak <= limit

"""Property: whatever the list, the items that fail, `max_parallel` and `max_concurrency`, each
item runs once per attempt it needs, at most `max_parallel` items (and `max_concurrency` tasks)
run at once, the task completes with its items' outputs in order exactly when none failed, and
the task below it runs only then.

Each example runs its own event loop with `anyio.run` (see test_runner_property.py).
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
def fan_outs(draw: st.DrawFn) -> tuple[list[bool], int, int]:
    """Which items fail (True: fails every time), `max_parallel`, `max_concurrency`."""
    failing = draw(st.lists(st.booleans(), max_size=25))
    return failing, draw(st.integers(1, 6)), draw(st.integers(1, 8))


async def run_fan_out(failing: list[bool], parallel: int, limit: int) -> tuple[Probe, Any]:
    items = [{"n": i, "fail": 99 if bad else 0} for i, bad in enumerate(failing)]
    tasks = {
        "fan": {
            "for_each": items,
            "max_parallel": parallel,
            "input": {"value": "${item.n}", "fail_times": "${item.fail}"},
        },
        "after": {"depends_on": ["fan"], "input": {"value": "${tasks.fan.output}"}},
    }
    return await run_afresh(tasks, max_concurrency=limit)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=fan_outs())
def test_random_fan_outs_follow_the_rules(backend: str, case: tuple[list[bool], int, int]) -> None:
    failing, parallel, limit = case
    probe, state = anyio.run(run_fan_out, failing, parallel, limit, backend=backend)
    n = len(failing)
    assert probe.max_running <= min(parallel, limit)
    assert sorted(c.task_id for c in probe.calls if c.task_id != "after") == sorted(
        f"fan[{i}]" for i in range(n)
    )
    statuses = [state.tasks[f"fan[{i}]"].status for i in range(n)]
    assert statuses == ["failed" if bad else "completed" for bad in failing]
    if any(failing):
        assert state.status == "failed"
        assert state.tasks["fan"].status == "failed"
        assert state.tasks["after"].status == "pending"
        assert "after" not in probe.counts
    else:
        assert state.status == "completed"
        assert [o["value"] for o in state.tasks["fan"].output] == list(range(n))
        assert state.tasks["after"].output["value"] == state.tasks["fan"].output

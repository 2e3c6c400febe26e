"""`for_each` tasks and join rules together, on asyncio and trio: a ruled fan-out is judged by
its rule before its list is expanded, and a fan-out's end (completed or failed) wakes the
ruled tasks below it.

What happened when is read from the probe's log and the journal, never from timing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import ProbeBench

pytestmark = pytest.mark.anyio

FAIL: dict[str, Any] = {"input": {"fail_times": 99}}


async def test_a_ruled_fan_out_waits_for_its_rule_before_expanding(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "slow": {"input": {"gate": "slow"}},
            "fan": {
                "depends_on": ["bad", "slow"],
                "trigger_rule": "all_done",
                "for_each": ["a", "b"],
                "input": {"value": "${item}"},
            },
        }
    )
    probe = bench.probe
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "bad") in probe.log or ("fail", "bad") in probe.log)
        assert not any(tid.startswith("fan") for _, tid in probe.log)
        probe.open("slow")
        state = await engine.wait(started.id)
    store = bench.store()
    types = [(e.type, e.task_id) for e in store.read_events(state.id)]
    slow_end = types.index(("task_completed", "slow"))
    assert types.index(("task_expanded", "fan")) > slow_end  # all_done: after every parent
    assert state.tasks["fan"].status == "completed"
    assert [o["value"] for o in state.tasks["fan"].output] == ["a", "b"]
    assert state.status == "failed"  # bad's failure is not hidden by the fan-out that ran


async def test_a_ruled_fan_out_is_skipped_by_its_rule_without_expanding(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "ok": {},
            "fan": {
                "depends_on": ["ok"],
                "trigger_rule": "one_failed",
                "for_each": ["a", "b"],
                "input": {"value": "${item}"},
            },
        }
    )
    state = await bench.run(wf)
    assert state.tasks["fan"].status == "skipped"
    assert "fan" not in state.expansions
    assert state.status == "completed"


async def test_a_failed_fan_out_wakes_one_failed_and_all_done_below_it(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "fan": {"for_each": [0, 99], "input": {"fail_times": "${item}"}},
            "alert": {"depends_on": ["fan"], "trigger_rule": "one_failed"},
            "cleanup": {"depends_on": ["fan"], "trigger_rule": "all_done"},
            "after": {"depends_on": ["fan"]},
        }
    )
    state = await bench.run(wf)
    assert state.tasks["fan[0]"].status == "completed"
    assert state.tasks["fan[1]"].status == "failed"
    assert state.tasks["fan"].status == "failed"
    assert state.tasks["alert"].status == "completed"
    assert state.tasks["cleanup"].status == "completed"
    assert state.tasks["after"].status == "pending"  # all_success: blocked by the failure
    assert state.status == "failed"


async def test_a_completed_fan_out_skips_one_failed_and_runs_all_done(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "fan": {"for_each": ["x", "y"], "input": {"value": "${item}"}},
            "alert": {"depends_on": ["fan"], "trigger_rule": "one_failed"},
            "cleanup": {"depends_on": ["fan"], "trigger_rule": "all_done"},
        }
    )
    state = await bench.run(wf)
    assert state.tasks["alert"].status == "skipped"
    assert state.tasks["cleanup"].status == "completed"
    assert state.status == "completed"

"""Join rules and operator actions, through the real engine on asyncio and trio: retrying an
upstream task re-decides the ruled tasks below it, resume keeps what ran and decides the rest,
recovery decides from the recorded statuses, and a pause holds what a rule decided.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.engine_probe import ProbeBench, run_to_end
from helpers.workflows import by_status

pytestmark = pytest.mark.anyio

OK: dict[str, object] = {}
FAIL: dict[str, object] = {"input": {"fail_times": 99}}


async def test_retrying_an_upstream_task_re_decides_ruled_tasks_below_it(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    probe = bench.probe
    probe.flags.add("broken")
    wf = bench.workflow(
        {
            "work": {"input": {"fail_while": "broken"}},
            "alert": {"depends_on": ["work"], "trigger_rule": "one_failed"},
            "publish": {"depends_on": ["work"]},
            "cleanup": {"depends_on": ["publish"], "trigger_rule": "all_done"},
        }
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert by_status(first.tasks) == {
            "failed": {"work"},
            "completed": {"alert", "cleanup"},
            "pending": {"publish"},
        }
        assert first.status == "failed"
        probe.flags.discard("broken")
        reset = await engine.retry_task(first.id, "work")
        assert reset == ["work", "alert", "publish", "cleanup"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    # alert: reset, then decided again: nothing failed this time
    assert by_status(state.tasks) == {
        "completed": {"work", "publish", "cleanup"},
        "skipped": {"alert"},
    }
    assert len(probe.calls_of("alert")) == 1
    assert len(probe.calls_of("cleanup")) == 2
    # a skip takes no time: `harmonia show` gave the skipped alert the seconds since it ran
    alert = state.tasks["alert"]
    assert alert.started_at == alert.finished_at


async def test_resume_after_a_failure_keeps_what_ran_and_decides_the_rest(
    data_dir: Path,
) -> None:
    bench = ProbeBench(data_dir)
    probe = bench.probe
    probe.flags.add("broken")
    wf = bench.workflow(
        {
            "work": {"input": {"fail_while": "broken"}},
            "other": OK,
            "alert": {"depends_on": ["work"], "trigger_rule": "one_failed"},
            "publish": {"depends_on": ["work", "other"], "trigger_rule": "none_failed"},
            "any_ok": {"depends_on": ["work"], "trigger_rule": "one_success"},
        }
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert first.status == "failed"
        assert first.tasks["alert"].status == "completed"
        assert first.tasks["publish"].status == "pending"
        assert first.tasks["any_ok"].status == "pending"
        probe.flags.discard("broken")
        await engine.resume(first.id)
        state = await engine.wait(first.id)
    assert state.status == "completed"
    # alert ran and completed: a resume keeps that
    assert by_status(state.tasks) == {"completed": {"work", "other", "alert", "publish", "any_ok"}}
    assert len(probe.calls_of("alert")) == 1
    assert len(probe.calls_of("other")) == 1


async def test_recovery_decides_again_from_the_recorded_statuses(data_dir: Path) -> None:
    """An engine stopped mid-run (the alert already fired, a parent still running) is
    recovered by the next one: the fired alert is not run again, and the tasks still
    undecided are decided as one run would have."""
    bench = ProbeBench(data_dir)
    probe = bench.probe
    wf = bench.workflow(
        {
            "bad": FAIL,
            "slow": {"input": {"hang_times": 1}},
            "alert": {"depends_on": ["bad", "slow"], "trigger_rule": "one_failed"},
            "cleanup": {"depends_on": ["bad", "slow"], "trigger_rule": "all_done"},
            "all_failed": {"depends_on": ["bad", "slow"], "trigger_rule": "all_failed"},
        }
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "alert") in probe.log and ("start", "slow") in probe.log)
        live = engine.live_state(started.id)
        assert live is not None and live.tasks["alert"].status == "completed"
    async with bench.engine() as engine:
        assert await engine.recover() == [started.id]
        state = await engine.wait(started.id)
    assert by_status(state.tasks) == {
        "failed": {"bad"},
        "completed": {"slow", "alert", "cleanup"},
        "skipped": {"all_failed"},
    }
    assert len(probe.calls_of("alert")) == 1
    assert len(probe.calls_of("slow")) == 2
    assert state.status == "failed"


async def test_a_pause_holds_a_decided_task_until_resume(data_dir: Path) -> None:
    """A rule may decide while the execution is paused (a parent failed as it finished), but
    nothing starts until resume, which decides again from the recorded statuses."""
    bench = ProbeBench(data_dir)
    probe = bench.probe
    wf = bench.workflow(
        {
            "bad": {"input": {"gate": "bad", "fail_times": 99}},
            "alert": {"depends_on": ["bad"], "trigger_rule": "one_failed"},
            "cleanup": {"depends_on": ["alert"], "trigger_rule": "all_done"},
        }
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("bad")
        await engine.pause(started.id)
        probe.open("bad")
        paused = await engine.wait(started.id)
        assert paused.status == "paused"
        assert paused.tasks["bad"].status == "failed"
        assert paused.tasks["alert"].status == "pending"
        assert probe.calls_of("alert") == []
        await engine.resume(started.id)  # also gives `bad` a fresh attempt, which fails again
        state = await engine.wait(started.id)
    assert by_status(state.tasks) == {"failed": {"bad"}, "completed": {"alert", "cleanup"}}
    failures = [i for i, entry in enumerate(probe.log) if entry == ("fail", "bad")]
    assert len(failures) == 2
    assert failures[1] < probe.log.index(("start", "alert"))  # decided on the new attempt
    assert state.status == "failed"

"""Join rules through the real engine, on asyncio and trio: each rule against each mix of
parent outcomes, early decisions, skip propagation, `when:`, retries, and references to
parents that did not complete (operator actions: test_trigger_rules_operations.py).

Parents are `probe.work` tasks that succeed, fail (no retries), or are skipped by `when:
"false"`; what happened when is read from the probe's log, never from timing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import FAST_RETRY, ProbeBench, run_to_end
from helpers.workflows import after, by_status

from harmonia.events import EventType
from harmonia.model import TRIGGER_RULES

pytestmark = pytest.mark.anyio

OK: dict[str, Any] = {}
FAIL: dict[str, Any] = {"input": {"fail_times": 99}}
SKIP: dict[str, Any] = {"when": "false"}

COMBOS = ("SS", "SF", "FF", "SK", "KK", "FK")
"""Two parents' outcomes: S completed, F failed, K skipped."""

# fmt: off
FINALS: dict[str, str] = {  # the rule -> the child's status for each of COMBOS, in order
    "all_success":                 "completed pending   pending   skipped   skipped   pending",
    "all_done":                    "completed completed completed completed completed completed",
    "all_failed":                  "skipped   skipped   completed skipped   skipped   skipped",
    "one_success":                 "completed completed pending   completed skipped   pending",
    "one_failed":                  "skipped   completed completed skipped   skipped   completed",
    "none_failed":                 "completed pending   pending   completed completed pending",
    "none_failed_min_one_success": "completed pending   pending   completed skipped   pending",
    "none_skipped":                "completed completed completed skipped   skipped   skipped",
}
# fmt: on
FINAL = {rule: dict(zip(COMBOS, row.split(), strict=True)) for rule, row in FINALS.items()}

PARENTS = {"S": ("s1", "s2"), "F": ("f1", "f2"), "K": ("k1", "k2")}


def parent_tasks() -> dict[str, dict[str, Any]]:
    return {"s1": OK, "s2": OK, "f1": FAIL, "f2": FAIL, "k1": SKIP, "k2": SKIP}


def parents_of(combo: str) -> list[str]:
    first, second = combo
    return [PARENTS[first][0], PARENTS[second][1] if second == first else PARENTS[second][0]]


@pytest.mark.parametrize("rule", TRIGGER_RULES)
async def test_rule_against_every_mix_of_parent_outcomes(data_dir: Path, rule: str) -> None:
    bench = ProbeBench(data_dir)
    tasks = parent_tasks()
    for combo in FINAL[rule]:
        tasks[f"c_{combo}"] = {"depends_on": parents_of(combo), "trigger_rule": rule}
    wf = bench.workflow(tasks)
    state = await bench.run(wf)
    got = {combo: state.tasks[f"c_{combo}"].status for combo in FINAL[rule]}
    assert got == FINAL[rule]
    for combo, status in got.items():
        ran = len(bench.probe.calls_of(f"c_{combo}"))
        assert ran == (1 if status == "completed" else 0), combo
    # the parents failed for good: whatever ran because of them, the execution failed
    assert state.status == "failed"
    assert "f1" in (state.error or "") and "f2" in (state.error or "")


async def test_default_rule_comes_from_defaults_and_a_task_overrides_it(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "ok": OK,
            "cleanup": after("bad", "ok"),
            "strict": after("bad", "ok", rule="all_success"),
        },
        defaults={"trigger_rule": "all_done"},
    )
    state = await bench.run(wf)
    assert state.tasks["cleanup"].status == "completed"
    assert state.tasks["strict"].status == "pending"
    assert state.status == "failed"


async def test_one_failed_runs_at_the_first_failure_without_waiting(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "slow": {"input": {"gate": "slow"}},
            "alert": after("bad", "slow", rule="one_failed"),
            "cleanup": after("bad", "slow", rule="all_done"),
        }
    )
    probe = bench.probe
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "alert") in probe.log)
        assert ("end", "slow") not in probe.log  # slow is still held at its gate
        assert ("start", "cleanup") not in probe.log  # all_done waits for every parent
        probe.open("slow")
        state = await engine.wait(started.id)
    assert probe.log.index(("end", "slow")) < probe.log.index(("start", "cleanup"))
    assert state.tasks["alert"].status == "completed"
    assert state.tasks["cleanup"].status == "completed"
    assert state.status == "failed"
    assert state.error == "1 task(s) failed: bad"


async def test_early_decisions_run_or_skip_before_the_other_parents_end(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "ok": OK,
            "skipped": SKIP,
            "slow": {"input": {"gate": "slow"}},
            "first_success": after("ok", "slow", rule="one_success"),
            "all_failed": after("ok", "slow", rule="all_failed"),
            "no_skips": after("skipped", "slow", rule="none_skipped"),
            "below_skip": after("all_failed"),
        }
    )
    probe = bench.probe
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "first_success") in probe.log)
        live = engine.live_state(started.id)
        assert live is not None
        await probe.until(
            lambda: all(
                live.tasks[t].status == "skipped" for t in ("all_failed", "no_skips", "below_skip")
            )
        )
        assert ("end", "slow") not in probe.log
        probe.open("slow")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert by_status(state.tasks) == {
        "completed": {"ok", "slow", "first_success"},
        "skipped": {"skipped", "all_failed", "no_skips", "below_skip"},
    }


async def test_blocked_tasks_count_as_failed_for_rules_below_them(data_dir: Path) -> None:
    """Below a failure, all_success tasks stay pending (as before rules existed), and rules
    further down read them as failed (Airflow's upstream_failed): a cleanup at the end of a
    chain runs even when the failure is two levels up."""
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "setup": OK,
            "work": {"depends_on": ["setup"], **FAIL},
            "publish": after("work"),
            "archive": after("publish", rule="none_failed"),
            "cleanup": after("publish", "setup", rule="all_done"),
            "alert": after("publish", rule="one_failed"),
            "after_cleanup": after("cleanup"),
        }
    )
    state = await bench.run(wf)
    assert by_status(state.tasks) == {
        "completed": {"setup", "cleanup", "alert", "after_cleanup"},
        "failed": {"work"},
        "pending": {"publish", "archive"},
    }
    assert state.status == "failed"


async def test_skips_propagate_through_ruled_tasks(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "ok": OK,
            "alert": after("ok", rule="one_failed"),
            "after_alert": after("alert"),
            "after_alert_done": after("alert", rule="all_done"),
            "after_alert_no_skip": after("alert", rule="none_skipped"),
        }
    )
    async with bench.engine() as engine:
        state = await run_to_end(engine, wf)
        events = [e async for e in _journal(engine, state.id)]
    assert by_status(state.tasks) == {
        "completed": {"ok", "after_alert_done"},
        "skipped": {"alert", "after_alert", "after_alert_no_skip"},
    }
    assert state.status == "completed"
    reasons = {e.task_id: e.data["reason"] for e in events if e.type == EventType.TASK_SKIPPED}
    assert reasons == {
        "alert": "trigger rule one_failed: no upstream task failed",
        "after_alert": "upstream task 'alert' was skipped",
        "after_alert_no_skip": "trigger rule none_skipped: upstream task 'alert' was skipped",
    }


async def _journal(engine: Any, execution_id: str) -> Any:
    subscription = engine.subscribe(execution_id, after_seq=0)
    try:
        async for event in subscription:
            yield event
            if event.type in (EventType.WORKFLOW_COMPLETED, EventType.WORKFLOW_FAILED):
                break
    finally:
        subscription.close()


# ---- when: -------------------------------------------------------------------------------


async def test_the_rule_decides_first_then_when(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "ok": OK,
            # the rule says run, the condition says no: skipped
            "quiet_alert": after("bad", rule="one_failed", when="false"),
            # the rule says run, the condition reads how the parent ended
            "on_failure": after("bad", "ok", rule="all_done", when="tasks.bad.status == 'failed'"),
            # the rule says skip: the condition is not asked (it would fail: no output)
            "never": after("ok", rule="one_failed", when="tasks.ok.output.missing == 1"),
        }
    )
    state = await bench.run(wf)
    assert state.tasks["quiet_alert"].status == "skipped"
    assert state.tasks["on_failure"].status == "completed"
    assert state.tasks["never"].status == "skipped"
    assert state.tasks["never"].error is None


async def test_all_success_keeps_its_when_override_of_skipped_parents(data_dir: Path) -> None:
    """Before rules existed a task below a skipped one was skipped unless its own `when:`
    decided; all_success, the default, keeps exactly that."""
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "skipped": SKIP,
            "own_when": after("skipped", when="true"),
            "no_when": after("skipped"),
            "ruled_when": after("skipped", rule="none_failed_min_one_success", when="true"),
        }
    )
    state = await bench.run(wf)
    assert state.tasks["own_when"].status == "completed"
    assert state.tasks["no_when"].status == "skipped"
    assert state.tasks["ruled_when"].status == "skipped"  # its rule decides, not its `when`


# ---- references to parents that did not complete -----------------------------------------


async def test_a_reference_to_a_parent_without_output_fails_the_task_clearly(
    data_dir: Path,
) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "cleanup": after("bad", rule="all_done", input={"value": "${tasks.bad.output.path}"}),
            "report": after("bad", rule="all_done", input={"value": "${tasks.bad.status}"}),
        }
    )
    state = await bench.run(wf)
    cleanup = state.tasks["cleanup"]
    assert cleanup.status == "failed"
    assert cleanup.error is not None
    assert cleanup.error["kind"] == "reference"
    assert cleanup.error["message"] == (
        "reference ${tasks.bad.output.path} has no value: task 'bad' has no output: it is "
        "failed (only a completed task has one; ${tasks.bad.status} says how it ended)"
    )
    assert bench.probe.calls_of("cleanup") == []
    assert state.tasks["report"].output["value"] == "failed"


# ---- retries ---------------------------------------------------------------------------


async def test_a_retrying_parent_is_not_final(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    retry = {"max_retries": 2, **FAST_RETRY}
    wf = bench.workflow(
        {
            "flaky": {"input": {"fail_times": 2}, "retry_policy": retry},
            "doomed": {"input": {"fail_times": 99}, "retry_policy": retry},
            "flaky_alert": after("flaky", rule="one_failed"),
            "doomed_alert": after("doomed", rule="one_failed"),
            "all_failed": after("flaky", "doomed", rule="all_failed"),
        }
    )
    probe = bench.probe
    state = await bench.run(wf)
    assert state.tasks["flaky"].status == "completed"
    assert state.tasks["flaky"].attempts == 3
    assert state.tasks["flaky_alert"].status == "skipped"  # a failed attempt is not a failure
    assert state.tasks["doomed"].attempts == 3
    assert state.tasks["doomed_alert"].status == "completed"
    # the alert started only after the last attempt failed
    last_doomed = max(i for i, entry in enumerate(probe.log) if entry == ("fail", "doomed"))
    assert last_doomed < probe.log.index(("start", "doomed_alert"))
    assert state.tasks["all_failed"].status == "skipped"


async def test_a_ruled_task_retries_like_any_other(data_dir: Path) -> None:
    bench = ProbeBench(data_dir)
    wf = bench.workflow(
        {
            "bad": FAIL,
            "alert": after(
                "bad",
                rule="one_failed",
                input={"fail_times": 1},
                retry_policy={"max_retries": 1, **FAST_RETRY},
            ),
        }
    )
    state = await bench.run(wf)
    assert state.tasks["alert"].status == "completed"
    assert state.tasks["alert"].attempts == 2

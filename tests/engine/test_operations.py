"""Operator actions: pause, resume, cancel, retry a task, checkpoint and restore."""

from __future__ import annotations

import anyio
import pytest
from helpers.engine_probe import Probe, ProbeBench, run_to_end, wait_for
from helpers.workflows import after, by_status

from harmonia.engine import Engine
from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import EventType
from harmonia.state import ExecutionState

pytestmark = pytest.mark.anyio


B_FAILS_WHILE_BROKEN = {"a": {}, "b": {"depends_on": ["a"], "input": {"fail_while": "broken"}}}
"""`a`, then `b`, which fails while the probe's "broken" flag is set: a cause an operator fixes."""


def call_counts(probe: Probe) -> dict[str, int]:
    return dict(probe.counts)


async def paused_after_a(bench: ProbeBench, engine: Engine) -> ExecutionState:
    """An execution of `a` then `b`, paused while `a` ran, come to rest: `a` completed, `b`
    pending."""
    wf = bench.workflow({"a": {"input": {"gate": "a"}}, "b": {"depends_on": ["a"]}})
    started = await engine.start(wf)
    await bench.probe.started("a")
    await engine.pause(started.id)
    bench.probe.open("a")
    await engine.wait(started.id)
    return started


# ---- pause and resume -----------------------------------------------------------------------


async def test_pause_starts_nothing_new_and_resume_finishes(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "r": {"input": {"gate": "r"}},
            "x": {},
            "y": {"depends_on": ["r"]},
        },
        max_concurrency=1,
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("r")
        paused = await engine.pause(started.id)
        assert paused.status == "paused"
        probe.open("r")  # the running task finishes...
        state = await engine.wait(started.id)  # ...and wait returns: nothing else will run
        assert state.status == "paused"
        assert state.tasks["r"].status == "completed"
        assert state.tasks["x"].status == "pending"
        assert state.tasks["y"].status == "pending"
        assert call_counts(probe) == {"r": 1}
        assert bench.store().get_summary(started.id)["status"] == "paused"

        resumed = await engine.resume(started.id)
        assert resumed.status == "running"
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"r": 1, "x": 1, "y": 1}
    types = [e.type for e in bench.store().read_events(started.id)]
    assert types.count(EventType.WORKFLOW_PAUSED) == 1
    assert types.count(EventType.WORKFLOW_RESUMED) == 1
    assert types.index(EventType.WORKFLOW_PAUSED) < types.index(EventType.WORKFLOW_RESUMED)
    assert types[-1] == EventType.WORKFLOW_COMPLETED


async def test_resume_while_paused_tasks_still_run(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow({"r": {"input": {"gate": "r"}}, "after": {"depends_on": ["r"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("r")
        await engine.pause(started.id)
        await engine.resume(started.id)  # before anything came to rest
        probe.open("r")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"r": 1, "after": 1}


SLOW_RETRY = {"max_retries": 3, "initial_delay": 600.0, "jitter": 0.0}
"""A backoff no test waits out: only a pause can end it early."""


async def test_a_pause_during_a_retry_backoff_holds_the_next_attempt_until_resume(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({"t": {"input": {"fail_times": 1}, "retry_policy": SLOW_RETRY}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await wait_for(lambda: started.tasks["t"].status == "retrying")
        await engine.pause(started.id)
        with anyio.fail_after(30):  # comes to rest at once, not after the 600 s backoff
            state = await engine.wait(started.id)
        assert state.status == "paused"
        assert state.tasks["t"].status == "retrying"
        assert call_counts(probe) == {"t": 1}

        await engine.resume(started.id)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"t": 2}
    assert state.tasks["t"].attempts == 2


async def test_resume_before_rest_starts_a_parked_retry_again(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "slow": {"input": {"gate": "slow"}},
            "t": {"input": {"fail_times": 1}, "retry_policy": SLOW_RETRY},
        }
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("slow")
        await wait_for(lambda: started.tasks["t"].status == "retrying")
        await engine.pause(started.id)
        await wait_for(lambda: started.tasks["t"].status == "retrying" and probe.running == 1)
        assert call_counts(probe) == {"slow": 1, "t": 1}
        await engine.resume(started.id)  # `slow` still runs: the run never came to rest
        await wait_for(lambda: started.tasks["t"].status == "completed")
        probe.open("slow")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"slow": 1, "t": 2}


async def test_pause_of_a_finished_execution_is_invalid(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {}})
    async with bench.engine() as engine:
        state = await run_to_end(engine, wf)
        with pytest.raises(InvalidOperation, match="completed"):
            await engine.pause(state.id)
        with pytest.raises(InvalidOperation, match="nothing to resume"):
            await engine.resume(state.id)
        with pytest.raises(InvalidOperation, match="already completed"):
            await engine.cancel(state.id)
        with pytest.raises(NotFound):
            await engine.pause("20000101-000000-abcdef")
        # refusing an action must not leave the execution locked or attached
        assert not engine.is_live(state.id)
        assert not engine.store.is_locked(state.id)
        assert (await engine.get(state.id)).status == "completed"


async def test_resume_of_a_running_execution_without_failures_is_invalid(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({"a": {"input": {"gate": "a"}}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("a")
        with pytest.raises(InvalidOperation, match="running"):
            await engine.resume(started.id)
        with pytest.raises(InvalidOperation, match="running right now"):
            await engine.retry_task(started.id, "a")
        probe.open("a")
        state = await engine.wait(started.id)
    assert state.status == "completed"


# ---- cancel ---------------------------------------------------------------------------------


async def test_cancel_stops_running_tasks_and_cancels_pending_ones(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "quick": {},
            "long": {"input": {"hang_times": 99}},
            "down": {"depends_on": ["long"]},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("end", "quick") in probe.log and probe.counts.get("long") == 1)
        state = await engine.cancel(started.id, reason="enough")
        assert state.status == "canceled"
        assert ("cancel", "long") in probe.log
        assert probe.running == 0
        assert state.tasks["quick"].status == "completed"
        assert state.tasks["long"].status == "canceled"
        assert state.tasks["long"].history[-1]["status"] == "canceled"
        assert state.tasks["down"].status == "canceled"
        assert not engine.is_live(started.id)
    stored = bench.store()
    assert stored.get_summary(started.id)["status"] == "canceled"
    assert stored.load_execution(started.id).to_public() == state.to_public()
    last = stored.read_events(started.id)[-1]
    assert last.type == EventType.WORKFLOW_CANCELED
    assert last.data == {"reason": "enough"}
    assert "down" not in probe.counts


async def test_cancel_right_after_start_runs_nothing(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        state = await engine.cancel(started.id)
        assert state.status == "canceled"
        final = await engine.wait(started.id)
    assert final.status == "canceled"
    assert probe.calls == []
    events = bench.store().read_events(started.id)
    assert [e.type for e in events] == [EventType.WORKFLOW_STARTED, EventType.WORKFLOW_CANCELED]
    assert bench.store().get_summary(started.id)["status"] == "canceled"


async def test_cancel_of_a_paused_execution(bench: ProbeBench) -> None:
    async with bench.engine() as engine:
        started = await paused_after_a(bench, engine)
        state = await engine.cancel(started.id)
        assert state.status == "canceled"
        assert state.tasks["a"].status == "completed"
        assert state.tasks["b"].status == "canceled"
        assert not engine.is_live(started.id)
        assert not engine.store.is_locked(started.id)
    assert bench.store().get_summary(started.id)["status"] == "canceled"


# ---- resume after a failure -----------------------------------------------------------------


async def test_resume_of_a_failed_execution_reruns_only_what_did_not_complete(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    probe.flags.add("broken")
    wf = bench.workflow(
        {
            "a": {"input": {"value": "A"}},
            "b": {
                "depends_on": ["a"],
                "input": {"fail_while": "broken"},
                "retry_policy": {"max_retries": 1, "initial_delay": 0.01, "jitter": 0},
            },
            "c": {"depends_on": ["b"]},
            "side": {"depends_on": ["a"]},
        },
    )
    async with bench.engine() as engine:
        failed = await run_to_end(engine, wf)
        assert failed.status == "failed"
        assert failed.tasks["b"].attempts == 2
        assert failed.tasks["c"].status == "pending"
        output_a = failed.tasks["a"].output

        probe.flags.discard("broken")  # the operator fixes the cause
        await engine.resume(failed.id)
        state = await engine.wait(failed.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 3, "c": 1, "side": 1}
    b = state.tasks["b"]
    assert b.attempts == 3  # attempt numbers go on
    assert [h["status"] for h in b.history] == ["failed", "failed", "completed"]
    assert state.tasks["a"].output == output_a
    assert state.error is None and state.finished_at is not None


async def test_resume_gives_a_fresh_retry_budget(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {
            "b": {
                "input": {"fail_times": 4},
                "retry_policy": {"max_retries": 1, "initial_delay": 0.01, "jitter": 0},
            }
        },
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert first.tasks["b"].attempts == 2
        await engine.resume(first.id)
        second = await engine.wait(first.id)
        assert second.status == "failed"
        assert second.tasks["b"].attempts == 4  # two more, not zero more
        await engine.resume(first.id)
        third = await engine.wait(first.id)
    assert third.status == "completed"
    assert third.tasks["b"].attempts == 5


async def test_resume_from_another_engine_after_the_first_is_gone(
    bench: ProbeBench, probe: Probe
) -> None:
    probe.flags.add("broken")
    wf = bench.workflow(B_FAILS_WHILE_BROKEN)
    async with bench.engine() as engine:
        failed = await run_to_end(engine, wf)
    assert failed.status == "failed"
    probe.flags.clear()
    async with bench.engine() as engine:
        await engine.resume(failed.id)
        state = await engine.wait(failed.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 2}
    assert bench.store().load_execution(failed.id).to_public() == state.to_public()


# ---- retry of a task ------------------------------------------------------------------------


async def test_retry_task_reruns_it_and_its_downstream_only(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 1}},
            "b": {"depends_on": ["a"], "input": {"value": "${tasks.a.output.value}"}},
            "c": {"depends_on": ["b"]},
            "d": {"depends_on": ["a"]},
            "e": {"depends_on": ["c", "d"]},
        },
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert first.status == "completed"
        kept = {tid: first.tasks[tid].output for tid in ("a", "d")}
        reset = await engine.retry_task(first.id, "b")
        assert reset == ["b", "c", "e"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 2, "c": 2, "d": 1, "e": 2}
    assert {tid: state.tasks[tid].output for tid in ("a", "d")} == kept
    assert state.tasks["b"].attempts == 2
    assert state.tasks["b"].output == {"task": "b", "attempt": 2, "value": 1}


async def test_retry_task_of_a_failed_task_after_fixing_it(bench: ProbeBench, probe: Probe) -> None:
    probe.flags.add("broken")
    wf = bench.workflow(
        {
            "a": {},
            "bad": {"depends_on": ["a"], "input": {"fail_while": "broken"}},
            "after": {"depends_on": ["bad"]},
            "other_bad": {"input": {"fail_times": 99}},
        },
    )
    async with bench.engine() as engine:
        failed = await run_to_end(engine, wf)
        assert failed.status == "failed"
        probe.flags.clear()
        assert await engine.retry_task(failed.id, "bad") == ["bad", "after"]
        state = await engine.wait(failed.id)
    # other_bad was not retried, so the execution still fails, but bad and after went on
    assert state.status == "failed"
    assert state.tasks["bad"].status == "completed"
    assert state.tasks["after"].status == "completed"
    assert state.tasks["other_bad"].status == "failed"
    assert call_counts(probe) == {"a": 1, "bad": 2, "after": 1, "other_bad": 1}


async def test_retry_of_an_unknown_task_is_not_found(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {}})
    async with bench.engine() as engine:
        state = await run_to_end(engine, wf)
        with pytest.raises(NotFound, match="nope"):
            await engine.retry_task(state.id, "nope")
        with pytest.raises(NotFound):
            await engine.retry_task("20000101-000000-abcdef", "a")
        assert not engine.is_live(state.id)
        assert not engine.store.is_locked(state.id)


async def test_retry_task_while_other_branches_still_run(bench: ProbeBench, probe: Probe) -> None:
    probe.flags.add("broken")
    wf = bench.workflow(
        {
            "bad": {"input": {"fail_while": "broken"}},
            "below": {"depends_on": ["bad"]},
            "slow": {"input": {"gate": "slow"}},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: ("fail", "bad") in probe.log and probe.counts.get("slow") == 1)
        live = await engine.get(started.id)
        await wait_for(lambda: live.tasks["bad"].status == "failed")
        probe.flags.clear()
        assert await engine.retry_task(started.id, "bad") == ["bad", "below"]
        await probe.until(lambda: ("end", "below") in probe.log)
        probe.open("slow")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"bad": 2, "below": 1, "slow": 1}


# ---- checkpoint and restore -----------------------------------------------------------------


async def test_checkpoint_then_restore_keeps_completed_tasks(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": "kept"}},
            "b": after("a", input={"gate": "b"}),
            "c": {"depends_on": ["b"], "input": {"value": "${tasks.a.output.value}"}},
            "skipped": {"when": False},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("b")
        record = await engine.checkpoint(started.id, name="mid-way")
        assert record["name"] == "mid-way"
        assert record["kind"] == "manual"
        assert record["execution_id"] == started.id
        probe.open("b")
        original = await engine.wait(started.id)
        assert original.status == "completed"

        restored = await engine.restore(record["id"])
        assert restored.id != started.id
        assert restored.restored_from == record["id"]
        state = await engine.wait(restored.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 2, "c": 2}
    assert state.tasks["a"].output == original.tasks["a"].output
    assert state.tasks["skipped"].status == "skipped"
    assert state.tasks["c"].output["value"] == "kept"
    store = bench.store()
    assert [c["id"] for c in store.list_checkpoints(started.id)] == [record["id"]]
    summary = store.get_summary(restored.id)
    assert summary["restored_from"] == record["id"]
    assert summary["status"] == "completed"
    types = [e.type for e in store.read_events(started.id)]
    assert EventType.CHECKPOINT_CREATED in types
    assert store.load_execution(restored.id).to_public() == state.to_public()


async def test_checkpoint_of_a_finished_execution_and_restore_from_another_engine(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    probe.flags.add("broken")
    wf = bench.workflow(B_FAILS_WHILE_BROKEN)
    async with bench.engine() as engine:
        failed = await run_to_end(engine, wf)
        record = await engine.checkpoint(failed.id)
        assert not engine.is_live(failed.id)
        assert not engine.store.is_locked(failed.id)
    assert record["kind"] == "manual"
    probe.flags.clear()
    async with bench.engine() as engine:
        restored = await engine.restore(record["id"])
        state = await engine.wait(restored.id)
        with pytest.raises(NotFound):
            await engine.restore("ckpt-000000000000")
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 2}
    # the source execution is untouched
    assert bench.store().load_execution(failed.id).status == "failed"


# ---- actions that arrive while an execution is coming to rest -------------------------------


@pytest.mark.parametrize("action", ["resume", "retry_task"])
async def test_action_on_the_terminal_event_is_not_lost(
    bench: ProbeBench, probe: Probe, action: str
) -> None:
    """A subscriber that reacts to `workflow_failed` at once reaches the runner while it is
    still writing its end; the execution must go on, not stay "running" with nothing running."""
    probe.flags.add("broken")
    wf = bench.workflow(B_FAILS_WHILE_BROKEN)
    async with bench.engine() as engine:
        started = await engine.start(wf)
        async for event in engine.subscribe(started.id, until_finished=True):
            last = event
        assert last.type == EventType.WORKFLOW_FAILED
        probe.flags.clear()
        if action == "resume":
            await engine.resume(started.id)
        else:
            await engine.retry_task(started.id, "b")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 2}
    assert bench.store().get_summary(started.id)["status"] == "completed"


async def test_a_paused_execution_stays_paused_across_a_restart(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        started = await paused_after_a(bench, engine)
    assert bench.store().list_summaries()[0]["interrupted"] is False
    async with bench.engine() as engine:
        assert await engine.recover() == []
        with pytest.raises(InvalidOperation, match="paused"):
            await engine.pause(started.id)
        await engine.resume(started.id)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 1, "b": 1}


async def test_cancel_an_interrupted_execution_from_a_new_engine(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({"a": {"input": {"hang_times": 1}}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("a")
    async with bench.engine() as engine:
        state = await engine.cancel(started.id)
        assert state.status == "canceled"
        assert by_status(state.tasks) == {"canceled": {"a", "b"}}
        assert await engine.recover() == []
    stored = bench.store()
    assert stored.get_summary(started.id)["status"] == "canceled"
    assert not stored.is_locked(started.id)
    assert call_counts(probe) == {"a": 1}


async def test_a_canceled_execution_can_be_resumed(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow({"a": {"input": {"hang_times": 1}}, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.started("a")
        await engine.cancel(started.id)
        await engine.resume(started.id)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert call_counts(probe) == {"a": 2, "b": 1}
    assert state.tasks["a"].attempts == 2

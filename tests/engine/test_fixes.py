"""Fix and continue through the real engine, on asyncio and trio: complete a task by hand,
skip it, retry it with an input override; each is one journal event naming the operator, and
what replaying the journal rebuilds is what the live engine had."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import ProbeBench, run_to_end, wait_for

from harmonia.errors import InvalidOperation, NotFound
from harmonia.events import EventType
from harmonia.state import ExecutionState

pytestmark = pytest.mark.anyio

FAIL: dict[str, Any] = {"input": {"fail_while": "broken"}}


@pytest.fixture
def bench(data_dir: Path) -> ProbeBench:
    bench = ProbeBench(data_dir)
    bench.probe.flags.add("broken")
    return bench


def statuses(state: ExecutionState) -> dict[str, str]:
    return {t: str(s.status) for t, s in state.tasks.items()}


def operator_events(bench: ProbeBench, execution_id: str) -> list[Any]:
    kinds = {EventType.TASK_COMPLETED_BY_OPERATOR, EventType.TASK_SKIPPED_BY_OPERATOR}
    return [e for e in bench.store().read_events(execution_id) if e.type in kinds]


CHAIN = {
    "a": {},
    "b": {"depends_on": ["a"], **FAIL},
    "c": {"depends_on": ["b"], "input": {"value": "${tasks.b.output.rows}"}},
}


async def test_complete_a_failed_task_runs_what_is_below_it_with_the_given_output(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow(CHAIN)
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert first.status == "failed"
        reset = await engine.complete_task(first.id, "b", {"rows": 42}, by="alice")
        assert reset == ["c"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert statuses(state) == {"a": "completed", "b": "completed", "c": "completed"}
    assert state.tasks["b"].output == {"rows": 42}
    assert state.tasks["c"].output["value"] == 42  # c read what the operator gave
    assert bench.probe.counts == {"a": 1, "b": 1, "c": 1}  # b never ran again
    [event] = operator_events(bench, first.id)
    assert event.task_id == "b"
    assert event.data["action"] == "complete" and event.data["by"] == "alice"
    public = state.tasks["b"].to_public()["operator"]
    assert public["action"] == "complete" and public["by"] == "alice"
    assert state.tasks["c"].operator is None  # computed, not made by hand
    # the journal alone rebuilds the same thing
    on_disk = bench.store().load_execution(first.id)
    assert statuses(on_disk) == statuses(state)
    assert on_disk.tasks["b"].operator == state.tasks["b"].operator


async def test_skip_a_failed_task_follows_the_rules_for_a_skipped_parent(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow(
        {
            "b": FAIL,
            "plain": {"depends_on": ["b"]},
            "always": {"depends_on": ["b"], "trigger_rule": "all_done"},
            "alert": {"depends_on": ["b"], "trigger_rule": "one_failed"},
        }
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert statuses(first)["alert"] == "completed"  # b failed: the alert ran
        reset = await engine.skip_task(first.id, "b", by="cli", reason="not needed today")
        assert reset == ["plain", "always", "alert"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert statuses(state) == {
        "b": "skipped",
        "plain": "skipped",  # below a skipped task without `when:`
        "always": "completed",
        "alert": "skipped",  # decided again: nothing failed now
    }
    [event] = operator_events(bench, first.id)
    assert event.type == EventType.TASK_SKIPPED_BY_OPERATOR
    assert event.data["reason"] == "not needed today"
    assert state.tasks["b"].operator is not None
    assert state.tasks["b"].operator["reason"] == "not needed today"


async def test_complete_a_pending_task_below_a_failure(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {"a": FAIL, "b": {"depends_on": ["a"]}, "c": {"depends_on": ["b"]}, "d": {}}
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert statuses(first) == {"a": "failed", "b": "pending", "c": "pending", "d": "completed"}
        await engine.complete_task(first.id, "b", None, by="tui")
        state = await engine.wait(first.id)
    assert statuses(state) == {"a": "failed", "b": "completed", "c": "completed", "d": "completed"}
    assert state.status == "failed"  # `a` is still failed: the operator fixed only `b`
    assert bench.probe.counts == {"a": 1, "c": 1, "d": 1}


async def test_complete_a_canceled_task_resumes_a_canceled_execution(bench: ProbeBench) -> None:
    wf = bench.workflow({"g": {"input": {"gate": "g"}}, "after": {"depends_on": ["g"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await bench.probe.started("g")
        canceled = await engine.cancel(started.id)
        assert statuses(canceled) == {"g": "canceled", "after": "canceled"}
        reset = await engine.complete_task(started.id, "g", {"ok": True}, by="cli")
        assert reset == ["after"]
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert statuses(state) == {"g": "completed", "after": "completed"}


async def test_a_fix_on_a_paused_execution_waits_for_resume(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {"r": {"input": {"gate": "r"}}, "p": {"depends_on": ["r"]}, "q": {"depends_on": ["p"]}}
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await bench.probe.started("r")
        await engine.pause(started.id)
        await engine.complete_task(started.id, "p", {"by": "hand"}, by="cli")
        bench.probe.open("r")
        state = await engine.wait(started.id)
        assert state.status == "paused"
        assert statuses(state) == {"r": "completed", "p": "completed", "q": "pending"}
        await engine.resume(started.id)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert bench.probe.counts == {"r": 1, "q": 1}


async def test_refusals_name_the_status_and_record_nothing(bench: ProbeBench) -> None:
    wf = bench.workflow({"a": {}, "b": {"depends_on": ["a"], **FAIL}})
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        seq = first.last_seq
        only = "task 'a' is completed; only a canceled, failed, pending or waiting task can be "
        only += "completed"
        with pytest.raises(InvalidOperation, match=only):
            await engine.complete_task(first.id, "a", 1, by="cli")
        with pytest.raises(InvalidOperation, match="is completed"):
            await engine.skip_task(first.id, "a", by="cli")
        with pytest.raises(NotFound, match="no task 'nope'"):
            await engine.complete_task(first.id, "nope", 1, by="cli")
        with pytest.raises(ValueError, match="not JSON"):
            await engine.complete_task(first.id, "b", {"x": object()}, by="cli")
        with pytest.raises(ValueError, match="output"):
            await engine.complete_task(first.id, "b", 2**70, by="cli")
        state = await engine.get(first.id)
    assert state.last_seq == seq
    assert bench.store().load_execution(first.id).last_seq == seq
    assert statuses(state)["b"] == "failed"


async def test_a_running_task_cannot_be_completed(bench: ProbeBench) -> None:
    wf = bench.workflow({"g": {"input": {"gate": "g"}}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await bench.probe.started("g")
        with pytest.raises(InvalidOperation, match="task 'g' is running"):
            await engine.complete_task(started.id, "g", 1, by="cli")
        bench.probe.open("g")
        state = await engine.wait(started.id)
    assert state.status == "completed"


# ---- retry with an input override, and the retry plan ---------------------------------------


async def test_retry_with_an_input_override_runs_the_next_attempt_with_it(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow({"t": {"input": {"value": 1, "fail_times": 1}}, "u": {"depends_on": ["t"]}})
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert first.status == "failed"
        plan = await engine.retry_plan(first.id, "t")
        assert plan.input == {"value": 1, "fail_times": 1}  # as last rendered
        reset = await engine.retry_task(first.id, "t", input={"value": 7}, by="bob")
        assert reset == plan.reset == ["t", "u"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert state.tasks["t"].output["value"] == 7
    events = bench.store().read_events(first.id)
    [resumed] = [e for e in events if e.type == EventType.WORKFLOW_RESUMED]
    assert resumed.data["input"] == {"value": 7} and resumed.data["by"] == "bob"
    started = [e for e in events if e.type == EventType.TASK_STARTED and e.task_id == "t"]
    assert started[-1].data["input"] == {"value": 7, "fail_times": 1}
    assert bench.store().load_execution(first.id).tasks["t"].input_override == {"value": 7}


async def test_a_retry_without_input_drops_an_earlier_override(bench: ProbeBench) -> None:
    wf = bench.workflow({"t": {"input": {"value": 1}}})
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        await engine.retry_task(first.id, "t", input={"value": 2})
        state = await engine.wait(first.id)
        assert state.tasks["t"].output["value"] == 2
        await engine.retry_task(first.id, "t")
        state = await engine.wait(first.id)
    assert state.tasks["t"].output["value"] == 1


RULED = {
    "work": FAIL,
    "alert": {"depends_on": ["work"], "trigger_rule": "one_failed"},
    "publish": {"depends_on": ["work"]},
    "cleanup": {"depends_on": ["publish"], "trigger_rule": "all_done"},
    "side": {},
}


@pytest.mark.parametrize("target", ["work", "alert", "publish", "cleanup", "side"])
async def test_the_retry_plan_is_exactly_what_the_retry_resets(
    bench: ProbeBench, target: str
) -> None:
    wf = bench.workflow(RULED)
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        plan = await engine.retry_plan(first.id, target)
        assert plan.status == statuses(first)[target]
        if plan.refusal is not None:
            with pytest.raises(InvalidOperation, match=plan.refusal):
                await engine.retry_task(first.id, target)
            return
        reset = await engine.retry_task(first.id, target)
        assert reset == plan.reset
        await engine.wait(first.id)


async def test_the_retry_plan_of_a_running_task_says_it_would_be_refused(
    bench: ProbeBench,
) -> None:
    wf = bench.workflow({"g": {"input": {"gate": "g"}}, "h": {"depends_on": ["g"]}})
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await bench.probe.started("g")
        plan = await engine.retry_plan(started.id, "g")
        assert plan.reset == ["g", "h"]
        assert plan.refusal is not None and "running right now" in plan.refusal
        with pytest.raises(InvalidOperation, match="running right now"):
            await engine.retry_task(started.id, "g")
        bench.probe.open("g")
        await wait_for(lambda: started.status == "completed")
        with pytest.raises(NotFound):
            await engine.retry_plan(started.id, "nope")


async def test_the_retry_uses_the_plan_function(
    bench: ProbeBench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry and the preview cannot disagree: both take their list from `plan_retry`."""
    import harmonia.engine.operations as operations
    from harmonia.engine.retry_plan import RetryPlan

    def planted(plan: Any, state: Any, task_id: str, *, active: bool) -> RetryPlan:
        return RetryPlan(task_id, "failed", [task_id], refusal=None)

    wf = bench.workflow({"a": FAIL, "b": {"depends_on": ["a"]}})
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        monkeypatch.setattr(operations, "plan_retry", planted)
        reset = await engine.retry_task(first.id, "a")
        assert reset == ["a"]  # not ["a", "b"]: the plan decided
        await engine.wait(first.id)


async def test_complete_a_for_each_task_closes_its_unfinished_items(bench: ProbeBench) -> None:
    bench.probe.flags.add("bad")
    wf = bench.workflow(
        {
            "fan": {
                "for_each": ["ok", "bad"],
                "input": {"value": "${item}", "fail_while": "${item}"},
            },
            "after": {"depends_on": ["fan"], "input": {"value": "${tasks.fan.output}"}},
        }
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert statuses(first)["fan[1]"] == "failed" and first.status == "failed"
        with pytest.raises(InvalidOperation, match="an item of a for_each task"):
            await engine.complete_task(first.id, "fan[1]", 1, by="cli")
        reset = await engine.complete_task(first.id, "fan", ["by", "hand"], by="cli")
        assert reset == ["after"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert statuses(state) == {
        "fan": "completed",
        "after": "completed",
        "fan[0]": "completed",
        "fan[1]": "skipped",  # closed by the operator's completion of its task
    }
    assert state.tasks["after"].output["value"] == ["by", "hand"]
    assert statuses(bench.store().load_execution(first.id)) == statuses(state)

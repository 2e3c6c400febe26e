"""Approval gates (`core.approve`): waiting, approve, reject, timeouts, restarts and pauses."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.engine_probe import Probe, ProbeBench, wait_for

from harmonia.engine import Engine
from harmonia.errors import InvalidOperation, NotFound, ValidationFailed
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState

pytestmark = pytest.mark.anyio


class Clock:
    """The engine's injected wall clock, moved by hand: gate deadlines are read from it."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def gate(**input: Any) -> dict[str, Any]:
    return {"component": "core", "action": "approve", "input": {"message": "ship it?", **input}}


def gated(bench: ProbeBench, **gate_input: Any) -> Workflow:
    """`build`, then the gate, then `deploy`, which reads who decided."""
    return bench.workflow(
        {
            "build": {},
            "gate": {**gate(**gate_input), "depends_on": ["build"]},
            "deploy": {"depends_on": ["gate"], "input": {"value": "${tasks.gate.output.by}"}},
        }
    )


async def waiting(engine: Engine, wf: Workflow) -> ExecutionState:
    """Start `wf` and return once its gate waits (the run at rest, the execution running)."""
    state = await engine.start(wf)
    await wait_for(lambda: state.tasks["gate"].status == "waiting", what="the gate to wait")
    await engine.wait(state.id)
    return state


def types(bench: ProbeBench, execution_id: str, task_id: str) -> list[str]:
    events = bench.store().read_events(execution_id, 0)
    return [e.type for e in events if e.task_id == task_id]


async def test_a_gate_waits_then_approval_completes_it_and_downstream_runs(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench))
        assert state.status == "running"  # not over: a person decides
        assert state.tasks["deploy"].status == "pending"
        assert probe.counts == {"build": 1}
        waited = state.tasks["gate"].history[-1]["waiting"]
        assert waited["message"] == "ship it?"
        assert waited["deadline"] is None

        record = await engine.approve(state.id, "gate", by="alice", reason="looks good")
        assert record["decision"] == "approved"
        assert record["by"] == "alice"
        final = await engine.wait(state.id)
    assert final.status == "completed"
    output = final.tasks["gate"].output
    assert output["approved"] is True
    assert output["by"] == "alice"
    assert output["reason"] == "looks good"
    assert output["decided_at"].endswith("Z") or "+" in output["decided_at"]
    assert final.tasks["deploy"].output["value"] == "alice"
    assert types(bench, state.id, "gate") == [
        EventType.TASK_STARTED,
        EventType.TASK_WAITING,
        EventType.APPROVAL_DECIDED,
        EventType.TASK_COMPLETED,
    ]


async def test_rejection_fails_the_task_with_kind_rejected_and_its_reason(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench))
        await engine.reject(state.id, "gate", by="bob", reason="not on a Friday")
        final = await engine.wait(state.id)
    assert final.status == "failed"
    error = final.tasks["gate"].error
    assert error is not None
    assert error["kind"] == "rejected"
    assert error["message"] == "rejected by bob: not on a Friday"
    assert error["details"]["by"] == "bob"
    assert final.tasks["deploy"].status == "pending"
    assert "deploy" not in probe.counts
    decided = [
        e for e in bench.store().read_events(state.id, 0) if e.type == EventType.APPROVAL_DECIDED
    ]
    assert [(e.data["decision"], e.data["by"], e.data["reason"]) for e in decided] == [
        ("rejected", "bob", "not on a Friday")
    ]


async def test_deciding_a_task_that_is_not_waiting_is_refused_and_records_nothing(
    bench: ProbeBench,
) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench))
        seq = state.last_seq
        with pytest.raises(InvalidOperation, match=r"'build'.*completed, not waiting"):
            await engine.approve(state.id, "build", by="cli")
        with pytest.raises(InvalidOperation, match=r"'deploy'.*pending, not waiting"):
            await engine.reject(state.id, "deploy", by="cli")
        with pytest.raises(NotFound, match="no task 'nope'"):
            await engine.approve(state.id, "nope", by="cli")
        with pytest.raises(NotFound):
            await engine.approve("ex-000000000000", "gate", by="cli")
        assert state.last_seq == seq
        await engine.approve(state.id, "gate", by="cli")
        with pytest.raises(InvalidOperation, match="completed, not waiting"):
            await engine.approve(state.id, "gate", by="cli")  # decided once only
        final = await engine.wait(state.id)
    assert final.status == "completed"


@pytest.mark.parametrize(("on_timeout", "status"), [("reject", "failed"), ("approve", "completed")])
async def test_a_timeout_decides_by_on_timeout_on_the_engines_clock(
    bench: ProbeBench, on_timeout: str, status: str
) -> None:
    clock = Clock()
    async with bench.engine(clock=clock) as engine:
        state = await waiting(engine, gated(bench, timeout="2h", on_timeout=on_timeout))
        waited = state.tasks["gate"].history[-1]["waiting"]
        assert waited["deadline"] == clock.now + 7200
        clock.now += 7199
        engine.approvals.wake()
        await engine.wait(state.id)
        assert state.tasks["gate"].status == "waiting"  # one second early: still waiting
        clock.now += 1
        engine.approvals.wake()
        await wait_for(lambda: state.status == status, what=f"the execution {status}")
        final = await engine.wait(state.id)
    task = final.tasks["gate"]
    decision = task.output if status == "completed" else task.error["details"]  # type: ignore[index]
    assert decision["by"] == "timeout"
    assert decision["timed_out"] is True
    assert engine.approvals.armed == 0


async def test_a_waiting_execution_stays_waiting_across_a_restart_and_its_deadline_holds(
    bench: ProbeBench, probe: Probe
) -> None:
    clock = Clock()
    async with bench.engine(clock=clock) as engine:
        state = await waiting(engine, gated(bench, timeout=600))
        deadline = state.tasks["gate"].history[-1]["waiting"]["deadline"]
        execution_id = state.id
    clock.now += 300  # down for five minutes
    async with bench.engine(clock=clock) as engine:
        assert await engine.recover() == [execution_id]
        await engine.wait(execution_id)
        again = await engine.get(execution_id)
        assert again.status == "running"
        assert again.tasks["gate"].status == "waiting"
        assert again.tasks["gate"].attempts == 1  # not started again
        assert again.tasks["gate"].history[-1]["waiting"]["deadline"] == deadline
        assert engine.approvals.armed == 1
        clock.now += 299
        engine.approvals.wake()
        await engine.wait(execution_id)
        assert again.tasks["gate"].status == "waiting"
    clock.now += 3600  # down past the deadline: the next start decides at once
    async with bench.engine(clock=clock) as engine:
        await engine.recover()
        recovered = engine.live_state(execution_id)
        assert recovered is not None
        await wait_for(lambda: recovered.status == "failed", what="decided by the timeout")
        final = await engine.wait(execution_id)
    assert final.status == "failed"
    assert final.tasks["gate"].error["kind"] == "rejected"  # type: ignore[index]
    assert probe.counts == {"build": 1}


async def test_approval_after_a_restart_runs_downstream(bench: ProbeBench, probe: Probe) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench))
    async with bench.engine() as engine:
        await engine.recover()
        await engine.approve(state.id, "gate", by="tui")
        final = await engine.wait(state.id)
    assert final.status == "completed"
    assert probe.counts == {"build": 1, "deploy": 1}


async def test_a_decision_while_paused_is_kept_and_downstream_runs_at_resume(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "slow": {"input": {"gate": "slow"}},
            "gate": gate(),
            "deploy": {"depends_on": ["gate"]},
        }
    )
    async with bench.engine() as engine:
        state = await engine.start(wf)
        await probe.started("slow")
        await wait_for(lambda: state.tasks["gate"].status == "waiting")
        await engine.pause(state.id)
        await engine.approve(state.id, "gate", by="alice")
        probe.open("slow")
        paused = await engine.wait(state.id)
        assert paused.status == "paused"
        assert paused.tasks["gate"].status == "completed"
        assert paused.tasks["deploy"].status == "pending"
        assert "deploy" not in probe.counts
        await engine.resume(state.id)
        final = await engine.wait(state.id)
    assert final.status == "completed"
    assert probe.counts == {"slow": 1, "deploy": 1}


async def test_cancel_ends_a_waiting_gate_as_canceled(bench: ProbeBench) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench, timeout=60))
        await engine.cancel(state.id)
        assert state.status == "canceled"
        assert state.tasks["gate"].status == "canceled"
        assert state.tasks["gate"].history[-1]["status"] == "canceled"
        with pytest.raises(InvalidOperation):
            await engine.approve(state.id, "gate", by="cli")


@pytest.mark.parametrize(
    ("input", "field", "message"),
    [
        ({"timeout": "3 weeks"}, "timeout", "not a duration"),
        ({"timeout": 0}, "timeout", "more than 0"),
        ({"on_timeout": "maybe"}, "on_timeout", "reject"),
        ({"message": ""}, "message", "must not be empty"),
    ],
)
def test_a_bad_gate_input_is_refused_at_load_naming_the_field(
    input: dict[str, Any], field: str, message: str
) -> None:
    doc = {"name": "g", "tasks": {"gate": gate(**input)}}
    with pytest.raises(ValidationFailed) as caught:
        load_workflow_dict(doc)
    text = str(caught.value)
    assert "gate" in text
    assert field in text
    assert message in text


async def test_an_execution_at_rest_at_a_gate_pauses_and_its_timeout_waits_for_resume(
    bench: ProbeBench, probe: Probe
) -> None:
    clock = Clock()
    async with bench.engine(clock=clock) as engine:
        state = await waiting(engine, gated(bench, timeout=60, on_timeout="approve"))
        paused = await engine.pause(state.id)
        assert paused.status == "paused"
        clock.now += 3600
        engine.approvals.wake()
        await engine.wait(state.id)
        assert state.tasks["gate"].status == "waiting"  # a pause holds the timer
    async with bench.engine(clock=clock) as engine:
        assert await engine.recover() == []  # paused stays paused
        resumed = await engine.resume(state.id)  # the timer runs again, its deadline long past
        await wait_for(lambda: resumed.status == "completed", what="completed")
        final = await engine.wait(state.id)
    assert final.tasks["gate"].output["by"] == "timeout"
    assert probe.counts == {"build": 1, "deploy": 1}


async def test_a_decision_on_a_paused_gate_is_kept_across_a_restart(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        state = await waiting(engine, gated(bench))
        await engine.pause(state.id)
        await engine.approve(state.id, "gate", by="alice", reason="while paused")
        assert state.status == "paused"
        assert state.tasks["deploy"].status == "pending"
    async with bench.engine() as engine:
        await engine.recover()
        again = await engine.get(state.id)
        assert again.status == "paused"
        assert again.tasks["gate"].output["reason"] == "while paused"
        await engine.resume(state.id)
        final = await engine.wait(state.id)
    assert final.status == "completed"
    assert probe.counts == {"build": 1, "deploy": 1}


def test_a_gate_cannot_fan_out() -> None:
    doc = {"name": "g", "tasks": {"gate": {**gate(), "for_each": [1, 2]}}}
    with pytest.raises(ValidationFailed) as caught:
        load_workflow_dict(doc)
    assert "approval gate (core.approve) cannot fan out" in str(caught.value)
    assert "for_each" in str(caught.value)


async def test_retry_of_a_rejected_gate_asks_again(bench: ProbeBench, probe: Probe) -> None:
    clock = Clock()
    async with bench.engine(clock=clock) as engine:
        state = await waiting(engine, gated(bench, timeout=60))
        await engine.reject(state.id, "gate", by="bob")
        await engine.wait(state.id)
        assert state.status == "failed"
        assert await engine.retry_task(state.id, "gate") == ["gate", "deploy"]
        again = engine.live_state(state.id)  # loaded again: the failed run had let it go
        assert again is not None
        await wait_for(lambda: again.tasks["gate"].status == "waiting", what="asked again")
        await engine.wait(state.id)
        assert again.tasks["gate"].attempts == 2
        assert again.tasks["gate"].history[-1]["waiting"]["since"] == clock.now
        await engine.approve(state.id, "gate", by="bob", reason="second look")
        final = await engine.wait(state.id)
    assert final.status == "completed"
    assert probe.counts == {"build": 1, "deploy": 1}


@pytest.mark.parametrize("action", ["complete", "skip"])
async def test_an_operator_fix_ends_a_wait_and_downstream_runs(
    bench: ProbeBench, probe: Probe, action: str
) -> None:
    clock = Clock()
    async with bench.engine(clock=clock) as engine:
        state = await waiting(engine, gated(bench, timeout="1h"))
        if action == "complete":
            await engine.complete_task(state.id, "gate", {"by": "ops"}, by="alice")
        else:
            await engine.skip_task(state.id, "gate", by="alice")
        final = await engine.wait(state.id)
        clock.now += 7200  # the gate's timer was let go: nothing decides it later
        engine.approvals.wake()
        assert engine.approvals.armed == 0
    assert final.status == "completed"
    assert final.tasks["gate"].status == ("completed" if action == "complete" else "skipped")
    deploy = final.tasks["deploy"]
    if action == "complete":
        assert deploy.status == "completed" and deploy.output["value"] == "ops"
    else:
        assert deploy.status == "skipped"  # below a skipped task, as the trigger rules say
    assert EventType.APPROVAL_DECIDED not in types(bench, state.id, "gate")

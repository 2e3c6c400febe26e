"""Retries: exponential backoff, `retry_on`, non-retryable kinds, timeouts."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.engine_probe import FAST_RETRY, Probe, ProbeBench, engine_options, wait_for
from helpers.workflows import task

from harmonia.engine import Engine, open_engine
from harmonia.events import Event, EventType
from harmonia.loader import load_workflow_dict
from harmonia.model import Workflow
from harmonia.state import ExecutionState

pytestmark = pytest.mark.anyio


async def run_with_events(engine: Engine, wf: Workflow) -> tuple[ExecutionState, list[Event]]:
    started = await engine.start(wf)
    events = [e async for e in engine.subscribe(started.id, after_seq=0, until_finished=True)]
    return await engine.wait(started.id), events


def of(events: list[Event], type: str, task_id: str | None = None) -> list[Event]:
    return [e for e in events if e.type == type and (task_id is None or e.task_id == task_id)]


def policy(**fields: Any) -> dict[str, Any]:
    return {**FAST_RETRY, **fields}


@pytest.mark.virtual_time
async def test_max_retries_two_means_three_attempts_with_exponential_backoff(
    bench: ProbeBench,
    probe: Probe,
) -> None:
    wf = bench.workflow(
        {
            "flaky": {
                "input": {"fail_times": 99},
                "retry_policy": policy(max_retries=2, initial_delay=1, backoff_multiplier=3),
            }
        },
    )
    async with bench.engine() as engine:
        before = anyio.current_time()
        state, events = await run_with_events(engine, wf)
        assert anyio.current_time() - before >= 1 + 3  # the backoffs were waited out
    task = state.tasks["flaky"]
    assert task.status == "failed"
    assert task.attempts == 3
    assert [c.attempt for c in probe.calls] == [1, 2, 3]
    retries = of(events, EventType.RETRY_ATTEMPTED, "flaky")
    assert [e.data["attempt"] for e in retries] == [1, 2]
    assert [e.data["next_attempt"] for e in retries] == [2, 3]
    assert [e.data["delay"] for e in retries] == pytest.approx([1, 3])
    for e in retries:
        assert e.data["error"] == {"message": e.data["error"]["message"], "kind": "error"}
        assert "flaky failed on call" in e.data["error"]["message"]
    failed = of(events, EventType.TASK_FAILED, "flaky")
    assert len(failed) == 1 and failed[0].data["attempt"] == 3
    assert [h["status"] for h in task.history] == ["failed", "failed", "failed"]
    assert [h["attempt"] for h in task.history] == [1, 2, 3]


@pytest.mark.virtual_time
async def test_backoff_is_capped_by_max_delay_and_jitter_uses_the_injected_rng(
    bench: ProbeBench,
) -> None:
    retry = {
        "max_retries": 4,
        "initial_delay": 1,
        "backoff_multiplier": 2,
        "max_delay": 2.5,
        "jitter": 0.5,
    }
    wf = bench.workflow({"t": {"input": {"fail_times": 99}, "retry_policy": retry}})
    async with bench.engine(rng=random.Random(7)) as engine:
        before = anyio.current_time()
        _, events = await run_with_events(engine, wf)
        waited = anyio.current_time() - before
    delays = [e.data["delay"] for e in of(events, EventType.RETRY_ATTEMPTED)]
    rng = random.Random(7)
    expected = [min(2.5, 1 * 2**i) * (1 + 0.5 * rng.uniform(-1.0, 1.0)) for i in range(4)]
    assert delays == pytest.approx(expected, abs=1e-6)
    assert waited >= sum(delays)


async def test_flaky_task_succeeds_on_its_third_attempt(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {
            "flaky": {
                "input": {"fail_times": 2, "value": "ok"},
                "retry_policy": policy(max_retries=5),
            },
            "after": {"depends_on": ["flaky"], "input": {"value": "${tasks.flaky.output.attempt}"}},
        },
    )
    async with bench.engine() as engine:
        state, events = await run_with_events(engine, wf)
    assert state.status == "completed"
    flaky = state.tasks["flaky"]
    assert flaky.attempts == 3
    assert flaky.output == {"task": "flaky", "attempt": 3, "value": "ok"}
    assert flaky.error is None
    assert [h["status"] for h in flaky.history] == ["failed", "failed", "completed"]
    assert state.tasks["after"].output["value"] == 3
    assert len(of(events, EventType.RETRY_ATTEMPTED)) == 2
    completed = of(events, EventType.TASK_COMPLETED, "flaky")
    assert completed[0].data["attempt"] == 3


async def test_retry_on_restricts_which_kinds_retry(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {
            "listed": {
                "input": {"fail_times": 99, "kind": "connection"},
                "retry_policy": policy(max_retries=2, retry_on=["connection", "timeout"]),
            },
            "not_listed": {
                "input": {"fail_times": 99, "kind": "exit_code"},
                "retry_policy": policy(max_retries=2, retry_on=["connection", "timeout"]),
            },
        },
    )
    async with bench.engine() as engine:
        state, events = await run_with_events(engine, wf)
    assert state.tasks["listed"].attempts == 3
    assert state.tasks["not_listed"].attempts == 1
    assert state.tasks["not_listed"].error == {
        "message": "not_listed failed on call 1",
        "kind": "exit_code",
    }
    assert not of(events, EventType.RETRY_ATTEMPTED, "not_listed")


@pytest.mark.parametrize("kind", ["invalid_input", "reference", "http_client_error", "output"])
async def test_non_retryable_kinds_fail_at_once(bench: ProbeBench, kind: str) -> None:
    wf = bench.workflow(
        {
            "t": {
                "input": {"fail_times": 99, "kind": kind},
                # even listing the kind cannot make a deterministic failure pass
                "retry_policy": policy(max_retries=3, retry_on=[kind, "error"]),
            }
        },
    )
    async with bench.engine() as engine:
        state, events = await run_with_events(engine, wf)
    task = state.tasks["t"]
    assert task.status == "failed"
    assert task.attempts == 1
    assert task.error is not None and task.error["kind"] == kind
    assert not of(events, EventType.RETRY_ATTEMPTED)


async def test_invalid_input_at_run_time_is_not_retried(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "bad-sleep",
            "defaults": {"retry_policy": policy(max_retries=3)},
            "tasks": {
                "a": task("core.echo", input={"s": "long"}),
                "nap": task("core.sleep", "a", input={"seconds": "${tasks.a.output.s}"}),
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state, _ = await run_with_events(engine, wf)
    nap = state.tasks["nap"]
    assert nap.status == "failed"
    assert nap.attempts == 1
    assert nap.error is not None and nap.error["kind"] == "invalid_input"
    assert "seconds" in nap.error["message"]


@pytest.mark.virtual_time
async def test_timeout_fails_with_kind_timeout_and_is_retried(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "slow",
            "tasks": {
                "slow": task(
                    "core.sleep",
                    input={"seconds": 3600},
                    timeout=30,
                    retry_policy=policy(max_retries=1),
                ),
                "quick": task("core.echo"),
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state, events = await run_with_events(engine, wf)
    slow = state.tasks["slow"]
    assert slow.status == "failed"
    assert slow.attempts == 2
    assert slow.error is not None
    assert slow.error["kind"] == "timeout"
    assert "timed out after 30s" in slow.error["message"]
    retries = of(events, EventType.RETRY_ATTEMPTED, "slow")
    assert len(retries) == 1 and retries[0].data["error"]["kind"] == "timeout"
    for e in [*retries, *of(events, EventType.TASK_FAILED, "slow")]:
        assert 30 <= e.data["duration"] < 3600  # ended by its time-out, not by the sleep
    assert state.tasks["quick"].status == "completed"


@pytest.mark.virtual_time
async def test_workflow_default_timeout_applies_and_task_timeout_wins(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "timeouts",
            "defaults": {"timeout": 30},
            "tasks": {
                "by_default": task("core.sleep", input={"seconds": 3600}),
                "own": task("core.sleep", input={"seconds": 60}, timeout=120),
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state, _ = await run_with_events(engine, wf)
    assert state.tasks["by_default"].error == {
        "message": "attempt 1 timed out after 30s",
        "kind": "timeout",
    }
    assert state.tasks["own"].status == "completed"


@pytest.mark.virtual_time
async def test_default_retry_policy_merges_field_by_field(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {
            "inherits": {"input": {"fail_times": 99}},
            "overrides": {"input": {"fail_times": 99}, "retry_policy": {"max_retries": 0}},
        },
        defaults={"retry_policy": policy(max_retries=1, initial_delay=2)},
    )
    async with bench.engine() as engine:
        state, events = await run_with_events(engine, wf)
    assert state.tasks["inherits"].attempts == 2
    assert state.tasks["overrides"].attempts == 1
    (retry,) = of(events, EventType.RETRY_ATTEMPTED)
    assert retry.data["delay"] == pytest.approx(2)


async def test_retrying_status_is_visible_during_backoff(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "t": {
                "input": {"fail_times": 1},
                "retry_policy": policy(max_retries=1, initial_delay=0.1),
            }
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        live = await engine.get(started.id)
        await wait_for(lambda: live.tasks["t"].status == "retrying")
        assert live.tasks["t"].error is not None
        assert live.tasks["t"].error["kind"] == "error"
        assert probe.counts == {"t": 1}  # waiting out the backoff, not running
        state = await engine.wait(started.id)
    assert state.tasks["t"].status == "completed"
    assert state.tasks["t"].attempts == 2

"""Dynamic fan-out (`for_each`): one task instance per item, each with its own attempts, retries
and events; the task's output is the items' outputs in order; the list is evaluated once.

Every test runs on asyncio and trio (see `anyio_backend` in conftest.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from helpers.engine_probe import FAST_RETRY, Probe, ProbeBench, run_to_end, wait_for
from helpers.workflows import after

from harmonia.engine import Engine
from harmonia.state import ExecutionState
from harmonia.store import Store

pytestmark = pytest.mark.anyio

T = TypeVar("T")


def values(state: ExecutionState, tid: str) -> list[Any]:
    """The `value` of each item output of `tid` (probe outputs are {"task", "attempt", "value"})."""
    output = state.tasks[tid].output
    assert isinstance(output, list)
    return [o["value"] for o in output]


def journal_types(store: Store, execution_id: str, task_id: str) -> list[str]:
    return [e.type for e in store.read_events(execution_id) if e.task_id == task_id]


# ---- expansion -------------------------------------------------------------------------------


async def test_a_literal_list_runs_one_item_per_element_and_keeps_their_order(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "fan": {"for_each": ["a", "b", "c"], "input": {"value": "${item}:${index}"}},
            "after": {"depends_on": ["fan"], "input": {"value": "${tasks.fan.output}"}},
        }
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    assert values(state, "fan") == ["a:0", "b:1", "c:2"]
    assert [state.tasks[f"fan[{i}]"].status for i in range(3)] == ["completed"] * 3
    assert probe.counts == {"fan[0]": 1, "fan[1]": 1, "fan[2]": 1, "after": 1}
    assert state.tasks["after"].output["value"] == state.tasks["fan"].output
    store = bench.store()
    assert journal_types(store, state.id, "fan") == ["task_expanded", "task_completed"]
    assert journal_types(store, state.id, "fan[1]") == ["task_started", "task_completed"]
    expanded = next(e for e in store.read_events(state.id) if e.type == "task_expanded")
    assert expanded.data == {"count": 3, "items": ["a", "b", "c"]}
    # what a new process reads back (snapshot, journal) is what the live run had
    loaded = store.load_execution(state.id)
    assert loaded.to_public() == state.to_public()
    assert loaded.expansions == {"fan": ["a", "b", "c"]}
    public = state.to_public()["tasks"]
    assert public["fan"]["item_count"] == 3
    assert public["fan[2]"]["parent"] == "fan" and public["fan[2]"]["index"] == 2


async def test_the_list_can_be_an_upstream_output_or_an_input(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "source": {"input": {"value": [{"n": 1}, {"n": 2}]}},
            "from_task": {
                "depends_on": ["source"],
                "for_each": "${tasks.source.output.value}",
                "input": {"value": "${item.n}"},
            },
            "from_input": {"for_each": "${input.names}", "input": {"value": "hello ${item}"}},
        },
        input={"names": {"type": "array", "default": ["x"]}},
    )
    async with bench.engine() as engine:
        state = await run_to_end(engine, wf, {"names": ["ann", "bob"]})
    assert state.status == "completed"
    assert values(state, "from_task") == [1, 2]
    assert values(state, "from_input") == ["hello ann", "hello bob"]


async def test_an_empty_list_completes_the_task_with_an_empty_output(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "fan": {"for_each": "${input.items}", "input": {"value": "${item}"}},
            "after": {"depends_on": ["fan"], "input": {"value": "${tasks.fan.output}"}},
        },
        input={"items": {"type": "array", "default": []}},
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    assert state.tasks["fan"].output == []
    assert state.tasks["after"].output["value"] == []
    assert "fan" not in probe.counts


async def test_a_list_over_the_limit_fails_the_task_naming_the_limit(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "own": {"for_each": "${input.items}", "max_items": 2, "input": {"value": "${item}"}},
            "engine": {"for_each": "${input.items}", "input": {"value": "${item}"}},
            "fine": {"for_each": "${input.few}", "input": {"value": "${item}"}},
        },
        input={"items": {"type": "array"}, "few": {"type": "array", "default": [1, 2]}},
    )
    async with bench.engine(max_fanout_items=2) as engine:
        state = await run_to_end(engine, wf, {"items": [1, 2, 3]})
    assert state.status == "failed"
    for tid in ("own", "engine"):
        error = state.tasks[tid].error
        assert state.tasks[tid].status == "failed" and error is not None
        assert "3 items, over the limit of 2" in error["message"]
        assert f"{tid}[0]" not in state.tasks  # nothing was expanded
    assert values(state, "fine") == [1, 2]
    assert not any(t.startswith(("own", "engine")) for t in probe.counts)


async def test_a_reference_that_is_not_a_list_fails_the_task(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "source": {"input": {"value": "text"}},
            "fan": {"depends_on": ["source"], "for_each": "${tasks.source.output.value}"},
        }
    )
    state = await bench.run(wf)
    error = state.tasks["fan"].error
    assert state.tasks["fan"].status == "failed" and error is not None
    assert "for_each must give an array, not string" in error["message"]


async def test_max_parallel_bounds_the_items_running_at_once(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {"fan": {"for_each": list(range(7)), "max_parallel": 3, "input": {"gate": "go"}}},
        max_concurrency=10,
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: probe.running == 3)
        # the three hold their slots until the gate opens: nobody else may have started
        assert sum(probe.counts.values()) == 3
        probe.open("go")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert probe.max_running == 3
    assert len(probe.counts) == 7


async def test_max_concurrency_bounds_items_and_tasks_together(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "fan": {"for_each": list(range(5)), "input": {"gate": "go"}},
            "other": {"input": {"gate": "go"}},
        },
        max_concurrency=2,
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: probe.running == 2)
        probe.open("go")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert probe.max_running == 2


async def test_an_item_with_a_false_when_is_skipped_and_gives_null(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {"fan": {"for_each": [1, 5, 2], "when": "item > 1", "input": {"value": "${item}"}}}
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    assert state.tasks["fan[0]"].status == "skipped"
    output = state.tasks["fan"].output
    assert output[0] is None and [o["value"] for o in output[1:]] == [5, 2]


# ---- failures, retries, operator actions ----------------------------------------------------

FLAKY = {
    "fan": {
        "for_each": [{"v": 0, "flag": "-"}, {"v": 1, "flag": "broken"}, {"v": 2, "flag": "-"}],
        "retry_policy": {"max_retries": 2, **FAST_RETRY},
        "input": {"value": "${item.v}", "fail_while": "${item.flag}"},
    },
    "after": {"depends_on": ["fan"], "input": {"value": "${tasks.fan.output}"}},
}
"""Item 1 fails while the probe's "broken" flag is set; the others succeed."""


async def failed_item_run(bench: ProbeBench, engine: Engine) -> ExecutionState:
    bench.probe.flags.add("broken")
    return await run_to_end(engine, bench.workflow(FLAKY))


async def fixed_then(
    bench: ProbeBench, act: Callable[[Engine, str], Awaitable[T]]
) -> tuple[T, ExecutionState]:
    """The FLAKY run failed on item 1, its cause fixed, then `act` on it in the same engine:
    what `act` returned and the execution's state at its new end, which every way of going
    on must complete by running item 1 alone once more (after its 3 failures), then `after`."""
    async with bench.engine() as engine:
        failed = await failed_item_run(bench, engine)
        bench.probe.flags.clear()
        done = await act(engine, failed.id)
        state = await engine.wait(failed.id)
    assert state.status == "completed"
    assert bench.probe.counts == {"fan[0]": 1, "fan[1]": 4, "fan[2]": 1, "after": 1}
    return done, state


async def test_an_item_retries_alone_then_fails_its_task_for_good(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        state = await failed_item_run(bench, engine)
    assert state.status == "failed"
    assert state.tasks["fan[1]"].status == "failed"
    assert state.tasks["fan[1]"].attempts == 3
    assert probe.counts == {"fan[0]": 1, "fan[1]": 3, "fan[2]": 1}
    assert state.tasks["fan[0]"].status == state.tasks["fan[2]"].status == "completed"
    error = state.tasks["fan"].error
    assert state.tasks["fan"].status == "failed" and error is not None
    assert error["message"] == "1 of 3 items failed: fan[1]"
    assert state.tasks["after"].status == "pending"
    retries = journal_types(bench.store(), state.id, "fan[1]").count("retry_attempted")
    assert retries == 2


async def test_an_operator_retry_of_one_item_runs_only_that_item_and_downstream(
    bench: ProbeBench,
) -> None:
    reset, state = await fixed_then(bench, lambda engine, id: engine.retry_task(id, "fan[1]"))
    assert reset == ["fan[1]", "fan", "after"]
    assert values(state, "fan") == [0, 1, 2]
    # the list was not evaluated again
    types = journal_types(bench.store(), state.id, "fan")
    assert types.count("task_expanded") == 1


async def test_an_operator_retry_of_the_task_runs_its_failed_items_again(bench: ProbeBench) -> None:
    reset, _ = await fixed_then(bench, lambda engine, id: engine.retry_task(id, "fan"))
    assert reset == ["fan[1]", "fan", "after"]


async def test_a_retry_upstream_evaluates_the_list_again(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "source": {"input": {"value": [1, 2], "fail_while": "broken"}},
            "fan": after(
                "source", for_each="${tasks.source.output.value}", input={"value": "${item}"}
            ),
        }
    )
    async with bench.engine() as engine:
        first = await run_to_end(engine, wf)
        assert values(first, "fan") == [1, 2]
        reset = await engine.retry_task(first.id, "source")
        assert reset == ["source", "fan"]
        state = await engine.wait(first.id)
    assert state.status == "completed"
    assert probe.counts == {"source": 2, "fan[0]": 2, "fan[1]": 2}
    assert journal_types(bench.store(), state.id, "fan").count("task_expanded") == 2


async def test_resume_after_a_failure_runs_only_the_failed_items(bench: ProbeBench) -> None:
    _, state = await fixed_then(bench, lambda engine, id: engine.resume(id))
    assert values(state, "fan") == [0, 1, 2]


async def test_a_restart_mid_fan_out_runs_no_completed_item_again(
    bench: ProbeBench, probe: Probe
) -> None:
    """The engine stops while items 0-1 completed and 2-3 run (gated): the next engine
    recovers the execution, runs 2-3 again and 4-5 for the first time, and never 0-1."""
    wf = bench.workflow(
        {
            "fan": {
                "for_each": [
                    {"v": 0, "gate": "open"},
                    {"v": 1, "gate": "open"},
                    {"v": 2, "gate": "later"},
                    {"v": 3, "gate": "later"},
                    {"v": 4, "gate": "later"},
                    {"v": 5, "gate": "later"},
                ],
                "max_parallel": 2,
                "input": {"value": "${item.v}", "gate": "${item.gate}"},
            }
        }
    )
    probe.open("open")
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: probe.running == 2 and "fan[3]" in probe.counts)
        execution_id = started.id
        live = engine.live.get(execution_id)
        assert live is not None
        await wait_for(lambda: live.state.tasks["fan[1]"].status == "completed")
        await engine.writer.flush()
    # the engine closed mid-fan-out (as a shutdown); recovery picks it up
    probe.open("later")
    async with bench.engine() as engine:
        assert await engine.recover() == [execution_id]
        state = await engine.wait(execution_id)
    assert state.status == "completed"
    assert values(state, "fan") == [0, 1, 2, 3, 4, 5]
    assert probe.counts == {f"fan[{i}]": 1 if i in (0, 1, 4, 5) else 2 for i in range(6)}
    fan_events = journal_types(bench.store(), execution_id, "fan")
    assert fan_events == ["task_expanded", "task_completed"]  # no attempt of its own to stop


async def test_a_restore_keeps_the_list_and_the_completed_items(
    bench: ProbeBench, probe: Probe
) -> None:
    async with bench.engine() as engine:
        failed = await failed_item_run(bench, engine)
        checkpoint = await engine.checkpoint(failed.id, "after-failure")
        probe.flags.clear()
        restored = await engine.restore(checkpoint["id"])
        state = await engine.wait(restored.id)
    assert state.status == "completed"
    assert state.expansions["fan"] == FLAKY["fan"]["for_each"]
    assert probe.counts == {"fan[0]": 1, "fan[1]": 4, "fan[2]": 1, "after": 1}
    assert values(state, "fan") == [0, 1, 2]
    assert "task_expanded" not in journal_types(bench.store(), state.id, "fan")


def test_the_engine_wide_limit_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harmonia.engine.fanout_ops import fanout_limit

    monkeypatch.setenv("HARMONIA_MAX_FANOUT_ITEMS", "25")
    assert fanout_limit() == 25
    assert fanout_limit(7) == 7
    monkeypatch.setenv("HARMONIA_MAX_FANOUT_ITEMS", "lots")
    assert fanout_limit() == 10_000


async def test_pause_mid_fan_out_starts_no_new_item_and_resume_finishes(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {"fan": {"for_each": list(range(6)), "max_parallel": 2, "input": {"gate": "go"}}}
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        await probe.until(lambda: probe.running == 2)
        await engine.pause(started.id)
        probe.open("go")
        paused = await engine.wait(started.id)
        assert paused.status == "paused"
        assert sum(probe.counts.values()) == 2  # the two running finished, nothing new began
        assert paused.tasks["fan"].status == "running"
        await engine.resume(started.id)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert probe.counts == {f"fan[{i}]": 1 for i in range(6)}
    assert probe.max_running == 2


async def test_items_that_are_not_json_fail_the_task_and_nothing_else(
    bench: ProbeBench, probe: Probe
) -> None:
    """Only a workflow built in Python can hold such a list (files hold JSON and YAML)."""
    wf = bench.workflow({"fan": {"for_each": [{1, 2}]}, "other": {"input": {"value": 1}}})
    state = await bench.run(wf)
    error = state.tasks["fan"].error
    assert state.tasks["fan"].status == "failed" and error is not None
    assert error["message"].startswith("for_each items are not JSON")
    assert "fan" not in state.expansions and "fan[0]" not in state.tasks
    assert state.tasks["other"].status == "completed"

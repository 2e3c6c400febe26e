"""The engine runs a DAG in dependency order, resolves references and respects limits.

Every test runs on asyncio and trio (see `anyio_backend` in conftest.py). Ordering is checked on
the probe's log of starts and ends, never by timing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.engine_probe import Probe, ProbeBench, engine_options, run_to_end
from helpers.workflows import by_status, task

from harmonia.components import default_registry
from harmonia.engine import open_engine
from harmonia.events import EventType
from harmonia.loader import load_workflow_dict

pytestmark = pytest.mark.anyio


def position(log: list[tuple[str, str]], what: str, task_id: str) -> int:
    return log.index((what, task_id))


def assert_after_dependencies(probe: Probe, depends: dict[str, list[str]]) -> None:
    """Every task started exactly once, and only after each dependency ended."""
    for tid, deps in depends.items():
        assert [c.task_id for c in probe.calls].count(tid) == 1, tid
        for dep in deps:
            assert position(probe.log, "end", dep) < position(probe.log, "start", tid), (dep, tid)


async def test_chain_runs_in_order_and_passes_outputs(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 1}},
            "b": {"depends_on": ["a"], "input": {"value": "${tasks.a.output.value}"}},
            "c": {"depends_on": ["b"], "input": {"value": "${tasks.b.output}"}},
        },
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    assert [entry for entry in probe.log] == [
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("start", "c"),
        ("end", "c"),
    ]
    assert state.tasks["b"].output == {"task": "b", "attempt": 1, "value": 1}
    assert state.tasks["c"].output["value"] == {"task": "b", "attempt": 1, "value": 1}
    assert all(t.attempts == 1 for t in state.tasks.values())


async def test_diamond_joins_after_both_branches(bench: ProbeBench, probe: Probe) -> None:
    depends = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    wf = bench.workflow(
        {
            "a": {},
            "b": {"depends_on": ["a"], "input": {"gate": "b"}},
            "c": {"depends_on": ["a"]},
            "d": {
                "depends_on": ["b", "c"],
                "input": {"value": ["${tasks.b.output.task}", "${tasks.c.output.task}"]},
            },
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        # c finishes while b is held at its gate: d must still wait for b
        await probe.until(lambda: ("end", "c") in probe.log and ("start", "b") in probe.log)
        assert ("start", "d") not in probe.log
        probe.open("b")
        state = await engine.wait(started.id)
    assert state.status == "completed"
    assert_after_dependencies(probe, depends)
    assert state.tasks["d"].output["value"] == ["b", "c"]


async def test_wide_fan_out_and_fan_in(bench: ProbeBench, probe: Probe) -> None:
    width = 60
    leaves = [f"leaf{i}" for i in range(width)]
    tasks: dict[str, dict[str, Any]] = {"root": {"input": {"value": 7}}}
    for i, leaf in enumerate(leaves):
        tasks[leaf] = {"depends_on": ["root"], "input": {"value": i}}
    tasks["sink"] = task(
        "core.echo",
        depends_on=leaves,
        input={"values": [f"${{tasks.{leaf}.output.value}}" for leaf in leaves]},
    )
    wf = bench.workflow(tasks, max_concurrency=8)
    state = await bench.run(wf)
    assert state.status == "completed"
    assert_after_dependencies(probe, {leaf: ["root"] for leaf in leaves})
    assert state.tasks["sink"].output == {"values": list(range(width))}
    assert probe.max_running <= 8
    assert state.counts()["completed"] == width + 2


async def test_references_keep_types_and_format_into_strings(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "refs",
            "version": "2.1.0",
            "input": {
                "limit": {"type": "integer", "default": 100},
                "label": {"type": "string"},
                "ratio": {"type": "number", "default": 0.5},
            },
            "tasks": {
                "a": task(
                    "core.echo", input={"n": 3, "items": [10, 20], "obj": {"k": "v"}, "flag": True}
                ),
                "b": {
                    "component": "core",
                    "action": "echo",
                    "depends_on": ["a"],
                    "input": {
                        "n": "${tasks.a.output.n}",
                        "second": "${tasks.a.output.items[1]}",
                        "obj": "${tasks.a.output.obj}",
                        "flag": "${tasks.a.output.flag}",
                        "whole": "${tasks.a.output}",
                        "text": "n=${tasks.a.output.n}, k=${tasks.a.output.obj.k}",
                        "status": "${tasks.a.status}",
                        "limit": "${input.limit}",
                        "label": "${input.label}",
                        "ratio": "${input.ratio}",
                        "name": "${workflow.name}",
                        "execution": "${execution.id}",
                        "home": "${env.PROBE_HOME}",
                    },
                },
            },
        }
    )
    async with open_engine(data_dir, env={"PROBE_HOME": "/probe"}, **engine_options()) as engine:
        state = await run_to_end(engine, wf, {"label": "x", "ratio": 2.5})
    assert state.status == "completed"
    out = state.tasks["b"].output
    assert out == {
        "n": 3,
        "second": 20,
        "obj": {"k": "v"},
        "flag": True,
        "whole": {"n": 3, "items": [10, 20], "obj": {"k": "v"}, "flag": True},
        "text": "n=3, k=v",
        "status": "completed",
        "limit": 100,
        "label": "x",
        "ratio": 2.5,
        "name": "refs",
        "execution": state.id,
        "home": "/probe",
    }
    assert state.input == {"limit": 100, "label": "x", "ratio": 2.5}


async def test_missing_reference_at_run_time_fails_that_task(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "missing-ref",
            "defaults": {"retry_policy": {"max_retries": 3, "initial_delay": 0.01}},
            "tasks": {
                "a": task("core.echo", input={"x": 1}),
                "b": task("core.echo", "a", input={"y": "${tasks.a.output.nope}"}),
                "c": task("core.echo", "b"),
                "other": task("core.echo", "a"),
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    b = state.tasks["b"]
    assert b.status == "failed"
    assert b.error is not None
    assert b.error["kind"] == "reference"
    assert "tasks.a.output.nope" in b.error["message"]
    assert b.attempts == 1  # not retryable, whatever the policy says
    assert state.tasks["c"].status == "pending"
    assert state.tasks["other"].status == "completed"
    assert state.status == "failed"


async def test_max_concurrency_is_never_exceeded(bench: ProbeBench, probe: Probe) -> None:
    tasks = {f"t{i}": {"input": {"seconds": 0.01}} for i in range(15)}
    wf = bench.workflow(tasks, max_concurrency=3)
    state = await bench.run(wf)
    assert state.status == "completed"
    assert probe.max_running == 3  # reached, never passed
    assert len(probe.calls) == 15


async def test_max_concurrency_one_runs_strictly_one_at_a_time(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow({f"t{i}": {} for i in range(6)}, max_concurrency=1)
    state = await bench.run(wf)
    assert state.status == "completed"
    assert probe.max_running == 1
    kinds = [what for what, _ in probe.log]
    assert kinds == ["start", "end"] * 6


async def test_python_call_tasks_run_and_count_concurrency(data_dir: Path) -> None:
    from helpers import engine_funcs

    key = f"pc-{data_dir.parent.name}"
    tasks = {
        f"t{i}": {
            "component": "python",
            "action": "call",
            # inline: the counts live in this process's memory
            "input": {
                "function": "helpers.engine_funcs:tracked",
                "args": [key, i],
                "isolation": "inline",
            },
        }
        for i in range(8)
    }
    tasks["total"] = {
        "component": "python",
        "action": "call",
        "depends_on": list(tasks),
        "input": {
            "function": "helpers.engine_funcs:add_all",
            "args": [[f"${{tasks.t{i}.output}}" for i in range(8)]],
        },
    }
    wf = load_workflow_dict({"name": "pycall", "max_concurrency": 2, "tasks": tasks})
    async with open_engine(data_dir, default_registry(), **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    assert state.status == "completed"
    assert state.tasks["total"].output == sum(2 * i for i in range(8))
    record = engine_funcs.RECORDS[key]
    assert record.calls == 8
    assert 1 <= record.max_running <= 2


# ---- when: and skips ------------------------------------------------------------------------


async def test_when_true_runs_and_when_false_skips(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 5}},
            "yes": {"depends_on": ["a"], "when": "tasks.a.output.value > 2"},
            "no": {"depends_on": ["a"], "when": "tasks.a.output.value > 10"},
            "off": {"when": False},
        },
    )
    state = await bench.run(wf)
    assert state.status == "completed"
    assert state.tasks["yes"].status == "completed"
    assert state.tasks["no"].status == "skipped"
    assert state.tasks["off"].status == "skipped"
    assert {c.task_id for c in probe.calls} == {"a", "yes"}
    assert state.tasks["no"].attempts == 0


async def test_skip_propagates_unless_the_task_has_its_own_when(
    bench: ProbeBench, probe: Probe
) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": 1}},
            "gated": {"depends_on": ["a"], "when": "tasks.a.output.value == 2"},
            "below": {"depends_on": ["gated"]},
            "deeper": {"depends_on": ["below"]},
            "decides_yes": {"depends_on": ["gated"], "when": "tasks.gated.status == 'skipped'"},
            "decides_no": {"depends_on": ["gated"], "when": "tasks.gated.status == 'completed'"},
            "mixed": {"depends_on": ["a", "gated"]},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        skip_events = []
        async for event in engine.subscribe(started.id, after_seq=0, until_finished=True):
            if event.type == EventType.TASK_SKIPPED:
                skip_events.append(event)
        state = await engine.wait(started.id)
    assert state.status == "completed"
    statuses = {tid: t.status for tid, t in state.tasks.items()}
    assert statuses == {
        "a": "completed",
        "gated": "skipped",
        "below": "skipped",
        "deeper": "skipped",
        "decides_yes": "completed",
        "decides_no": "skipped",
        "mixed": "skipped",
    }
    assert {c.task_id for c in probe.calls} == {"a", "decides_yes"}
    reasons = {e.task_id: e.data["reason"] for e in skip_events}
    assert "condition is false" in reasons["gated"]
    assert "gated" in reasons["below"]


async def test_when_that_errors_fails_the_task(bench: ProbeBench, probe: Probe) -> None:
    wf = bench.workflow(
        {
            "a": {"input": {"value": "text"}},
            "bad_type": {"depends_on": ["a"], "when": "tasks.a.output.value > 3"},
            "bad_ref": {"depends_on": ["a"], "when": "tasks.a.output.missing == 1"},
            "below": {"depends_on": ["bad_type"]},
            "fine": {"depends_on": ["a"]},
        },
    )
    state = await bench.run(wf)
    assert state.status == "failed"
    bad_type = state.tasks["bad_type"]
    assert bad_type.status == "failed"
    assert bad_type.error is not None and bad_type.error["kind"] == "expression"
    assert bad_type.error["message"].startswith("when:")
    bad_ref = state.tasks["bad_ref"]
    assert bad_ref.error is not None and bad_ref.error["kind"] == "reference"
    assert "tasks.a.output.missing" in bad_ref.error["message"]
    assert state.tasks["below"].status == "pending"
    assert state.tasks["fine"].status == "completed"
    assert {c.task_id for c in probe.calls} == {"a", "fine"}


# ---- failure semantics ----------------------------------------------------------------------


async def test_failure_blocks_downstream_and_independent_branches_go_on(bench: ProbeBench) -> None:
    wf = bench.workflow(
        {
            "root": {},
            "bad": {"depends_on": ["root"], "input": {"fail_times": 99}},
            "after_bad": {"depends_on": ["bad"]},
            "after_after": {"depends_on": ["after_bad"]},
            "join": {"depends_on": ["bad", "side2"]},
            "side1": {"depends_on": ["root"], "input": {"seconds": 0.02}},
            "side2": {"depends_on": ["side1"]},
            "also_bad": {"input": {"fail_times": 99, "kind": "invalid_input"}},
        },
    )
    async with bench.engine() as engine:
        started = await engine.start(wf)
        events = [e async for e in engine.subscribe(started.id, after_seq=0, until_finished=True)]
        state = await engine.wait(started.id)
    assert state.status == "failed"
    assert by_status(state.tasks) == {
        "completed": {"root", "side1", "side2"},
        "failed": {"bad", "also_bad"},
        "pending": {"after_bad", "after_after", "join"},
    }
    end = events[-1]
    assert end.type == EventType.WORKFLOW_FAILED
    assert sorted(end.data["failed"]) == ["also_bad", "bad"]
    assert sorted(end.data["blocked"]) == ["after_after", "after_bad", "join"]
    assert "bad" in end.data["error"] and "also_bad" in end.data["error"]
    assert state.error == end.data["error"]
    failed_events = [e for e in events if e.type == EventType.TASK_FAILED]
    assert {e.task_id for e in failed_events} == {"bad", "also_bad"}
    for e in failed_events:
        assert e.data["error"]["message"].endswith("failed on call 1")
        assert e.data["error"]["kind"] in ("error", "invalid_input")


async def test_a_component_bug_fails_the_task_not_the_engine(data_dir: Path) -> None:
    wf = load_workflow_dict(
        {
            "name": "bug",
            "tasks": {
                "boom": task("python.call", input={"function": "helpers.engine_funcs:boom"}),
                "bad_output": task(
                    "python.call", input={"function": "helpers.engine_funcs:not_json"}
                ),
                "ok": task("core.echo"),
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        state = await run_to_end(engine, wf)
    assert state.status == "failed"
    boom = state.tasks["boom"].error
    assert boom is not None and boom["kind"] == "exception"
    assert "RuntimeError" in boom["message"]
    bad_output = state.tasks["bad_output"].error
    assert bad_output is not None and bad_output["kind"] == "output"
    assert state.tasks["ok"].status == "completed"


async def test_invalid_input_is_rejected_before_anything_runs(data_dir: Path) -> None:
    from harmonia.errors import ValidationFailed

    wf = load_workflow_dict(
        {
            "name": "needs-input",
            "input": {"count": {"type": "integer"}},
            "tasks": {
                "a": {"component": "core", "action": "echo", "input": {"n": "${input.count}"}}
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        with pytest.raises(ValidationFailed):
            await engine.start(wf, {"count": "three"})
        with pytest.raises(ValidationFailed):
            await engine.start(wf, {})
    assert engine.store.list_summaries() == []


async def test_the_journal_never_trails_the_engine_by_more_than_its_bound(data_dir: Path) -> None:
    """Fast tasks must not outrun the journal: workers wait for the commit once the backlog
    passes `max_backlog`, so a crash can only lose that much progress. Each of the 8 workers
    may emit a task's two events after its check, hence the slack."""
    wf = load_workflow_dict(
        {
            "name": "fast",
            "max_concurrency": 8,
            "tasks": {
                f"t{i}": {
                    "component": "core",
                    "action": "echo",
                    "input": {"i": i},
                    "depends_on": [f"t{i - 1}"] if i % 10 else [],
                }
                for i in range(600)
            },
        }
    )
    async with open_engine(data_dir, **engine_options()) as engine:
        writer = engine.writer
        writer.max_backlog = 40
        backlogs: list[int] = []
        submit = writer.submit

        def submit_and_measure(event: Any) -> None:
            submit(event)
            backlogs.append(writer.backlog)

        writer.submit = submit_and_measure  # type: ignore[method-assign]
        state = await run_to_end(engine, wf)
    assert state.status == "completed"
    assert len(backlogs) >= 1200
    assert max(backlogs) <= 40 + 8 * 2 + 2, max(backlogs)
    assert writer.batches >= 1200 // (40 + 8 * 2 + 2)

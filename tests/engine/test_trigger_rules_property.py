"""Property: on random DAGs with random trigger rules and random failures, every task's final
status is what a simple reference evaluator of the rule table says.

The reference knows nothing of the scheduler: it walks the tasks in order, reads each
parent's final status (a pending parent is one a failure blocked, so it counts as failed),
and applies the README's table written as plain any/all. The real engine runs the workflow
with in-process `core` actions (echo succeeds, fail fails, `when: "false"` skips), several
workflows at once per engine, so a case costs milliseconds. Hypothesis and the anyio pytest
plugin do not combine well, so each example runs its own event loop with `anyio.run`, on the
parametrized backend.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from helpers.engine_probe import engine_options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonia.components import default_registry
from harmonia.engine import open_engine
from harmonia.loader import load_workflow_dict
from harmonia.model import TRIGGER_RULES
from harmonia.state import ExecutionState

BEHAVIOURS = ("ok", "fail", "skip", "ok_when_true")
"""What a task does if its rule lets it run: echo, core.fail, `when: "false"`, or echo
with `when: "true"` (which, under all_success, overrides skipped parents)."""


@dataclass(frozen=True)
class Case:
    depends_on: dict[str, list[str]]
    rules: dict[str, str]
    behaviours: dict[str, str]
    max_concurrency: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(min_value=1, max_value=12))
    depends_on: dict[str, list[str]] = {}
    rules: dict[str, str] = {}
    behaviours: dict[str, str] = {}
    for i in range(n):
        earlier = [f"t{j}" for j in range(i)]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        depends_on[f"t{i}"] = deps
        rules[f"t{i}"] = draw(st.sampled_from(TRIGGER_RULES))
        behaviours[f"t{i}"] = draw(st.sampled_from(BEHAVIOURS))
    return Case(depends_on, rules, behaviours, draw(st.integers(min_value=1, max_value=4)))


def reference_decision(rule: str, parents: list[str]) -> str:
    """run / skip / block from the parents' final outcomes: S, F (failed or blocked), K."""
    if not parents:
        return "run"
    every = {o: all(p == o for p in parents) for o in "SFK"}
    some = {o: o in parents for o in "SFK"}
    return DECISIONS[rule](every, some)


Outcomes = dict[str, bool]
DECISIONS: dict[str, Callable[[Outcomes, Outcomes], str]] = {
    # rule -> its decision from which outcomes every parent had and which some parent had
    "all_success": lambda every, some: "run" if every["S"] else ("block" if some["F"] else "skip"),
    "all_done": lambda every, some: "run",
    "all_failed": lambda every, some: "run" if every["F"] else "skip",
    "one_success": lambda every, some: "run" if some["S"] else ("skip" if every["K"] else "block"),
    "one_failed": lambda every, some: "run" if some["F"] else "skip",
    "none_failed": lambda every, some: "block" if some["F"] else "run",
    "none_failed_min_one_success": lambda every, some: (
        "block" if some["F"] else ("skip" if every["K"] else "run")
    ),
    "none_skipped": lambda every, some: "skip" if some["K"] else "run",
}


def reference_statuses(case: Case) -> dict[str, str]:
    letter = {"completed": "S", "failed": "F", "pending": "F", "skipped": "K"}
    final: dict[str, str] = {}
    for tid, deps in case.depends_on.items():  # every task comes after its parents
        decision = reference_decision(case.rules[tid], [letter[final[d]] for d in deps])
        behaviour = case.behaviours[tid]
        has_when = behaviour in ("skip", "ok_when_true")
        if decision == "skip" and case.rules[tid] == "all_success" and has_when:
            decision = "run"  # all_success: a task's own `when` decides below skipped parents
        if decision == "block":
            final[tid] = "pending"
        elif decision == "skip" or behaviour == "skip":
            final[tid] = "skipped"
        else:
            final[tid] = "failed" if behaviour == "fail" else "completed"
    return final


def document(case: Case) -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for tid, deps in case.depends_on.items():
        behaviour = case.behaviours[tid]
        task: dict[str, Any] = {"component": "core", "action": "echo", "input": {"task": tid}}
        if behaviour == "fail":
            task = {"component": "core", "action": "fail", "input": {"message": f"{tid} failed"}}
        elif behaviour == "skip":
            task["when"] = "false"
        elif behaviour == "ok_when_true":
            task["when"] = "true"
        if deps:
            task["depends_on"] = deps
        task["trigger_rule"] = case.rules[tid]
        tasks[tid] = task
    return {"name": "random-rules", "max_concurrency": case.max_concurrency, "tasks": tasks}


SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
"""A memory-backed folder where there is one: the engine fsyncs its journal, and what is
tested here is scheduling, not the disk."""


async def run_cases(cases: list[Case]) -> list[ExecutionState]:
    """Every case as its own execution, all at once in one engine."""
    registry = default_registry()
    workflows = [load_workflow_dict(document(case), registry=registry) for case in cases]
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        async with open_engine(Path(tmp) / "data", registry, **engine_options()) as engine:
            started = [await engine.start(wf) for wf in workflows]
            return [await engine.wait(state.id) for state in started]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(cases(), min_size=1, max_size=4))
def test_every_final_status_is_what_the_rule_table_says(backend: str, batch: list[Case]) -> None:
    states = anyio.run(run_cases, batch, backend=backend)
    for case, state in zip(batch, states, strict=True):
        expected = reference_statuses(case)
        assert {tid: str(task.status) for tid, task in state.tasks.items()} == expected
        for tid, task in state.tasks.items():  # a task runs once or never
            assert task.attempts == (1 if expected[tid] in ("completed", "failed") else 0), tid
        failed = any(status == "failed" for status in expected.values())
        assert state.status == ("failed" if failed else "completed")

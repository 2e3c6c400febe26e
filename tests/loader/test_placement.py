"""Load-time checks of `executor:` and `resources:` (per workflow and per task): types, and
tasks that must stay in the engine; each problem named by line, task and field."""

from __future__ import annotations

from helpers.loading import fails

from harmonia.components import default_registry
from harmonia.engine.plan import ExecutionPlan
from harmonia.executors.placement import dask_tasks
from harmonia.loader import load_workflow_text

SHELL = "    component: shell\n    action: run\n    input: {command: ls}\n"
ECHO = "    component: core\n    action: echo\n"


def test_executor_and_resources_load_per_workflow_and_per_task() -> None:
    text = (
        "name: w\nexecutor: dask\nresources: {GPU: 1}\ntasks:\n"
        "  a:\n" + SHELL + "  b:\n" + SHELL + "    executor: local\n"
        "  c:\n" + SHELL + "    resources: {GPU: 2, memory: 4e9}\n"
        "  d:\n" + ECHO
    )
    wf = load_workflow_text(text)
    assert wf.executor == "dask" and wf.resources == {"GPU": 1.0}
    assert wf.tasks["c"].resources == {"GPU": 2.0, "memory": 4e9}  # YAML 1.1 reads 4e9 as text
    plan = ExecutionPlan.compile(wf, default_registry())
    placements = {tid: plan.tasks[tid].placement for tid in "abcd"}
    assert placements["a"] is not None and placements["a"].resources == {"GPU": 1.0}
    assert placements["b"] is None  # executor: local
    assert placements["c"] is not None and placements["c"].resources == {"GPU": 2.0, "memory": 4e9}
    assert placements["d"] is None  # core stays in the engine, under a workflow-wide dask too
    assert dask_tasks(wf) == ["a", "c"]


def test_unset_executor_follows_the_engine_and_asks_for_no_dask() -> None:
    wf = load_workflow_text("name: w\ntasks:\n  a:\n" + SHELL)
    plan = ExecutionPlan.compile(wf, default_registry())
    placement = plan.tasks["a"].placement
    assert placement is not None and not placement.explicit and placement.resources is None
    assert dask_tasks(wf) == []


def test_engine_only_components_are_refused_for_dask_by_name() -> None:
    text = (
        "name: w\ntasks:\n  gate:\n" + ECHO + "    executor: dask\n"
        "  child:\n    component: workflow\n    action: run\n"
        "    input: {workflow: wf-0123456789ab}\n    executor: dask\n"
        "  sized:\n" + ECHO + "    resources: {GPU: 1}\n"
    )
    first, second, third = fails(text)
    assert (first.line, first.task, first.field) == (6, "gate", "executor")
    assert first.message == (
        "component 'core' runs in the engine: only shell, python and http tasks run on Dask "
        "(core actions, sub-workflows and remote components need the engine)"
    )
    assert (second.task, second.field) == ("child", "executor")
    assert "component 'workflow' runs in the engine" in second.message
    assert (third.line, third.task, third.field) == (15, "sized", "resources")
    assert third.message.startswith("resources apply only to tasks on Dask; component 'core'")


def test_resources_on_a_local_task_are_refused() -> None:
    text = "name: w\ntasks:\n  a:\n" + SHELL + "    executor: local\n    resources: {GPU: 1}\n"
    (problem,) = fails(text)
    assert (problem.line, problem.task, problem.field) == (8, "a", "resources")
    assert problem.message == (
        "resources apply only to tasks on Dask, and this task's executor is 'local'"
    )
    text = "name: w\nexecutor: local\nresources: {GPU: 1}\ntasks:\n  a:\n" + SHELL
    (problem,) = fails(text)
    assert (problem.line, problem.field) == (3, "resources")


def test_bad_values_are_named_with_their_line() -> None:
    text = (
        "name: w\ntasks:\n  a:\n" + SHELL + "    executor: ray\n"
        "  b:\n" + SHELL + "    resources: {GPU: -1, memory: lots, TPU: true}\n"
    )
    problems = fails(text)
    by_field = {(p.task, p.field): p for p in problems}
    executor = by_field[("a", "executor")]
    assert executor.line == 7 and "'local' or 'dask'" in executor.message
    assert by_field[("b", "resources.GPU")].message == "must be > 0, got integer -1"
    assert by_field[("b", "resources.memory")].message == 'expected a number, got string "lots"'
    assert by_field[("b", "resources.TPU")].message == "expected a number, got boolean true"

"""The checks across fields and tasks: cycles and `${...}` references."""

from __future__ import annotations

from helpers.loading import GOOD_TASK, fails

from harmonia.loader import load_workflow_text


def test_several_cycles_are_all_reported() -> None:
    text = "name: w\ntasks:\n"
    for task, dep in [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c"), ("e", "a")]:
        text += f"  {task}:\n{GOOD_TASK}    depends_on: [{dep}]\n"
    problems = fails(text)
    assert [p.message for p in problems] == [
        "dependency cycle: a -> b -> a (each task depends on the next)",
        "dependency cycle: c -> d -> c (each task depends on the next)",
    ]


def test_reference_to_unknown_task_suggests() -> None:
    text = "name: w\ntasks:\n  fetch:\n" + GOOD_TASK
    text += (
        "  b:\n" + GOOD_TASK + "    depends_on: [fetch]\n    input: {x: '${tasks.fecth.output}'}\n"
    )
    (problem,) = fails(text)
    assert (problem.line, problem.task, problem.field) == (10, "b", "input.x")
    assert problem.message == "references unknown task 'fecth'; did you mean 'fetch'?"


def test_reference_to_own_task() -> None:
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK + "    when: tasks.a.status == 'completed'\n"
    (problem,) = fails(text)
    assert (problem.task, problem.field) == ("a", "when")
    assert "refers to the task itself" in problem.message


def test_transitive_upstream_references_are_allowed() -> None:
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK
    text += "  b:\n" + GOOD_TASK + "    depends_on: [a]\n"
    text += "  c:\n" + GOOD_TASK + "    depends_on: [b]\n"
    text += "    when: tasks.a.output.ok\n    input: {v: '${tasks.a.output.v[0]}'}\n"
    assert load_workflow_text(text).tasks["c"].when == "tasks.a.output.ok"


def test_reference_with_bad_root_in_when() -> None:
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK + "    when: 'inputs.x == 1'\n"
    (problem,) = fails(text)
    assert (problem.line, problem.field) == (6, "when")
    assert problem.message.startswith("invalid condition:")


def test_unknown_input_in_when() -> None:
    text = "name: w\ninput: {limit: {type: integer, default: 1}}\ntasks:\n  a:\n" + GOOD_TASK
    text += "    when: '${input.limt} > 0'\n"
    (problem,) = fails(text)
    assert problem.message == "unknown input 'limt' (did you mean 'limit'?); declared: limit"


def test_tasks_written_before_their_dependencies_load() -> None:
    text = "name: w\ntasks:\n"
    for i in range(5):
        text += f"  t{i}:\n{GOOD_TASK}" + (f"    depends_on: [t{i + 1}]\n" if i < 4 else "")
    assert list(load_workflow_text(text).tasks) == ["t0", "t1", "t2", "t3", "t4"]


def test_a_cycle_closed_by_one_backward_dependency_is_found() -> None:
    """Tasks that all come after their dependencies cannot form a cycle, so the search is
    skipped for them: one dependency on a later task must bring it back."""
    text = "name: w\ntasks:\n"
    for i in range(5):
        text += f"  t{i}:\n{GOOD_TASK}    depends_on: [t{(i - 1) % 5}]\n"
    (problem,) = fails(text)
    assert (problem.task, problem.field) == ("t0", "depends_on")
    assert problem.message.startswith("dependency cycle: t0 -> t4 -> t3 -> t2 -> t1 -> t0")


def test_unknown_workflow_and_execution_fields_are_refused_when_loaded() -> None:
    """`${workflow.nam}` loaded fine and failed the task at run time ("key 'nam' not found"):
    the engine gives workflow.name, workflow.version and execution.id, nothing else."""
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK
    text += "    input: {a: '${workflow.nam}', b: '${execution.idd}', c: '${workflow.name.x}'}\n"
    text += "    when: workflow.versoin == '1'\n"
    problems = fails(text)
    fields = "workflow has name and version"
    assert sorted((p.field, p.message) for p in problems) == [
        ("input.a", f"${{workflow.nam}} has no value: {fields} (did you mean 'name'?)"),
        ("input.b", "${execution.idd} has no value: execution has id (did you mean 'id'?)"),
        ("input.c", "${workflow.name.x} has no value: workflow.name is a string"),
        ("when", f"${{workflow.versoin}} has no value: {fields} (did you mean 'version'?)"),
    ]


def test_known_workflow_and_execution_fields_load() -> None:
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK
    text += "    input: {m: '${workflow.name} ${workflow.version} ${execution.id}'}\n"
    text += "    when: workflow.name == 'w'\n"
    assert load_workflow_text(text).tasks["a"].when == "workflow.name == 'w'"


def test_a_status_is_compared_only_with_statuses() -> None:
    """`tasks.a.status == 'complete'` loaded, and skipped its task on every run."""
    text = "name: w\ntasks:\n  a:\n" + GOOD_TASK + "  b:\n" + GOOD_TASK + "    depends_on: [a]\n"
    text += "    when: tasks.a.status == 'complete' or 'done' != tasks.a.status\n"
    text += "  c:\n" + GOOD_TASK + "    depends_on: [a]\n"
    text += "    when: tasks.a.status in ['failed', 'skiped'] and tasks.a.output == 'done'\n"
    said = sorted(p.message for p in fails(text))
    statuses = "statuses: pending, running, retrying, waiting, completed, failed, skipped, canceled"
    assert said == [
        "tasks.a.status is compared with 'complete', which is not a task status (did you mean "
        f"'completed'?); {statuses} (at position 18 in \"tasks.a.status == 'complete' or "
        "'done' != tasks.a.status\")",
        "tasks.a.status is compared with 'done', which is not a task status; "
        f"{statuses} (at position 32 in \"tasks.a.status == 'complete' or 'done' != "
        'tasks.a.status")',
        "tasks.a.status is compared with 'skiped', which is not a task status (did you mean "
        f"'skipped'?); {statuses} (at position 29 in \"tasks.a.status in ['failed', 'skiped'] "
        "and tasks.a.output == 'done'\")",
    ]

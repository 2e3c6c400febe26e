"""Load-time checks of `for_each` tasks: the list's shape, its references, a literal list over
the limit, and `${item}`/`${index}` outside a `for_each` task; each named by line, task, field."""

from __future__ import annotations

import pytest
from helpers.loading import fails

from harmonia.loader import load_workflow_text
from harmonia.model import TaskSpec

SHELL = "    component: shell\n    action: run\n"


def test_a_for_each_task_loads_with_item_and_index_in_input_and_when() -> None:
    text = (
        "name: w\ninput: {names: {type: array, default: []}}\ntasks:\n"
        "  ls:\n" + SHELL + "    input: {command: ls}\n"
        "  convert:\n" + SHELL + "    depends_on: [ls]\n"
        "    for_each: ${tasks.ls.output.lines}\n    max_parallel: 8\n"
        "    when: index < 5 and item != ''\n"
        "    input: {command: [convert, '${item}', --index, '${index}']}\n"
        "  greet:\n" + SHELL + "    for_each: ${input.names}\n    max_items: 3\n"
        "    input: {command: 'echo ${item.name}'}\n"
        "  literal:\n" + SHELL + "    for_each: [a, b]\n    input: {command: 'echo ${item}'}\n"
    )
    wf = load_workflow_text(text)
    assert wf.tasks["convert"].for_each == "${tasks.ls.output.lines}"
    assert wf.tasks["convert"].max_parallel == 8
    assert wf.tasks["greet"].max_items == 3
    assert wf.tasks["literal"].for_each == ["a", "b"]


def test_item_outside_a_for_each_task_is_refused_where_it_is_used() -> None:
    text = "name: w\ntasks:\n  a:\n" + SHELL + "    input: {command: 'echo ${item}'}\n"
    text += "  b:\n" + SHELL + "    when: index > 0\n    input: {command: ls}\n"
    first, second = fails(text)
    assert (first.line, first.task, first.field) == (6, "a", "input.command")
    assert first.message == "${item} only has a value in a task with for_each (the current item)"
    assert (second.line, second.task, second.field) == (10, "b", "when")
    assert "${index} only has a value in a task with for_each" in second.message


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("'files: ${input.x}'", 'string "files: ${input.x}"'),
        # it said the union branch by branch: `for_each.str: expected a string, got integer 5
        # (put it in quotes ...)` and `for_each.list[any]: expected an array`
        ("5", "integer 5 (a list of one item: [5])"),
        ("{a: 1}", "object"),
    ],
)
def test_for_each_must_be_a_list_or_one_reference(value: str, got: str) -> None:
    text = "name: w\ntasks:\n  a:\n" + SHELL + f"    for_each: {value}\n"
    text += "    input: {command: ls}\n"
    (problem,) = fails(text)
    assert (problem.line, problem.task, problem.field) == (6, "a", "for_each")
    assert problem.message == (
        f"must be a literal list or exactly one ${{...}} reference to a list, got {got}"
    )


def test_a_bad_for_each_reference_is_said_once() -> None:
    """It said the rule twice: "for_each must be a literal list or exactly one ${...}
    reference to a list: must be a literal list or one ${...} reference in ..."."""
    text = "name: w\ntasks:\n  a:\n" + SHELL + "    for_each: '${input.x y}'\n"
    text += "    input: {command: ls}\n"
    (problem,) = fails(text)
    assert problem.message.startswith("invalid reference: ")
    assert problem.message.count("literal list") == 0


def test_for_each_references_are_checked_like_any_other() -> None:
    text = "name: w\ntasks:\n  ls:\n" + SHELL + "    input: {command: ls}\n"
    text += "  a:\n" + SHELL + "    for_each: ${tasks.ls.output.lines}\n"
    text += "    input: {command: ls}\n"
    text += "  b:\n" + SHELL + "    for_each: ${item}\n    input: {command: ls}\n"
    first, second = fails(text)
    assert (first.line, first.task, first.field) == (10, "a", "for_each")
    assert "not upstream of 'a'; add it to depends_on" in first.message
    assert (second.task, second.field) == ("b", "for_each")
    assert second.message == "${item} cannot give the list it is an item of"


def test_a_literal_list_over_the_limit_is_refused_at_load_time() -> None:
    items = ", ".join(str(i) for i in range(4))
    text = "name: w\ntasks:\n  a:\n" + SHELL + f"    for_each: [{items}]\n    max_items: 3\n"
    text += "    input: {command: 'echo ${item}'}\n"
    (problem,) = fails(text)
    assert (problem.line, problem.task, problem.field) == (6, "a", "for_each")
    assert problem.message == "for_each lists 4 items, over the limit of 3 (max_items)"
    big = "name: w\ntasks:\n  a:\n" + SHELL + f"    for_each: {list(range(10_001))}\n"
    big += "    input: {command: 'echo ${item}'}\n"
    (problem,) = fails(big)
    assert "10,001 items, over the limit of 10,000 (set max_items" in problem.message


def test_max_parallel_without_for_each_is_refused() -> None:
    text = "name: w\ntasks:\n  a:\n" + SHELL + "    max_parallel: 2\n    input: {command: ls}\n"
    (problem,) = fails(text)
    assert (problem.line, problem.task, problem.field) == (6, "a", "max_parallel")
    assert problem.message == "max_parallel applies only to a task with for_each"
    # the model alone (no loader) refuses it too
    with pytest.raises(ValueError, match="max_items applies only to a task with for_each"):
        TaskSpec.model_validate({"component": "core", "action": "echo", "max_items": 3})


def test_index_takes_no_path() -> None:
    text = "name: w\ntasks:\n  a:\n" + SHELL + "    for_each: [1]\n"
    text += "    input: {command: 'echo ${index.x}'}\n"
    (problem,) = fails(text)
    assert (problem.task, problem.field) == ("a", "input.command")
    assert "nothing may follow 'index'" in problem.message


def test_for_each_over_an_input_declared_another_type_is_refused() -> None:
    """It loaded, and every run failed the task: `for_each must give an array, not integer`."""
    text = "name: w\ninput: {n: {type: integer, default: 3}, s: {default: x}}\ntasks:\n"
    text += "  a:\n" + SHELL + "    for_each: ${input.n}\n    input: {command: ls}\n"
    text += "  b:\n" + SHELL + "    for_each: ${input.s}\n    input: {command: ls}\n"
    first, second = fails(text)
    assert (first.line, first.task, first.field) == (7, "a", "for_each")
    assert first.message == (
        "${input.n} must give a list, but input 'n' is declared integer (declare it with "
        "type: array)"
    )
    assert "input 's' is declared string" in second.message

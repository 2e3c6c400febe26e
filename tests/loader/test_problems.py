"""pydantic's errors in authors' words: unknown fields, types, ids, empty documents."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.loading import GOOD_TASK, fails, located

from harmonia.errors import ValidationFailed
from harmonia.loader.load import load_document
from harmonia.loader.yamlsource import PureSafeLoader, SafeLoader, parse_yaml


def test_unknown_field_without_close_match_lists_known_fields() -> None:
    (problem,) = fails("name: w\nzzz: 1\ntasks:\n  a:\n" + GOOD_TASK)
    assert (problem.line, problem.field) == (2, "zzz")
    assert problem.message.startswith("unknown field; known fields: name, version, description")


def test_unknown_fields_everywhere() -> None:
    text = (
        "name: w\n"
        "defaults: {timeout: 1, retries: 2}\n"
        "input:\n"
        "  x: {type: string, defualt: a}\n"
        "tasks:\n"
        "  a:\n" + GOOD_TASK + "    dependson: [b]\n"
    )
    problems = fails(text)
    assert [(p.line, p.task, p.field) for p in problems] == [
        (2, None, "defaults.retries"),
        (4, None, "input.x.defualt"),
        (9, "a", "dependson"),
    ]
    assert "did you mean 'default'?" in problems[1].message
    assert "did you mean 'depends_on'?" in problems[2].message


def test_empty_document() -> None:
    (problem,) = fails("# nothing here\n")
    assert problem.message.startswith("the document is empty")


def test_no_tasks() -> None:
    (problem,) = fails("name: w\ntasks: {}\n")
    assert (problem.line, problem.field, problem.message) == (
        2,
        "tasks",
        "a workflow needs at least one task",
    )


def test_invalid_task_ids() -> None:
    problems = fails("name: w\ntasks:\n  bad id:\n" + GOOD_TASK + "  on:\n" + GOOD_TASK)
    assert located(problems) == [(3, "bad id", None), (6, "on", None)]  # not 'True'
    assert problems[0].message.startswith("invalid task id 'bad id'")
    assert problems[1].message == (
        'YAML reads the task id on as boolean true, not as a name: quote it ("on":) to keep it'
    )


@pytest.mark.parametrize("loader", [PureSafeLoader, SafeLoader])
def test_names_yaml_reads_as_other_values_are_named_as_written(loader: Any) -> None:
    """`yes:`, `off:`, `2:` as task ids, input and output names: YAML 1.1 reads them as a
    boolean or a number; each is refused where it is, named as written, with the quotes that
    keep it (the C and the pure-Python parser alike)."""
    text = (
        "name: w\ninput:\n  off: {type: string}\ntasks:\n  yes:\n"
        + GOOD_TASK
        + "  2:\n"
        + GOOD_TASK
        + "output:\n  No: 1\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        load_document(parse_yaml(text, "w.yaml", loader))
    problems = caught.value.problems
    assert [(p.line, p.task, p.field, p.message) for p in problems] == [
        (
            3,
            None,
            "input.off",
            "YAML reads the input name off as boolean false, not as a name: "
            'quote it ("off":) to keep it',
        ),
        (
            5,
            "yes",
            None,
            "YAML reads the task id yes as boolean true, not as a name: quote it "
            '("yes":) to keep it',
        ),
        (
            8,
            "2",
            None,
            'YAML reads the task id 2 as integer 2, not as a name: quote it ("2":) to keep it',
        ),
        (
            12,
            None,
            "output.No",
            "YAML reads the output name No as boolean false, not as a name: "
            'quote it ("No":) to keep it',
        ),
    ]


def test_unquoted_number_version_suggests_quotes() -> None:
    (problem,) = fails("name: w\nversion: 1.0\ntasks:\n  a:\n" + GOOD_TASK)
    assert problem.field == "version"
    assert (
        problem.message
        == "expected a string, got number 1.0 (put it in quotes to make it a string)"
    )


def test_duplicate_dependency() -> None:
    (problem,) = fails(
        "name: w\ntasks:\n  a:\n" + GOOD_TASK + "  b:\n" + GOOD_TASK + "    depends_on: [a, a]\n"
    )
    assert (problem.task, problem.field, problem.message) == (
        "b",
        "depends_on",
        "duplicate dependency 'a'",
    )


def test_top_level_scalar() -> None:
    (problem,) = fails("just text\n")
    assert problem.message == (
        "the top level must be an object with 'name' and 'tasks', not string \"just text\""
    )

"""Loading as a whole: valid files round-trip, every invalid fixture fails where it should,
and any input loads or fails cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.loading import DATA, GOOD_TASK, INVALID, VALID, fails, located, problems_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harmonia.components import ComponentRegistry, CoreComponent
from harmonia.errors import Problem, ValidationFailed
from harmonia.loader import load_workflow_dict, load_workflow_file, load_workflow_text
from harmonia.model import RetryPolicy, Workflow

# ------------------------------------------------------------------------------ valid files


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_files_load_and_round_trip(path: Path) -> None:
    workflow = load_workflow_file(path)
    document = workflow.to_document()
    assert json.loads(json.dumps(document)) == document
    again = load_workflow_dict(document)
    assert again == workflow
    assert again.to_document() == document


def test_design_example_loads_with_effective_defaults() -> None:
    workflow = load_workflow_file(DATA / "valid" / "nightly_etl.yaml")
    assert workflow.name == "nightly-etl"
    assert list(workflow.tasks) == ["fetch", "transform", "publish"]
    assert workflow.max_concurrency == 8
    fetch = workflow.effective("fetch")
    assert fetch.timeout == 30
    assert fetch.retry_policy == RetryPolicy(
        max_retries=3, initial_delay=1, backoff_multiplier=2, max_delay=30, jitter=0.1
    )
    publish = workflow.effective("publish")
    assert publish.retry_policy == RetryPolicy(max_retries=2, initial_delay=0.5)
    assert publish.when == "tasks.transform.output.count > 0"
    assert workflow.validate_input({}) == {"source": "https://example.org/data.json", "limit": 100}


def test_defaults_merge_example() -> None:
    workflow = load_workflow_file(DATA / "valid" / "defaults_merge.yaml")
    own = workflow.effective("own_retry")
    assert own.timeout == 1.5
    assert own.retry_policy == RetryPolicy(
        max_retries=5, initial_delay=0.5, retry_on=["timeout", "connection"]
    )
    assert workflow.tasks["switched_off"].when == "false"
    assert workflow.upstream("fan_in") == {"plain", "own_retry", "switched_off"}


def test_trigger_rules_come_from_the_task_then_the_defaults() -> None:
    workflow = load_workflow_file(DATA / "valid" / "trigger_rules.yaml")
    rules = {tid: str(workflow.trigger_rule(tid)) for tid in workflow.tasks}
    assert rules == {
        "work": "none_failed",
        "alert": "one_failed",
        "cleanup": "all_done",
        "publish": "none_failed",
    }
    assert workflow.effective("publish").trigger_rule == "none_failed"
    assert "trigger_rule" not in workflow.to_document()["tasks"]["publish"]
    plain = load_workflow_file(DATA / "valid" / "minimal.yaml")
    assert all(str(plain.trigger_rule(tid)) == "all_success" for tid in plain.tasks)


# ---------------------------------------------------------------------------- invalid files

EXPECTED: dict[str, list[tuple[int | None, str | None, str | None, str]]] = {
    "syntax.yaml": [(6, None, None, "YAML syntax error: while parsing a flow sequence")],
    "unknown_field.yaml": [
        (7, "fetch", "retry_policy.max_retires", "unknown field; did you mean 'max_retries'?")
    ],
    "wrong_type.yaml": [
        (2, None, "max_concurrency", 'expected an integer, got string "eight"'),
        (7, "a", "timeout", "expected a number, got boolean true"),
    ],
    "missing_required.yaml": [
        (1, None, "name", "required field missing"),
        (3, "a", "component", "required field missing"),
    ],
    "cycle.yaml": [
        (6, "a", "depends_on", "dependency cycle: a -> c -> b -> a (each task depends on the next)")
    ],
    "unknown_dependency.yaml": [
        (11, "publish", "depends_on", "unknown dependency 'fecth'; did you mean 'fetch'?")
    ],
    "self_dependency.yaml": [(6, "a", "depends_on", "a task cannot depend on itself")],
    "unknown_component.yaml": [(4, "a", "component", "unknown component 'shel'; known: ")],
    "unknown_action.yaml": [(5, "a", "action", "unknown action 'execute' of component 'shell'")],
    "bad_action_input.yaml": [
        (6, "a", "input.command", "required field missing"),
        (7, "a", "input.comand", "unknown field"),
        (8, "a", "input.check", "unknown input 'strict'; this workflow declares no inputs"),
        (13, "b", "input.seconds", 'expected a number, got string "soon"'),
    ],
    "bad_reference_syntax.yaml": [
        (9, "a", "input.url", "invalid reference: unterminated '${'"),
    ],
    "reference_not_upstream.yaml": [
        (
            10,
            "y",
            "input.items[0]",
            "references task 'x', which is not upstream of 'y'; add it to depends_on",
        )
    ],
    "unknown_input.yaml": [(9, "t", "input.value", "unknown input 'nope'; declared: a, b")],
    "bad_when.yaml": [(10, "b", "when", "invalid condition: ")],
    "duplicate_key.yaml": [
        (9, "a", None, "duplicate key 'a' (first at line 3); only the last value would be used")
    ],
    "bad_input_default.yaml": [
        (
            6,
            None,
            "input.limit.default",
            "default does not fit its spec: 0 is less than the minimum 1",
        )
    ],
    "bad_retry_on.yaml": [
        (
            4,
            None,
            "defaults.retry_policy.retry_on",
            "unknown error kind 'tmeout' (did you mean 'timeout'?); valid kinds: timeout, error,",
        )
    ],
    "bad_trigger_rule.yaml": [
        (
            3,
            None,
            "defaults.trigger_rule",
            "unknown trigger rule 'all_sucess' (did you mean 'all_success'?); valid rules: "
            "all_success, all_done, all_failed, one_success, one_failed, none_failed, "
            "none_failed_min_one_success, none_skipped",
        ),
        (
            12,
            "alert",
            "trigger_rule",
            "unknown trigger rule 'one_faild' (did you mean 'one_failed'?)",
        ),
        (17, "cleanup", "trigger_rule", "expected a string, got array"),
    ],
    "not_a_mapping.yaml": [
        (1, None, None, "the top level must be an object with 'name' and 'tasks', not array")
    ],
    "several_problems.yaml": [
        (2, None, "max_concurrency", "must be >= 1, got integer 0"),
        (
            4,
            None,
            "input.limit.default",
            "default does not fit its spec: -1 is less than the minimum 0",
        ),
        (9, "fetch", "input.url", "unknown input 'source'; declared: limit"),
        (10, "fetch", "retry_policy.max_retries", "must be >= 0, got integer -1"),
        (12, "transform", "component", "unknown component 'pyhton'"),
        (
            14,
            "transform",
            "depends_on",
            "unknown dependency 'missing'; tasks: fetch, transform, publish",
        ),
        (18, "publish", "when", "invalid condition: "),
        (
            19,
            "publish",
            "input.command",
            "references task 'transform', which is not upstream of 'publish'; add it to depends_on",
        ),
    ],
}


def test_every_invalid_fixture_has_expectations() -> None:
    assert {p.name for p in INVALID.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_file(name: str) -> None:
    path = INVALID / name
    problems = problems_of(path)
    expected = EXPECTED[name]
    assert located(problems) == [(line, task, field) for line, task, field, _ in expected]
    for problem, (_, _, _, message) in zip(problems, expected, strict=True):
        assert problem.file == str(path)
        assert message in problem.message, problem.message


def test_problem_text_names_file_line_task_and_field() -> None:
    path = INVALID / "unknown_field.yaml"
    with pytest.raises(ValidationFailed) as info:
        load_workflow_file(path)
    assert str(info.value) == (
        f"{path}:7, task 'fetch', field 'retry_policy.max_retires': "
        "unknown field; did you mean 'max_retries'?"
    )


def test_problems_are_sorted_and_unique() -> None:
    problems = problems_of(INVALID / "several_problems.yaml")
    assert len(problems) == len(set(problems))
    keys = [(p.line or 0, p.message) for p in problems]
    assert keys == sorted(keys)


def test_load_dict_has_no_lines() -> None:
    with pytest.raises(ValidationFailed) as info:
        load_workflow_dict({"name": "d", "tasks": {"a": {"component": "x", "action": "y"}}})
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.task, problem.field) == (
        "<dict>",
        None,
        "a",
        "component",
    )


def test_custom_registry() -> None:
    registry = ComponentRegistry([CoreComponent()])
    text = "name: w\ntasks:\n  a: {component: shell, action: run, input: {command: 'true'}}\n"
    (problem,) = fails(text, registry=registry)
    assert problem.message == "unknown component 'shell'; known: core"
    assert load_workflow_text(text).tasks["a"].component == "shell"


def test_loaded_workflow_is_a_workflow() -> None:
    workflow = load_workflow_text("name: w\ntasks:\n  a:\n" + GOOD_TASK)
    assert isinstance(workflow, Workflow)
    assert workflow.effective("a").retry_policy == RetryPolicy()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    # not Python's "[Errno 2] No such file or directory: '...nope.yaml'": the file is named once
    assert problem.message == "cannot read the file: No such file or directory"


# ---------------------------------------------------------------------------------- property

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            "a",
            "core",
            "echo",
            "shell",
            "run",
            "x",
            "${input.x}",
            "${tasks.a.output}",
            "${tasks.b.status}",
            "${",
            "tasks.a.output > 1",
            "timeout",
        ]
    ),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=6), st.integers(0, 3)), inner, max_size=3)
    ),
    max_leaves=8,
)
task_fields = st.sampled_from(
    ["component", "action", "input", "depends_on", "when", "timeout", "retry_policy", "x"]
)
tasks = st.dictionaries(
    st.sampled_from(["a", "b", "c", "bad id", ""]),
    st.one_of(
        st.fixed_dictionaries(
            {
                "component": st.sampled_from(["core", "shell", "nope"]),
                "action": st.sampled_from(["echo", "sleep", "run"]),
            },
            optional={
                "input": st.dictionaries(
                    st.sampled_from(["seconds", "command", "x"]), values, max_size=3
                ),
                "depends_on": st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=3),
                "when": values,
                "timeout": values,
                "retry_policy": st.dictionaries(
                    st.sampled_from(["max_retries", "jitter", "retry_on", "max_retires"]),
                    values,
                    max_size=3,
                ),
            },
        ),
        st.dictionaries(task_fields, values, max_size=4),
        values,
    ),
    max_size=3,
)
documents = st.one_of(
    st.fixed_dictionaries(
        {"name": values, "tasks": tasks},
        optional={
            "input": st.dictionaries(
                st.sampled_from(["x", "y", "bad name"]),
                st.dictionaries(
                    st.sampled_from(["type", "default", "minimum", "enum", "pattern"]),
                    values,
                    max_size=3,
                ),
                max_size=2,
            ),
            "defaults": st.dictionaries(st.sampled_from(["timeout", "retry_policy"]), values),
            "max_concurrency": values,
            "version": values,
            "bogus": values,
        },
    ),
    st.dictionaries(st.text(max_size=8), values, max_size=4),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_dict_loads_or_fails_cleanly(doc: dict[str, Any]) -> None:
    try:
        workflow = load_workflow_dict(doc)
    except ValidationFailed as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) and p.message for p in exc.problems)
        return
    document = workflow.to_document()
    assert json.loads(json.dumps(document)) == document
    assert load_workflow_dict(document).to_document() == document


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    try:
        load_workflow_text(text)
    except ValidationFailed as exc:
        assert exc.problems


plain_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64 - 1),  # what the journal holds (see test_big_integers)
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet=st.characters(blacklist_characters="$"), max_size=10),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Documents that must load: acyclic echo tasks with literal inputs and optional settings."""
    ids = draw(
        st.lists(
            st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,5}", fullmatch=True),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    tasks: dict[str, Any] = {}
    for index, task_id in enumerate(ids):
        task: dict[str, Any] = {"component": "core", "action": "echo"}
        if index and draw(st.booleans()):
            task["depends_on"] = draw(st.lists(st.sampled_from(ids[:index]), unique=True))
        if draw(st.booleans()):
            task["input"] = draw(st.dictionaries(st.text(max_size=5), plain_values, max_size=3))
        if draw(st.booleans()):
            task["timeout"] = draw(st.floats(min_value=0.001, max_value=1e6))
        if draw(st.booleans()):
            task["retry_policy"] = draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "max_retries": st.integers(0, 10),
                        "jitter": st.floats(0, 1),
                        "retry_on": st.lists(st.sampled_from(["timeout", "error", "exit_code"])),
                    },
                )
            )
        tasks[task_id] = task
    doc: dict[str, Any] = {"name": draw(st.text(min_size=1).filter(str.strip)), "tasks": tasks}
    if draw(st.booleans()):
        doc["max_concurrency"] = draw(st.integers(1, 100))
    if draw(st.booleans()):
        doc["input"] = {
            "n": {
                "type": "integer",
                "default": draw(st.integers(min_value=-1000, max_value=2**64 - 1)),
                "minimum": -1000,
            }
        }
    return doc


# 60: every line-to-line step of harmonia that 200 fixed examples reach is reached by the 24th
# (a settrace count of the suite's derandomized examples); 140 more added none, only CPU
@settings(max_examples=60, deadline=None)
@given(valid_documents())
def test_valid_documents_load_and_round_trip(doc: dict[str, Any]) -> None:
    workflow = load_workflow_dict(doc)
    document = workflow.to_document()
    assert load_workflow_dict(document) == workflow
    assert load_workflow_dict(json.loads(json.dumps(document))).to_document() == document
    for task_id in workflow.tasks:
        assert workflow.effective(task_id).retry_policy is not None

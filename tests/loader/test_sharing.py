"""What the loader shares instead of copying: repeated task strings, and the models' values in
the stored document of a JSON file (the same document as a dump, with fewer objects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from harmonia.components import default_registry
from harmonia.loader import load_workflow_dict, load_workflow_file, load_workflow_text
from harmonia.loader.sharing import share_task_strings
from harmonia.model import Workflow

SAMPLES = Path(__file__).resolve().parents[2] / "sample_workflows"

EVERY_FIELD: dict[str, Any] = {
    "name": "every-field",
    "version": "2",
    "description": "all of a task's fields set somewhere",
    "input": {"n": {"type": "integer", "default": 3, "minimum": 1}},
    "max_concurrency": 4,
    "defaults": {"timeout": 5, "retry_policy": {"max_retries": 1}},
    "tasks": {
        "a": {"component": "core", "action": "echo", "input": {"x": [1, 2.5, None, True]}},
        "b": {
            "component": "core",
            "action": "echo",
            "depends_on": ["a"],
            "when": False,
            "timeout": 2,
            "retry_policy": {"max_retries": 2, "initial_delay": 1, "backoff_multiplier": 2},
            "trigger_rule": "all_done",
            "description": "the second",
            "input": {"y": "${tasks.a.output.x}", "n": "${input.n}"},
        },
        "c": {
            "component": "core",
            "action": "echo",
            "depends_on": ["a", "b"],
            "for_each": [1, 2],
            "max_parallel": 1,
            "max_items": 5,
            "input": {"item": "${item}"},
        },
        "d": {"action": "echo", "component": "core", "depends_on": ["a"], "input": {}},
    },
    "output": {"last": "${tasks.b.output}"},
}


def _json_documents() -> list[tuple[str, str]]:
    """Every sample workflow and the document above, as JSON text."""
    texts = [("every-field", json.dumps(EVERY_FIELD))]
    for path in sorted(SAMPLES.glob("*.yaml")):
        try:
            workflow = load_workflow_file(path)
        except Exception:  # templates and files needing components of their own
            continue
        texts.append((path.name, json.dumps(workflow.model_dump(mode="json", exclude_unset=True))))
    return texts


@pytest.mark.parametrize(("name", "text"), _json_documents(), ids=lambda v: str(v)[:20])
def test_json_document_equals_the_dump(name: str, text: str) -> None:
    """Same keys in the same order, same values: stored snapshots do not change."""
    workflow = load_workflow_text(text, fmt="json", registry=default_registry())
    document = workflow.to_document()
    dump = workflow.model_dump(mode="json", exclude_unset=True)
    assert orjson.dumps(document) == orjson.dumps(dump)
    assert load_workflow_dict(document) == workflow


def test_json_document_shares_the_models_values() -> None:
    workflow = load_workflow_text(json.dumps(EVERY_FIELD), fmt="json")
    tasks = workflow.to_document()["tasks"]
    assert tasks["b"]["input"] is workflow.tasks["b"].input
    assert tasks["c"]["depends_on"] is workflow.tasks["c"].depends_on
    assert tasks["d"]["input"] is workflow.tasks["d"].input
    assert list(tasks["d"]) == ["component", "action", "input", "depends_on"]  # field order
    assert tasks["b"]["when"] == "false"  # as the dump: the condition's text


def test_other_sources_are_dumped() -> None:
    """A dict or YAML may hold values a JSON dump converts (tuples, dates): copied as before."""
    workflow = load_workflow_dict(EVERY_FIELD)
    assert workflow.to_document()["tasks"]["b"]["input"] is not workflow.tasks["b"].input
    built = Workflow.model_validate(EVERY_FIELD)
    assert built.to_document() == built.model_dump(mode="json", exclude_unset=True)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_repeated_task_strings_are_one_object(fmt: str) -> None:
    """Ids in `depends_on` are the tasks' own keys; names are one object per name."""
    echo = {"component": "core", "action": "echo"}
    doc = {
        "name": "w",
        "tasks": {
            "first_task": echo,
            "second_task": {**echo, "depends_on": ["first_task"]},
            "third_task": {**echo, "depends_on": ["first_task", "second_task"]},
        },
    }
    text = json.dumps(doc)
    if fmt == "yaml":
        import yaml

        text = yaml.safe_dump(doc)
    workflow = load_workflow_text(text, fmt="json" if fmt == "json" else "yaml")
    ids = {tid: tid for tid in workflow.tasks}
    first, second, third = workflow.tasks.values()
    assert third.depends_on[0] is ids["first_task"] is second.depends_on[0]
    assert third.depends_on[1] is ids["second_task"]
    assert first.component is second.component is third.component
    assert first.action is second.action is third.action


def test_only_strings_are_swapped() -> None:
    """A YAML id `1` and an item `true` are equal in Python: the item must stay as written,
    for the problem to name it."""
    deps: list[Any] = [True, "x_task"]
    odd: list[Any] = [True, ["nested"]]
    data = {"tasks": {1: {}, "x_task": {}, "y": {"depends_on": deps}, "z": {"depends_on": odd}}}
    share_task_strings(data)
    assert deps[0] is True and odd[0] is True
    assert deps[1] is next(k for k in data["tasks"] if k == "x_task")


def test_a_definition_only_checked_is_not_shared(tmp_path: Path) -> None:
    """`harmonia validate` keeps nothing: it skips the sharing pass, and gets the same result."""
    from harmonia.loader import load_definition_file

    path = tmp_path / "w.json"
    path.write_text(json.dumps(EVERY_FIELD))
    kept = load_definition_file(path)
    checked = load_definition_file(path, keep=False)
    assert checked == kept
    assert isinstance(checked, Workflow)
    assert checked.tasks["c"].depends_on[0] is not next(k for k in checked.tasks if k == "a")
    assert isinstance(kept, Workflow)
    assert kept.tasks["c"].depends_on[0] is next(k for k in kept.tasks if k == "a")

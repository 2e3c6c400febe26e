"""The top-level `output:` mapping in the model and its JSON Schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harmonia.model import Workflow
from harmonia.schema import workflow_json_schema

TASKS = {"t": {"component": "core", "action": "echo"}}


def test_the_schema_allows_named_outputs_and_nothing_else() -> None:
    output = workflow_json_schema()["properties"]["output"]
    assert output["type"] == "object"
    assert list(output["patternProperties"]) == [r"^[A-Za-z_][A-Za-z0-9_-]*$"]
    assert output["additionalProperties"] is False  # beside the pattern: bad names only


def test_output_is_optional_and_round_trips() -> None:
    plain = Workflow.model_validate({"name": "w", "tasks": TASKS})
    assert plain.output == {}
    assert "output" not in plain.to_document()  # unset stays unset in stored documents
    declared = Workflow.model_validate(
        {"name": "w", "tasks": TASKS, "output": {"total": "${tasks.t.output}", "n": 1}}
    )
    assert declared.to_document()["output"] == {"total": "${tasks.t.output}", "n": 1}
    assert Workflow.model_validate(declared.to_document()) == declared


@pytest.mark.parametrize("bad", [{"bad name": 1}, ["x"], "text"])
def test_bad_outputs_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Workflow.model_validate({"name": "w", "tasks": TASKS, "output": bad})

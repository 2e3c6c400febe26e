"""The JSON Schema of the workflow file, generated from the models."""

from __future__ import annotations

import json

from harmonia.schema import workflow_json_schema

# ------------------------------------------------------------------------------------ schema


def test_json_schema_describes_the_file_format() -> None:
    schema = workflow_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert schema["title"] == "Harmonia workflow"
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "tasks"}
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    assert set(defs) >= {"TaskSpec", "RetryPolicy", "InputSpec", "TaskDefaults"}
    assert all(d["additionalProperties"] is False for d in defs.values())
    tasks = schema["properties"]["tasks"]
    assert list(tasks["patternProperties"]) == [r"^[A-Za-z_][A-Za-z0-9_-]*$"]
    assert tasks["additionalProperties"] is False
    assert schema["properties"]["input"]["additionalProperties"] is False
    assert "timeout" in defs["RetryPolicy"]["properties"]["retry_on"]["items"]["enum"]
    rules = [
        "all_success",
        "all_done",
        "all_failed",
        "one_success",
        "one_failed",
        "none_failed",
        "none_failed_min_one_success",
        "none_skipped",
    ]
    for model in ("TaskSpec", "TaskDefaults"):
        rule = defs[model]["properties"]["trigger_rule"]
        assert rule["anyOf"] == [{"enum": rules}, {"type": "null"}], model
        assert "all_success" in rule["description"]
    assert json.loads(json.dumps(schema)) == schema
    # a fresh dict every time: callers may modify it
    schema["title"] = "changed"
    assert workflow_json_schema()["title"] == "Harmonia workflow"


def test_json_schema_covers_for_each() -> None:
    task = workflow_json_schema()["$defs"]["TaskSpec"]["properties"]
    kinds = [option.get("type") for option in task["for_each"]["anyOf"]]
    assert kinds == ["array", "string", "null"]
    assert {"minimum": 1, "type": "integer"} in task["max_parallel"]["anyOf"]
    assert {"minimum": 0, "type": "integer"} in task["max_items"]["anyOf"]

"""One definition per tool serves both dialects: the parameters Tekton's MCP v2 lists (Python
type reprs) and the JSON Schema the MCP server lists must say the same thing, and Harmonia's
own reader of Tekton tool lists (`harmonia.tekton.mcpv2`) must read them back as written."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from harmoniad.tools import TOOLS
from harmoniad.tools.base import python_type_repr

from harmonia.tekton.mcpv2 import json_type_of, parse_tools


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_both_dialects_describe_the_same_arguments(tool: Any) -> None:
    schema = tool.input_schema()
    parameters = tool.tekton_parameters()
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert list(parameters) == list(schema["properties"])
    required = {name for name, spec in parameters.items() if spec["required"]}
    assert required == set(schema.get("required", []))
    for name, spec in parameters.items():
        declared = schema["properties"][name]
        kind = json_type_of(spec["type"])
        if kind is not None:  # a plain type: the schema says the same
            assert declared.get("type") == kind, (name, spec, declared)
        if not spec["required"]:
            assert spec["default"] == declared.get("default", spec["default"])
        assert spec["description"] == declared.get("description", "")


def test_harmonia_reads_its_own_tool_list_back() -> None:
    read = parse_tools({"tools": [t.tekton_entry() for t in TOOLS], "count": len(TOOLS)})
    assert [t.name for t in read] == [t.name for t in TOOLS]
    execute = next(t for t in read if t.name == "ExecuteWorkflow")
    assert execute.required == ["workflow_id"]
    assert execute.input_schema()["properties"]["input_data"]["type"] == "object"


@pytest.mark.parametrize(
    ("annotation", "text"),
    [
        (str, "str"),
        (int, "int"),
        (dict[str, Any], "dict[str, Any]"),
        (list[str] | None, "Optional[list[str]]"),
        (Literal["a", "b"] | None, "Optional[str]"),
        (int | str, "Union[int, str]"),
        (bool, "bool"),
    ],
)
def test_python_type_reprs(annotation: Any, text: str) -> None:
    assert python_type_repr(annotation) == text

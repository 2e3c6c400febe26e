"""JSON Schema of the workflow file, for editors and other tools.

Generated from the pydantic models rather than written by hand, so the schema an editor checks
against and the validation the loader performs cannot drift apart. The schema covers structure
and types; what only the loader can know (components and their actions, `${...}` references,
the dependency graph) is left to `harmonia validate`.
"""

from __future__ import annotations

from typing import Any

from harmonia.model import TemplateSpec, Workflow

__all__ = ["SCHEMA_ID", "TEMPLATE_SCHEMA_ID", "template_json_schema", "workflow_json_schema"]

SCHEMA_ID = "urn:harmonia:schema:workflow:1"
TEMPLATE_SCHEMA_ID = "urn:harmonia:schema:template:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def workflow_json_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of a Harmonia workflow file (a fresh dict on every call)."""
    generated = Workflow.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Harmonia workflow",
        "description": (
            "A Harmonia workflow: declared inputs, task defaults and a DAG of tasks, each "
            "calling one action of a component."
        ),
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    return schema


def template_json_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of a template file (`kind: template`). Its `workflow` body
    is only required to be a mapping: placeholders may stand where the workflow schema wants
    numbers or booleans, so the body is checked once values are in (`harmonia validate`)."""
    generated = TemplateSpec.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": TEMPLATE_SCHEMA_ID,
        "title": "Harmonia workflow template",
        "description": (
            "A Harmonia template: typed parameters and a workflow body in which "
            "${param.NAME} placeholders are replaced when it is instantiated."
        ),
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    return schema

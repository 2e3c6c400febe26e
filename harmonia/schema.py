"""JSON Schema of the workflow file, for editors and other tools.

Generated from the pydantic models rather than written by hand, so the schema an editor checks
against and the validation the loader performs cannot drift apart. The schema covers structure
and types; what only the loader can know (components and their actions, `${...}` references,
the dependency graph) is left to `harmonia validate`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from harmonia.model import TemplateSpec, Workflow

__all__ = ["SCHEMA_ID", "TEMPLATE_SCHEMA_ID", "template_json_schema", "workflow_json_schema"]

SCHEMA_ID = "urn:harmonia:schema:workflow:1"
TEMPLATE_SCHEMA_ID = "urn:harmonia:schema:template:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def workflow_json_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of a Harmonia workflow file (a fresh dict on every call)."""
    return _document(
        Workflow,
        SCHEMA_ID,
        "Harmonia workflow",
        "A Harmonia workflow: declared inputs, task defaults and a DAG of tasks, each "
        "calling one action of a component.",
    )


def template_json_schema() -> dict[str, Any]:
    """A draft 2020-12 JSON Schema of a template file (`kind: template`). Its `workflow` body
    is only required to be a mapping: placeholders may stand where the workflow schema wants
    numbers or booleans, so the body is checked once values are in (`harmonia validate`)."""
    return _document(
        TemplateSpec,
        TEMPLATE_SCHEMA_ID,
        "Harmonia workflow template",
        "A Harmonia template: typed parameters and a workflow body in which "
        "${param.NAME} placeholders are replaced when it is instantiated.",
    )


def _document(model: type[BaseModel], schema_id: str, title: str, about: str) -> dict[str, Any]:
    """The model's generated schema under our own header: the pydantic title and description
    name a Python class, not the file an editor is checking."""
    generated = model.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        "description": about,
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    return schema

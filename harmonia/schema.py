"""JSON Schema of the workflow file, for editors and other tools.

Generated from the pydantic models rather than written by hand, so the schema an editor checks
against and the validation the loader performs cannot drift apart. The schema covers structure
and types; what only the loader can know (components and their actions, `${...}` references,
the dependency graph) is left to `harmonia validate`.
"""

from __future__ import annotations

from typing import Any

from harmonia.model import Workflow

__all__ = ["SCHEMA_ID", "workflow_json_schema"]

SCHEMA_ID = "urn:harmonia:schema:workflow:1"
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

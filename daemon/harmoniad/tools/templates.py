"""Template tools: make a template from a stored workflow, instantiate one, list them.

The original tools' template is a workflow whose `parameters` are its declared inputs, and
instantiating one gives those inputs defaults. Here that is a typed template
(`/api/v1/templates`) whose body is the stored workflow with each such input's default a
`${param.NAME}` placeholder (inputs without a default stay required inputs), so values are
checked against the parameters' types. Harmonia
keeps no template categories, tags, visibility or metadata: given, they are reported under
`ignored`, and `ListTemplates` refuses to filter by them rather than pretend.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmoniad.context import DaemonState
from harmoniad.services import templates as templates_service
from harmoniad.services import workflows as service
from harmoniad.tools.base import Params, Tool, ToolError
from harmoniad.tools.workflows import with_id
from harmoniad.views import workflow_view

__all__ = ["TOOLS"]

CATEGORY = "template_management"


class CreateTemplate(Params):
    name: str = Field(description="The template's name.")
    description: str = Field(description="What workflows made from it do.")
    workflow_definition_id: str = Field(description="The stored workflow it is made from.")
    parameters: dict[str, Any] | None = Field(
        default=None,
        description="Declared inputs to add or replace, by name ({type, default?, ...}): what "
        "an instantiation gives values for.",
    )
    category_ids: list[str] | None = Field(default=None, description="Not stored by Harmonia.")
    tags: list[str] | None = Field(default=None, description="Not stored by Harmonia.")
    is_public: bool = Field(default=True, description="Not stored: every template is shared.")
    metadata: dict[str, Any] | None = Field(default=None, description="Not stored by Harmonia.")


class InstantiateTemplate(Params):
    template_id: str = Field(description="The template's id.")
    parameter_values: dict[str, Any] = Field(
        default_factory=dict, description="Values for the template's declared inputs."
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Not stored by Harmonia.")


class ListTemplates(Params):
    category_id: str | None = Field(default=None, description="Not supported: leave it out.")
    tags: list[str] | None = Field(default=None, description="Not supported: leave it out.")


async def create_template(state: DaemonState, params: CreateTemplate) -> dict[str, Any]:
    row = await service.get_workflow(state, params.workflow_definition_id)
    body: dict[str, Any] = dict(row["document"])
    body["name"] = params.name
    body["description"] = params.description
    declared: dict[str, Any] = {**body.get("input", {}), **(params.parameters or {})}
    parameters: dict[str, Any] = {}
    for name, spec in declared.items():
        if "default" not in spec:
            continue  # a required input stays one: each run of the workflow gives it
        parameters[name] = dict(spec)  # the parameter's type, default, limits are the input's
        declared[name] = {**spec, "default": f"${{param.{name}}}"}
    if declared:
        body["input"] = declared
    document = {
        "kind": "template",
        "name": params.name,
        "description": params.description,
        "parameters": parameters,
        "workflow": body,
    }
    source = f"template of {params.workflow_definition_id}"
    template = await templates_service.check_template(state, document, source)
    info = await templates_service.import_template(state, template)
    dropped = [n for n in ("category_ids", "tags", "metadata") if getattr(params, n)]
    if not params.is_public:
        dropped.append("is_public")
    return {"template_id": info["id"], **with_id(workflow_view(info), dropped)}


async def instantiate(state: DaemonState, params: InstantiateTemplate) -> dict[str, Any]:
    info = await templates_service.instantiate_template(
        state, params.template_id, params.parameter_values
    )
    out = {"template_id": params.template_id, **with_id(info)}
    if params.metadata:
        out["ignored"] = ["metadata"]
    return out


async def list_templates(state: DaemonState, params: ListTemplates) -> dict[str, Any]:
    if params.category_id is not None or params.tags:
        raise ToolError(
            "ListTemplates: Harmonia keeps no template categories or tags; "
            "list without category_id and tags"
        )
    rows = await templates_service.list_templates(state)
    items = [{"template_id": r["id"], **with_id(workflow_view(r))} for r in rows]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


TOOLS: list[Tool[Any]] = [
    Tool(
        "CreateTemplate",
        "Store a template made from a stored workflow: inputs with defaults become parameters.",
        CATEGORY,
        CreateTemplate,
        create_template,
        ("template", "create"),
    ),
    Tool(
        "InstantiateTemplate",
        "Store a new workflow from a template, its inputs defaulting to the given values.",
        CATEGORY,
        InstantiateTemplate,
        instantiate,
        ("template", "instantiate"),
    ),
    Tool(
        "ListTemplates",
        "Stored templates, newest first.",
        CATEGORY,
        ListTemplates,
        list_templates,
        ("template", "list"),
    ),
]

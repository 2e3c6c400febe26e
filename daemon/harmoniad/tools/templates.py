"""Template tools: make a template from a stored workflow, instantiate one, list them.

A template is a stored workflow marked as one (`/api/v1/templates`); its `parameters` are
declared inputs, and instantiating it stores a new workflow whose inputs default to the given
values. Harmonia keeps no template categories, tags, visibility or metadata: given, they are
reported under `ignored`, and `ListTemplates` refuses to filter by them rather than pretend.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmoniad.context import DaemonState
from harmoniad.services import workflows as service
from harmoniad.tools.base import Params, Tool, ToolError
from harmoniad.tools.workflows import with_id

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
    document: dict[str, Any] = dict(row["document"])
    document["name"] = params.name
    document["description"] = params.description
    if params.parameters:
        document["input"] = {**document.get("input", {}), **params.parameters}
    source = f"template of {params.workflow_definition_id}"
    workflow = await service.check_document(state, document, source)
    info = await service.store_workflow(state, workflow, template=True)
    dropped = [n for n in ("category_ids", "tags", "metadata") if getattr(params, n)]
    if not params.is_public:
        dropped.append("is_public")
    return {"template_id": info["id"], **with_id(info, dropped)}


async def instantiate(state: DaemonState, params: InstantiateTemplate) -> dict[str, Any]:
    info = await service.instantiate_template(
        state, params.template_id, name=None, input=params.parameter_values
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
    page = await service.list_workflows(state, template=True, offset=0, limit=1_000_000)
    page["items"] = [{"template_id": i["id"], **with_id(i)} for i in page["items"]]
    return page


TOOLS: list[Tool[Any]] = [
    Tool(
        "CreateTemplate",
        "Store a template made from a stored workflow, with declared inputs as its parameters.",
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

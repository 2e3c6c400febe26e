"""Workflow management tools: create, update, delete, get and list stored definitions.

The original Harmonia's parameters map onto the workflow file: `input_schema` is the declared
`input`, `tasks` the task mapping, `version` and `description` as written. The document goes
through the same loader as `POST /api/v1/workflows`, so a tool stores only what a file could.
Harmonia keeps no `output_schema` or `metadata` for a workflow: given, they are reported back
under `ignored` rather than dropped without a word.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmoniad.context import DaemonState
from harmoniad.services import workflows as service
from harmoniad.tools.base import Params, Tool
from harmoniad.views import workflow_view

__all__ = ["TOOLS"]

CATEGORY = "workflow_management"

Document = dict[str, Any]


class CreateWorkflowDefinition(Params):
    name: str = Field(description="The workflow's name.")
    description: str = Field(description="What the workflow does.")
    tasks: Document = Field(
        description="The tasks by id, as in a workflow file: {id: {component, action, input, "
        "depends_on?, when?, retry_policy?, timeout?}}."
    )
    input_schema: Document | None = Field(
        default=None, description="Declared inputs by name, as a workflow file's `input`."
    )
    output_schema: Document | None = Field(default=None, description="Not stored by Harmonia.")
    version: str = Field(default="1.0", description="The definition's version.")
    metadata: Document | None = Field(default=None, description="Not stored by Harmonia.")


class UpdateWorkflowDefinition(Params):
    workflow_id: str = Field(description="The stored workflow's id.")
    name: str | None = Field(default=None, description="A new name.")
    description: str | None = Field(default=None, description="A new description.")
    tasks: Document | None = Field(default=None, description="The new tasks (all of them).")
    input_schema: Document | None = Field(default=None, description="The new declared inputs.")
    output_schema: Document | None = Field(default=None, description="Not stored by Harmonia.")
    version: str | None = Field(default=None, description="A new version.")
    metadata: Document | None = Field(default=None, description="Not stored by Harmonia.")


class WorkflowId(Params):
    workflow_id: str = Field(description="The stored workflow's id.")


class ListWorkflowDefinitions(Params):
    limit: int = Field(default=100, ge=1, le=1000, description="Items per page.")
    offset: int = Field(default=0, ge=0, description="Items to skip.")


def ignored(params: CreateWorkflowDefinition | UpdateWorkflowDefinition) -> list[str]:
    """The arguments given that Harmonia does not keep."""
    return [n for n in ("output_schema", "metadata") if getattr(params, n)]


def with_id(info: dict[str, Any], dropped: list[str] | None = None) -> dict[str, Any]:
    """A workflow's info with `workflow_id` beside `id` (what the original tools answered,
    and what `ExecuteWorkflow` takes)."""
    out = {"workflow_id": info["id"], **info}
    if dropped:
        out["ignored"] = dropped
    return out


async def create_workflow(state: DaemonState, params: CreateWorkflowDefinition) -> dict[str, Any]:
    document: Document = {
        "name": params.name,
        "version": params.version,
        "description": params.description,
        "tasks": params.tasks,
    }
    if params.input_schema:
        document["input"] = params.input_schema
    workflow = await service.check_document(state, document, "arguments")
    info = await service.store_workflow(state, workflow, "arguments")
    return with_id(info, ignored(params))


async def update_workflow(state: DaemonState, params: UpdateWorkflowDefinition) -> dict[str, Any]:
    row = await service.get_workflow(state, params.workflow_id)
    document: Document = dict(row["document"])
    changes = {
        "name": params.name,
        "description": params.description,
        "tasks": params.tasks,
        "input": params.input_schema,
        "version": params.version,
    }
    document.update({k: v for k, v in changes.items() if v is not None})
    source = f"workflow {params.workflow_id} updated"
    workflow = await service.check_document(state, document, source)
    info = await service.replace_workflow(state, params.workflow_id, workflow, source)
    return with_id(info, ignored(params))


async def delete_workflow(state: DaemonState, params: WorkflowId) -> dict[str, Any]:
    gone = await service.delete_workflow(state, params.workflow_id)
    return {"workflow_id": gone.pop("id"), **gone}  # what became of its schedules too


async def get_workflow(state: DaemonState, params: WorkflowId) -> dict[str, Any]:
    row = await service.get_workflow(state, params.workflow_id)
    return with_id(workflow_view(row))


async def list_workflows(state: DaemonState, params: ListWorkflowDefinitions) -> dict[str, Any]:
    page = await service.list_workflows(state, offset=params.offset, limit=params.limit)
    page["items"] = [with_id(i) for i in page["items"]]
    return page


TOOLS: list[Tool[Any]] = [
    Tool(
        "CreateWorkflowDefinition",
        "Store a new workflow definition (checked as `harmonia validate` checks a file).",
        CATEGORY,
        CreateWorkflowDefinition,
        create_workflow,
        ("workflow", "create"),
    ),
    Tool(
        "UpdateWorkflowDefinition",
        "Change a stored workflow: the fields given replace the stored ones.",
        CATEGORY,
        UpdateWorkflowDefinition,
        update_workflow,
        ("workflow", "update"),
    ),
    Tool(
        "DeleteWorkflowDefinition",
        "Delete a stored workflow (its executions stay).",
        CATEGORY,
        WorkflowId,
        delete_workflow,
        ("workflow", "delete"),
    ),
    Tool(
        "GetWorkflowDefinition",
        "A stored workflow with its document.",
        CATEGORY,
        WorkflowId,
        get_workflow,
        ("workflow", "read"),
    ),
    Tool(
        "ListWorkflowDefinitions",
        "Stored workflows (templates included), newest first.",
        CATEGORY,
        ListWorkflowDefinitions,
        list_workflows,
        ("workflow", "list"),
    ),
]

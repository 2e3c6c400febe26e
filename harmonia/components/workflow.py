"""`workflow.run`: a task that runs another workflow as a child execution (a sub-workflow).

The component itself only checks its input and hands the request to the engine through the
narrow `ChildExecutions` protocol of its `ActionContext`: starting, awaiting, cancelling and
re-attaching children is the engine's business (`harmonia.engine.children`), and a component
never holds the whole engine.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harmonia.components.base import ActionContext, Component, ModelAction
from harmonia.components.childprotocol import ChildExecutions, ChildRequest, is_workflow_path
from harmonia.errors import ErrorKind, TaskError

__all__ = [
    "ChildExecutions",
    "ChildRequest",
    "RunWorkflowAction",
    "WorkflowComponent",
    "is_workflow_path",
]


class RunWorkflowInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    workflow: str = Field(
        min_length=1,
        description="A stored workflow id (wf-...), or a workflow file path (has a '/' or "
        "ends in .yaml/.yml/.json) relative to the parent workflow file's folder; paths only "
        "for executions started from a file (`harmonia run FILE`).",
    )
    input: dict[str, Any] = Field(default_factory=dict, description="The child execution's input.")


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class RunWorkflowAction(ModelAction[RunWorkflowInput]):
    name = "run"
    description = (
        "Run another workflow as a child execution, wait for it, and return its declared "
        "`output:` mapping; the child's failure is this task's failure."
    )
    input_model = RunWorkflowInput
    waits_on_engine = True

    async def run(self, ctx: ActionContext, params: RunWorkflowInput) -> Any:
        if not is_workflow_path(params.workflow) and not _ID.fullmatch(params.workflow):
            raise TaskError(
                f"workflow: {params.workflow!r} is neither a stored workflow id nor a file path",
                ErrorKind.INVALID_INPUT,
            )
        if ctx.children is None:
            raise TaskError(
                "workflow.run needs an engine to start child executions (none given)",
                ErrorKind.INVALID_INPUT,
            )
        request = ChildRequest(
            ctx.execution_id, ctx.task_id, ctx.attempt, params.workflow, params.input
        )
        return await ctx.children.run_child(request)


class WorkflowComponent(Component):
    """`workflow.run`: sub-workflows."""

    def __init__(self) -> None:
        super().__init__(
            "workflow",
            "Run another workflow as a child execution and take its declared outputs.",
            [RunWorkflowAction()],
        )

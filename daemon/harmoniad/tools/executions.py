"""Workflow execution tools: start a stored workflow, cancel, pause, resume, read, list.

Each is the engine's operator action as the REST paths perform it (the same checks, the same
journal event). An execution records its workflow's name, not the stored definition it came
from: `ListWorkflowExecutions(workflow_id=...)` lists the executions of workflows carrying that
definition's name.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harmonia.events import iso_time
from harmoniad.context import DaemonState
from harmoniad.services import executions as service
from harmoniad.services.workflows import get_workflow
from harmoniad.tools.base import Params, Tool

__all__ = ["TOOLS"]

CATEGORY = "workflow_execution"

StatusName = Literal["pending", "running", "paused", "completed", "failed", "canceled", "damaged"]


class ExecuteWorkflow(Params):
    workflow_id: str = Field(description="The stored workflow to run.")
    input_data: dict[str, Any] = Field(
        default_factory=dict,
        description="The execution's input, checked against the workflow's declared inputs.",
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Not stored by Harmonia.")


class ExecutionId(Params):
    execution_id: str = Field(description="The execution's id.")


class ListWorkflowExecutions(Params):
    workflow_id: str | None = Field(
        default=None, description="Only executions of the workflow named as this definition."
    )
    status: StatusName | None = Field(default=None, description="Only executions in this status.")
    limit: int = Field(default=100, ge=1, le=1000, description="Items per page.")
    offset: int = Field(default=0, ge=0, description="Items to skip.")


async def execute_workflow(state: DaemonState, params: ExecuteWorkflow) -> dict[str, Any]:
    workflow = await service.stored_workflow(state, params.workflow_id)
    source = f"workflow {params.workflow_id}"
    execution = await service.start_execution(state, workflow, params.input_data, source=source)
    out: dict[str, Any] = {
        "execution_id": execution.id,
        "workflow_id": params.workflow_id,
        "workflow": execution.workflow_name,
        "status": str(execution.status),
        "started_at": iso_time(execution.started_at or execution.created_at),
    }
    if params.metadata:
        out["ignored"] = ["metadata"]
    return out


async def cancel(state: DaemonState, params: ExecutionId) -> dict[str, Any]:
    execution = await state.engine.cancel(params.execution_id)
    return _summary(state, execution)


async def pause(state: DaemonState, params: ExecutionId) -> dict[str, Any]:
    execution = await service.pause_execution(state, params.execution_id)
    return _summary(state, execution)


async def resume(state: DaemonState, params: ExecutionId) -> dict[str, Any]:
    execution = await state.engine.resume(params.execution_id)
    return _summary(state, execution)


async def status(state: DaemonState, params: ExecutionId) -> dict[str, Any]:
    execution = await state.engine.get(params.execution_id)
    return {"execution_id": execution.id, **execution.to_public()}


async def list_executions(state: DaemonState, params: ListWorkflowExecutions) -> dict[str, Any]:
    name = None
    if params.workflow_id is not None:
        name = (await get_workflow(state, params.workflow_id))["name"]
    return await service.list_executions(
        state, status=params.status, offset=params.offset, limit=params.limit, workflow=name
    )


def _summary(state: DaemonState, execution: Any) -> dict[str, Any]:
    return {"execution_id": execution.id, **service.summary_of(state, execution)}


def _tool(name: str, description: str, handler: Any, params: Any = ExecutionId) -> Tool[Any]:
    return Tool(name, description, CATEGORY, params, handler, ("execution",))


TOOLS: list[Tool[Any]] = [
    _tool(
        "ExecuteWorkflow",
        "Start an execution of a stored workflow; answers its id at once (it runs on).",
        execute_workflow,
        ExecuteWorkflow,
    ),
    _tool(
        "CancelWorkflowExecution",
        "Cancel an execution: running tasks are cancelled.",
        cancel,
    ),
    _tool(
        "PauseWorkflowExecution",
        "Pause an execution: nothing new starts; running tasks finish.",
        pause,
    ),
    _tool(
        "ResumeWorkflowExecution",
        "Resume a paused, failed, canceled or interrupted execution.",
        resume,
    ),
    _tool(
        "GetWorkflowExecutionStatus",
        "An execution's status, counts, and every task's state, output and error.",
        status,
    ),
    _tool(
        "ListWorkflowExecutions",
        "Executions, newest first, by workflow and status.",
        list_executions,
        ListWorkflowExecutions,
    ),
]

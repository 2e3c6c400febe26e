"""`workflow.run`: a task that runs another workflow as a child execution (a sub-workflow).

The component itself only checks its input and hands the request to the engine through the
narrow `ChildExecutions` protocol of its `ActionContext`: starting, awaiting, cancelling and
re-attaching children is the engine's business (`harmonia.engine.children`), and a component
never holds the whole engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from harmonia.components.base import ActionContext, Component, ModelAction
from harmonia.errors import ErrorKind, TaskError

__all__ = [
    "ChildExecutions",
    "ChildRequest",
    "RunWorkflowAction",
    "WorkflowComponent",
    "is_workflow_path",
]

_PATH_SUFFIXES = (".yaml", ".yml", ".json")


def is_workflow_path(ref: str) -> bool:
    """Whether `workflow:` names a file (it has a `/` or a workflow file suffix) rather than
    a stored workflow id such as `wf-3fa9c1d2e4b5`. One rule, shared by the loader's
    recursion check and the engine, so both read a reference the same way."""
    return "/" in ref or "\\" in ref or ref.lower().endswith(_PATH_SUFFIXES)


@dataclass(frozen=True, slots=True)
class ChildRequest:
    """One attempt of a `workflow.run` task asking for its child execution's outputs."""

    execution_id: str
    task_id: str
    attempt: int
    workflow: str
    input: Mapping[str, Any]


class ChildExecutions(Protocol):
    """What the engine lends a `workflow.run` action: run (or re-attach to) the child of one
    attempt, wait for it, and return its declared outputs; raise `TaskError` if it fails.
    Cancelling the awaiting coroutine cancels the child (unless the engine is stopping)."""

    async def run_child(self, request: ChildRequest) -> Any: ...


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

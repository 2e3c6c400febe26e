"""The shapes of request bodies, query strings and answers, as pydantic models.

Request models validate what clients send (a failure is a 422 with pydantic-style details).
Answer models describe what handlers return: handlers build plain dicts (an execution document
can hold thousands of tasks, and validating it again on the way out would cost more than
producing it), and the OpenAPI document generated from these models is checked against the real
answers by the schemathesis test, which keeps the two honest.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from harmonia.protocol import ErrorCode
from harmonia.state import ExecutionStatus, TaskStatus
from harmoniad.routing import PATH_PARAM_PATTERN

__all__ = [
    "ActionInfo",
    "Checkpoint",
    "CheckpointCreate",
    "CheckpointList",
    "ComponentInfo",
    "ComponentList",
    "DamagedFile",
    "ErrorBody",
    "EventPage",
    "EventsQuery",
    "Execution",
    "ExecutionCreate",
    "ExecutionDamage",
    "ExecutionList",
    "ExecutionListQuery",
    "ExecutionSummary",
    "ExecutionTrigger",
    "PageQuery",
    "ResumeAction",
    "RetryResult",
    "WorkflowDeleted",
    "WorkflowDetail",
    "WorkflowInfo",
    "WorkflowList",
    "WorkflowOrigin",
]

ExecutionStatusName = Literal[
    "pending", "running", "paused", "completed", "failed", "canceled", "damaged"
]
TaskStatusName = Literal[
    "pending", "running", "retrying", "waiting", "completed", "failed", "skipped", "canceled"
]
assert set(get_args(ExecutionStatusName)) == {str(s) for s in ExecutionStatus}
assert set(get_args(TaskStatusName)) == {str(s) for s in TaskStatus}

WORKFLOW_DOCUMENT_MARK = "x-workflow-document"
"""Stands for the workflow file's schema, which `openapi.py` puts in its place."""

MAX_INT = 2**53 - 1
"""Largest number a query accepts: exact in every JSON reader (JavaScript's safe integers)."""

Time = str | None
"""ISO 8601 UTC with milliseconds, e.g. `2026-11-26T13:05:01.123Z`."""


class _Request(BaseModel):
    """A body or query. Its validator is built on first use (`defer_build`): a daemon start
    built all of them, for the few requests a run makes, ~5% of the start's instructions."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class _Answer(BaseModel):
    """An answer's shape, which the OpenAPI document shows: built on first use (`defer_build`)."""

    model_config = ConfigDict(extra="allow", defer_build=True)


ItemT = TypeVar("ItemT")


class _Paged(_Answer, Generic[ItemT]):
    """The envelope of every paged listing (`PageQuery`): `items` from `offset`, at most
    `limit` of them, out of `total`. Subclasses name the page, as the OpenAPI shows it."""

    items: list[ItemT]
    total: int = Field(ge=0)
    limit: int
    offset: int


# ---- errors and service ------------------------------------------------------------------


class ProblemDetail(BaseModel):
    """One problem of an invalid workflow or input, located as precisely as known."""

    message: str
    field: str | None = None
    line: int | None = None
    task: str | None = None
    file: str | None = None


class PydanticDetail(BaseModel):
    """One problem of a malformed request body or query string."""

    loc: list[str | int]
    msg: str
    type: str


class StorageDetail(BaseModel):
    """Why the storage refuses writes (`storage_unavailable`)."""

    path: str | None = Field(description="The file whose write failed, when known.")
    error: str = Field(description="The system's reason, e.g. `No space left on device`.")


_ERROR_CODES = {"enum": [c.value for c in ErrorCode], "title": "Code", "type": "string"}
"""Inline in `ErrorBody`, as a list of names rather than a schema of its own."""


class ErrorBody(BaseModel):
    """Every error answer, whatever its status."""

    model_config = ConfigDict(extra="forbid")

    status: int
    code: Annotated[ErrorCode, WithJsonSchema(_ERROR_CODES)]
    message: str
    details: list[ProblemDetail | PydanticDetail] | StorageDetail | None = None


class PageQuery(_Request):
    limit: int = Field(default=50, ge=1, le=1000, description="Items per page.")
    offset: int = Field(default=0, ge=0, le=MAX_INT, description="Items to skip.")


# ---- workflows and templates -------------------------------------------------------------


class WorkflowInfo(_Answer):
    id: str
    name: str
    version: str
    description: str | None
    task_count: int = Field(ge=0)
    template: bool = Field(
        description="Always false: templates are served under /api/v1/templates."
    )
    created_at: Time
    updated_at: Time


class WorkflowOrigin(_Answer):
    """The template and the values a workflow was made from."""

    template_id: str
    template_name: str
    template_version: str
    template_digest: str = Field(
        description="`sha256:` of the template document as it was (sorted-key JSON)."
    )
    parameters: dict[str, Any] = Field(description="Every parameter's value, defaults included.")


class WorkflowDetail(WorkflowInfo):
    document: dict[str, Any] = Field(description="The workflow document as stored.")
    origin: WorkflowOrigin | None = Field(
        default=None, description="The template and values it was made from, if it was."
    )


class WorkflowDeleted(_Answer):
    """What deleting a workflow did, beyond the workflow: its schedules stop either way."""

    id: str
    deleted: bool = Field(description="Always true.")
    schedules_removed: list[str] = Field(
        description="The schedules its file declared (`schedules:`): removed with it."
    )
    schedules_disabled: list[str] = Field(
        description="The schedules made for it through the API: disabled, kept so that their "
        "operator sees why they stopped (delete them, or make new ones for a new workflow)."
    )


class WorkflowList(_Paged[WorkflowInfo]):
    pass


# ---- executions --------------------------------------------------------------------------


class ExecutionCreate(_Request):
    """Start an execution of a stored workflow (`workflow_id`) or of an inline document."""

    workflow_id: str | None = Field(default=None, min_length=1)
    workflow: Annotated[
        dict[str, Any] | None,
        WithJsonSchema(
            {
                "anyOf": [{WORKFLOW_DOCUMENT_MARK: True}, {"type": "null"}],
                "description": "A workflow document, as in a workflow file.",
            }
        ),
    ] = None
    input: dict[str, Any] = Field(default_factory=dict, description="The execution's input.")

    @model_validator(mode="after")
    def _exactly_one_workflow(self) -> ExecutionCreate:
        if (self.workflow_id is None) == (self.workflow is None):
            raise ValueError("give exactly one of 'workflow_id' and 'workflow'")
        return self


class ExecutionListQuery(PageQuery):
    status: ExecutionStatusName | None = Field(default=None, description="Only this status.")


class DamagedFile(_Answer):
    """One damaged file of an execution: which, where in it, what is wrong."""

    file: str = Field(description="Path relative to the data folder.")
    offset: int | None = Field(
        ge=0, description="Byte offset where the file stops being readable, when known."
    )
    line: int | None = Field(ge=1, description="The line holding that byte, when known.")
    reason: str
    kept_as: str | None = Field(
        description="The byte-identical copy set aside as evidence (relative to the data "
        "folder), once the daemon made one."
    )


class ExecutionDamage(_Answer):
    """Why an execution is `damaged`: its files could not be read whole."""

    status: str = Field(description="The status its readable part reaches.")
    files: list[DamagedFile]


class ExecutionSummary(_Answer):
    id: str
    workflow: str
    status: ExecutionStatusName
    created_at: Time
    started_at: Time
    finished_at: Time
    task_count: int = Field(ge=0)
    done_count: int = Field(ge=0)
    failed_count: int = Field(ge=0)
    waiting_count: int = Field(
        ge=0,
        description="Tasks waiting for a person now (status `waiting`, at an approval gate): "
        "approve or reject them.",
    )
    interrupted: bool = Field(
        description="Was running when its process died and nobody resumed it yet."
    )
    restored_from: str | None
    last_seq: int = Field(ge=0, description="Seq of the last event recorded.")
    damage: ExecutionDamage | None = Field(
        default=None, description="Set when the status is `damaged`: what is wrong and where."
    )


class ExecutionList(_Paged[ExecutionSummary]):
    pass


class TaskAttempt(_Answer):
    attempt: int | None = None
    status: str | None = None
    started_at: Time = None
    finished_at: Time = None


class OperatorMark(_Answer):
    """Who made a task's result by hand, and how (`harmonia complete`, `harmonia skip`)."""

    action: Literal["complete", "skip"]
    by: str | None = None
    at: Time = None
    reason: str | None = None


class TaskInfo(_Answer):
    status: TaskStatusName
    attempts: int = Field(ge=0)
    output: Any = None
    error: dict[str, Any] | None
    started_at: Time
    finished_at: Time
    duration: float | None
    history: list[TaskAttempt]
    depends_on: list[str] = Field(
        default_factory=list,
        description="The tasks this one waits for, as its workflow declares them.",
    )
    item_count: int | None = Field(
        default=None,
        ge=0,
        description="For a for_each task whose list was evaluated: how many items it has.",
    )
    parent: str | None = Field(
        default=None, description="For an item (id `TASK[i]`): its for_each task."
    )
    index: int | None = Field(default=None, ge=0, description="For an item: its place in the list.")
    child_execution_id: str | None = Field(
        default=None,
        description="The child execution a `workflow.run` task started for its current "
        "attempt (earlier attempts' children are in `history`).",
    )
    operator: OperatorMark | None = Field(
        default=None,
        description="Set when an operator made this result by hand (complete, skip), not the "
        "task's action.",
    )
    input_override: dict[str, Any] | None = Field(
        default=None,
        description="An operator retry's input override, merged over the rendered input.",
    )


class ParentLink(_Answer):
    """The `workflow.run` task whose attempt started this (child) execution."""

    execution_id: str
    task_id: str
    depth: int = Field(ge=1, description="1 for a child of a root execution, and so on.")


class ExecutionTrigger(_Answer):
    """What started an execution other than an operator: a schedule."""

    kind: Literal["schedule"]
    schedule_id: str
    planned_at: float = Field(description="The planned time it was started for (epoch seconds).")
    manual: bool = Field(default=False, description="Started by the schedule's run-now.")


class Execution(_Answer):
    """An execution as `harmonia run --json` prints it."""

    id: str
    workflow: str
    workflow_version: str | None
    status: ExecutionStatusName
    input: dict[str, Any]
    created_at: Time
    started_at: Time
    finished_at: Time
    duration: float | None
    error: str | None
    restored_from: str | None
    trigger: ExecutionTrigger | None = Field(
        default=None, description="Set when a schedule started it: which one, for which time."
    )
    last_seq: int = Field(ge=0)
    damage: ExecutionDamage | None = Field(
        default=None,
        description="Set when the status is `damaged`: what is wrong and where; the rest of the "
        "document is as far as the readable part of its files goes.",
    )
    parent: ParentLink | None = Field(
        default=None, description="Set on a child execution (sub-workflow): its parent task."
    )
    output: Any = Field(
        default=None,
        description="The workflow's declared `output:` mapping, rendered when it completed.",
    )
    counts: dict[str, int]
    tasks: dict[str, TaskInfo]


class OperatorAction(_Request):
    """Cancel, pause and resume take no parameters: no body, or `{}`."""


class ResumeAction(OperatorAction):
    """Resume takes no parameters but one, for a `damaged` execution."""

    from_damaged: bool = Field(
        default=False,
        description="Resume a damaged execution from the readable part of its journal: the "
        "damaged file is kept aside, lines after the damage are not used (tasks whose end they "
        "recorded run again). Refused (409) for an execution that is not damaged, or whose "
        "snapshot is.",
    )


class RetryResult(_Answer):
    execution_id: str
    task_id: str
    reset: list[str] = Field(description="The tasks that run again.")


# ---- events ------------------------------------------------------------------------------


class EventsQuery(_Request):
    after: int = Field(default=0, ge=0, le=MAX_INT, description="Only events with a greater seq.")
    limit: int = Field(default=1000, ge=1, le=10000, description="Events per page.")


class Event(_Answer):
    seq: int = Field(ge=1)
    type: str
    execution_id: str
    task_id: str | None
    timestamp: str
    data: dict[str, Any]


class EventPage(_Answer):
    items: list[Event]
    next_after: int = Field(ge=0, description="Pass as `after` for the next page.")


class StreamQuery(_Request):
    after: int | None = Field(
        default=None, ge=0, le=MAX_INT, description="Replay events after this seq."
    )
    follow: bool = Field(default=False, description="Keep streaming after the terminal event.")


# ---- checkpoints -------------------------------------------------------------------------


class CheckpointCreate(_Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)


class CheckpointQuery(_Request):
    execution_id: str | None = Field(
        default=None,
        pattern=PATH_PARAM_PATTERN,
        description="Only this execution's (an id, as in paths).",
    )


class Checkpoint(_Answer):
    id: str
    execution_id: str
    name: str
    kind: str
    created_at: Time
    seq: int = Field(ge=0)


class CheckpointList(_Answer):
    items: list[Checkpoint]


# ---- components --------------------------------------------------------------------------


class ActionInfo(_Answer):
    name: str
    description: str
    input_schema: dict[str, Any]
    parameters: dict[str, Any] | None = Field(
        default=None, description="A remote tool's parameters exactly as its component lists them."
    )


class ActionList(_Answer):
    items: list[ActionInfo]


ComponentKind = Literal["builtin", "plugin", "hermes", "declared", "environment"]


class ComponentInfo(_Answer):
    name: str
    description: str
    kind: ComponentKind | None = Field(
        description="builtin, plugin (an installed package), or how a remote one was found: "
        "hermes, declared (--component) or environment ({NAME}_PORT)"
    )
    endpoint: str | None = Field(description="A remote component's base URL; null for local ones.")
    health: str = Field(
        description="ok (runs inside Harmonia), error (a plugin that did not load), or a remote "
        "component's /health status (healthy, degraded), unreachable or `http N`"
    )
    error: str | None = Field(description="Why a component is unusable, or its tools unknown.")
    actions: list[ActionInfo]


class ComponentList(_Answer):
    items: list[ComponentInfo]

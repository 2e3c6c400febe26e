"""Typed answers of the daemon's API (see `daemon/harmoniad/API.md`).

Every model ignores fields it does not know, so that an older client keeps working against a
newer daemon that says more. Fields a daemon might leave out have defaults for the same reason.
Times are timezone-aware `datetime`s; dumped as JSON they keep the daemon's own form
(`2026-01-02T03:04:05.678Z`), so `model_dump(mode="json")` of an `Execution` is the document
`harmonia run --json` prints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from harmonia.protocol import TERMINAL_WORKFLOW_EVENTS

__all__ = [
    "ActionInfo",
    "Checkpoint",
    "ComponentInfo",
    "DamagedFile",
    "Discovery",
    "Endpoint",
    "Event",
    "EventPage",
    "Execution",
    "ExecutionDamage",
    "ExecutionSummary",
    "ExecutorState",
    "Health",
    "HermesState",
    "Page",
    "Ready",
    "RetryResult",
    "StorageState",
    "TaskInfo",
    "Timestamp",
    "Workflow",
    "WorkflowDeleted",
    "WorkflowInfo",
]

EXECUTION_FINISHED = frozenset({"completed", "failed", "canceled"})


def _iso(value: datetime) -> str:
    """The daemon's time format: UTC, milliseconds, `Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
"""An ISO 8601 time from the daemon, parsed; serialised back in the daemon's form."""

T = TypeVar("T")


class ApiModel(BaseModel):
    """Base of every answer: unknown fields are dropped, not errors."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


class Health(ApiModel):
    status: str
    version: str | None = None
    component: str | None = None
    """`harmonia` (Tekton's name for the component)."""
    port: int | None = None


class StorageState(ApiModel):
    """Whether the daemon's data folder takes writes (`Ready.storage`)."""

    available: bool = True
    error: str | None = None
    """While unavailable: what failed, naming the file and the system's reason."""
    path: str | None = None
    since: Timestamp | None = None
    stopped_executions: list[str] = Field(default_factory=list)
    """Executions stopped by the failure; the daemon resumes them once a write succeeds."""


class HermesState(ApiModel):
    """The daemon's registration with Tekton's Hermes (`Ready.hermes`)."""

    state: str = "off"
    """`off`, `registering`, `registered`, `unreachable`, `refused`, `displaced` or
    `unregistered`."""
    url: str | None = None
    component_id: str | None = None
    endpoint: str | None = None
    """The URL the daemon registered for itself."""
    since: Timestamp | None = None
    error: str | None = None
    """What the last failed exchange with Hermes was."""


class ExecutorState(ApiModel):
    """Where the daemon runs tasks (`Ready.executor`)."""

    executor: str = "local"
    """`local` (in the daemon's process) or `dask`."""
    scheduler: str | None = None
    workers: int | None = None
    threads: int | None = None
    cluster: str | None = None
    """`local` (a LocalCluster the daemon started) or `external`."""
    waiting: int | None = None
    """Attempts submitted and not yet back."""
    ignored_results: int | None = None
    """Results that came for attempts the engine had given up (ignored, never applied)."""
    error: str | None = None
    """Why the scheduler could not be asked just now."""


class Ready(ApiModel):
    ready: bool
    status: str | None = None
    """Tekton's word: `healthy`, or `degraded` while stopping or the storage refuses writes."""
    component: str | None = None
    version: str | None = None
    port: int | None = None
    running_executions: int = 0
    storage: StorageState = Field(default_factory=StorageState)
    hermes: HermesState = Field(default_factory=HermesState)
    executor: ExecutorState = Field(default_factory=ExecutorState)


class ToolAnswer(ApiModel):
    """A tool's answer through Tekton's MCP v2 dialect (`call_tool`): `status` is `success`
    (with `result`) or `error` (with `error`, the reason); a tool's failure is not raised."""

    status: str
    result: dict[str, Any] | None = None
    error: str | None = None


class Endpoint(ApiModel):
    method: str
    path: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list)


class Discovery(ApiModel):
    name: str
    version: str | None = None
    port: int | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    event_types: list[str] = Field(default_factory=list)
    component: str | None = None
    """Tekton's DiscoveryResponse: `component`, `description`, `dependencies`, `metadata`."""
    description: str | None = None
    dependencies: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


class WorkflowOrigin(ApiModel):
    """The template and the values a workflow was made from."""

    template_id: str
    template_name: str
    template_version: str | None = None
    template_digest: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


class WorkflowInfo(ApiModel):
    id: str
    name: str
    version: str | None = None
    description: str | None = None
    task_count: int = 0
    template: bool = False
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    origin: WorkflowOrigin | None = None
    """Set when it was made from a template (in `get_workflow` and `instantiate_template`)."""


class WorkflowDeleted(ApiModel):
    """What deleting a workflow did to its schedules (`delete_workflow`)."""

    id: str
    deleted: bool = True
    schedules_removed: list[str] = Field(default_factory=list)
    """Those its file declared (`schedules:`), removed with it."""
    schedules_disabled: list[str] = Field(default_factory=list)
    """Those made through the API, disabled (kept: their operator sees why they stopped)."""


class Workflow(WorkflowInfo):
    """A stored workflow with its definition, as a JSON document."""

    document: dict[str, Any] = Field(default_factory=dict)


class TemplateInfo(ApiModel):
    id: str
    name: str
    version: str | None = None
    description: str | None = None
    task_count: int = 0
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class Template(TemplateInfo):
    """A stored template: its declared parameters (specs as in the file) and its document."""

    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    document: dict[str, Any] = Field(default_factory=dict)


class Page(ApiModel, Generic[T]):
    """One page of a listing. `total` counts every item the listing has, not just this page."""

    items: list[T] = Field(default_factory=list)
    total: int | None = None
    limit: int | None = None
    offset: int = 0

    @property
    def has_more(self) -> bool:
        if self.total is None:
            return False
        return self.offset + len(self.items) < self.total


class DamagedFile(ApiModel):
    """One damaged file of a `damaged` execution: which (relative to the data folder), where
    (byte offset, line), what is wrong, and the copy kept aside as evidence."""

    file: str
    reason: str = ""
    offset: int | None = None
    line: int | None = None
    kept_as: str | None = None


class ExecutionDamage(ApiModel):
    """Why an execution is `damaged`; `status` is what its readable part reaches."""

    status: str = ""
    files: list[DamagedFile] = Field(default_factory=list)


class ExecutionSummary(ApiModel):
    id: str
    workflow: str = ""
    status: str
    created_at: Timestamp | None = None
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    task_count: int = 0
    done_count: int = 0
    failed_count: int = 0
    waiting_count: int = 0
    """Tasks waiting for a person (at an approval gate); 0 from a daemon before the field."""
    interrupted: bool = False
    restored_from: str | None = None
    last_seq: int | None = None
    damage: ExecutionDamage | None = None

    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED


class TaskInfo(ApiModel):
    status: str
    attempts: int = 0
    output: Any = None
    error: dict[str, Any] | None = None
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    duration: float | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    """The tasks this one waits for (empty from a daemon that predates the field)."""
    item_count: int | None = None
    """For a `for_each` task once its list is evaluated: how many items it has."""
    parent: str | None = None
    """For an item (`convert[3]`): its `for_each` task (`convert`)."""
    index: int | None = None
    """For an item: its place in the list."""
    child_execution_id: str | None = None
    """The child execution a `workflow.run` task started for its current attempt."""
    operator: dict[str, Any] | None = None
    """Set when an operator made the result by hand: `action` (complete, skip), `by`, `at`."""
    input_override: dict[str, Any] | None = None
    """An operator retry's input override, merged over the task's rendered input."""


class ParentLink(ApiModel):
    """Where a child execution (sub-workflow) comes from: its parent execution and task."""

    execution_id: str
    task_id: str
    depth: int = 1


class Execution(ApiModel):
    """One execution with its tasks: the document of `harmonia run --json`."""

    id: str
    workflow: str = ""
    workflow_version: str | None = None
    status: str
    input: dict[str, Any] = Field(default_factory=dict)
    created_at: Timestamp | None = None
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
    duration: float | None = None
    error: str | None = None
    restored_from: str | None = None
    trigger: dict[str, Any] | None = None
    """Set when a schedule started it: `{"kind": "schedule", "schedule_id", "planned_at"}`
    (epoch seconds; `"manual": true` for a run-now)."""
    last_seq: int | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    tasks: dict[str, TaskInfo] = Field(default_factory=dict)
    interrupted: bool = False
    damage: ExecutionDamage | None = None
    """Set when the status is `damaged`: what is wrong and where (the rest is as far as the
    readable part of its files goes)."""
    parent: ParentLink | None = None
    """Set on a child execution: the `workflow.run` task that started it."""
    output: Any = None
    """The workflow's declared `output:`, rendered when it completed."""

    @property
    def finished(self) -> bool:
        return self.status in EXECUTION_FINISHED


class ScheduleRun(ApiModel):
    """One planned time a schedule started (or failed to start)."""

    planned_at: Timestamp | None = None
    state: str
    execution_id: str | None = None
    error: str | None = None
    manual: bool = False


class Schedule(ApiModel):
    """A schedule of a stored workflow: its spec, its next planned time and its latest runs."""

    id: str
    workflow_id: str
    cron: str | None = None
    timezone: str = "UTC"
    interval: float | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    missed: str = "skip"
    max_missed: int = 10
    overlap: str = "skip"
    grace: float = 60
    description: str | None = None
    paused: bool = False
    created_at: Timestamp | None = None
    last_planned_at: Timestamp | None = None
    next_planned_at: Timestamp | None = None
    queued: list[Timestamp] = Field(default_factory=list)
    skipped: int = 0
    disabled: str | None = None
    """Why the daemon stopped it (its workflow was deleted)."""
    runs: list[ScheduleRun] = Field(default_factory=list)


class Event(ApiModel):
    """One recorded state change; `seq` numbers one execution's events from 1 without gaps."""

    seq: int
    type: str
    execution_id: str
    task_id: str | None = None
    timestamp: Timestamp
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def terminal(self) -> bool:
        """The execution ended with this event (completed, failed or canceled)."""
        return self.type in TERMINAL_WORKFLOW_EVENTS


class EventPage(ApiModel):
    """Events of one execution after a seq; ask again with `after=next_after` for more."""

    items: list[Event] = Field(default_factory=list)
    next_after: int = 0


class Checkpoint(ApiModel):
    id: str
    execution_id: str
    name: str | None = None
    kind: str | None = None
    created_at: Timestamp | None = None
    seq: int | None = None


class RetryResult(ApiModel):
    execution_id: str
    task_id: str
    reset: list[str] = Field(default_factory=list)


class ApprovalResult(ApiModel):
    """A decision on an approval gate, as recorded (`approve_task`, `reject_task`)."""

    execution_id: str
    task_id: str
    decision: str
    by: str
    reason: str | None = None
    decided_at: str
    timed_out: bool = False


class ActionInfo(ApiModel):
    name: str
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    parameters: dict[str, Any] | None = None
    """A remote tool's parameters as its component lists them."""


class ComponentInfo(ApiModel):
    name: str
    description: str | None = None
    kind: str | None = None
    """builtin, plugin, or how a remote one was found: hermes, declared, environment."""
    endpoint: str | None = None
    health: str | None = None
    error: str | None = None
    actions: list[ActionInfo] = Field(default_factory=list)


class DeliveryAttempt(ApiModel):
    """One POST of a webhook delivery and what came of it (`status_code` None: no answer)."""

    attempt: int
    at: Timestamp | None = None
    status_code: int | None = None
    error: str | None = None
    duration: float = 0.0
    answer: str = ""


class WebhookDelivery(ApiModel):
    """One event for one URL, recorded before its first attempt; `id` is sent as
    `X-Harmonia-Delivery` on every attempt."""

    id: str
    url: str
    source: str
    """`workflow` (its file's `notify:`) or `daemon` (`harmoniad --notify`)."""
    event: str
    execution_id: str
    task_id: str | None = None
    seq: int
    status: str
    """`pending`, `delivered` or `failed`."""
    created_at: Timestamp | None = None
    next_attempt_at: Timestamp | None = None
    attempts: list[DeliveryAttempt] = Field(default_factory=list)

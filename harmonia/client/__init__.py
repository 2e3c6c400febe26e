"""A Python client of the Harmonia daemon (`harmoniad`), sync and async, over httpx.

    from harmonia.client import Client

    with Client() as client:                      # URL and token found as the CLI finds them
        info = client.create_workflow(open("etl.yaml").read())
        execution = client.start_execution(info.id, input={"limit": 10})
        for event in client.events(execution.id):  # history, then live, until it ends
            print(event.seq, event.type, event.task_id)
        print(client.get_execution(execution.id).status)

The contract is `daemon/harmoniad/API.md`. Errors: `ApiError` (and one subclass per error
code) for answers, `DaemonUnreachable` when there is no answer.
"""

from harmonia.client._async import AsyncClient
from harmonia.client._config import (
    DEFAULT_URL,
    DaemonAddress,
    resolve_daemon,
    resolve_token,
    resolve_url,
)
from harmonia.client._errors import (
    ApiError,
    BadRequestError,
    ClientError,
    ConflictError,
    DaemonUnreachable,
    ExecutionDamagedError,
    ForbiddenError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    ProtocolError,
    RequestNotJson,
    ServerError,
    StorageUnavailableError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from harmonia.client._fix_calls import FixResult, RetryPlan
from harmonia.client._hooks import Hook, HookDelivered, HookLastDelivery
from harmonia.client._models import (
    ActionInfo,
    ApprovalResult,
    Checkpoint,
    ComponentInfo,
    DamagedFile,
    DeliveryAttempt,
    Discovery,
    Endpoint,
    Event,
    EventPage,
    Execution,
    ExecutionDamage,
    ExecutionSummary,
    ExecutorState,
    Health,
    HermesState,
    Page,
    Ready,
    RetryResult,
    Schedule,
    ScheduleRun,
    StorageState,
    TaskInfo,
    Template,
    TemplateInfo,
    ToolAnswer,
    WebhookDelivery,
    Workflow,
    WorkflowDeleted,
    WorkflowInfo,
    WorkflowOrigin,
)
from harmonia.client._stream import Reconnect
from harmonia.client._sync import Client

__all__ = [
    "DEFAULT_URL",
    "ActionInfo",
    "ApiError",
    "ApprovalResult",
    "AsyncClient",
    "BadRequestError",
    "Checkpoint",
    "Client",
    "ClientError",
    "ComponentInfo",
    "ConflictError",
    "DaemonAddress",
    "DaemonUnreachable",
    "DamagedFile",
    "DeliveryAttempt",
    "Discovery",
    "Endpoint",
    "Event",
    "EventPage",
    "Execution",
    "ExecutionDamage",
    "ExecutionDamagedError",
    "ExecutionSummary",
    "ExecutorState",
    "FixResult",
    "ForbiddenError",
    "Health",
    "HermesState",
    "Hook",
    "HookDelivered",
    "HookLastDelivery",
    "MethodNotAllowedError",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "ProtocolError",
    "Ready",
    "Reconnect",
    "RequestNotJson",
    "RetryPlan",
    "RetryResult",
    "Schedule",
    "ScheduleRun",
    "ServerError",
    "StorageState",
    "StorageUnavailableError",
    "TaskInfo",
    "Template",
    "TemplateInfo",
    "ToolAnswer",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "WebhookDelivery",
    "Workflow",
    "WorkflowDeleted",
    "WorkflowInfo",
    "WorkflowOrigin",
    "resolve_daemon",
    "resolve_token",
    "resolve_url",
]

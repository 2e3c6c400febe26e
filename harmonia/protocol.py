"""What the engine, the daemon, the clients, the CLI and the dashboard must agree on.

Each of them used to spell these names and numbers itself, and the copies drifted (a 403 was
`forbidden_host` to the daemon and `forbidden` to the client). Here is the one table of each;
tests check every side against it. Light on purpose: the CLI reads it while it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from harmonia.expressions.references import REFERENCE_ROOTS

__all__ = [
    "DAEMON_FILE",
    "DEFAULT_PORT",
    "ERROR_STATUS",
    "FIXABLE_TASK_STATUSES",
    "REFERENCE_ROOTS",
    "STATUS_CODES",
    "TERMINAL_WORKFLOW_EVENTS",
    "TOKEN_ENV",
    "TOKEN_FILE",
    "URL_ENV",
    "ErrorCode",
    "EventType",
    "backoff_delay",
    "item_id",
    "problem_text",
    "split_item_id",
]


# ---- error codes -----------------------------------------------------------------------------


class ErrorCode(StrEnum):
    """The stable `code` of an error answer (API.md, "Errors"): what clients branch on."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN_HOST = "forbidden_host"
    FORBIDDEN_ORIGIN = "forbidden_origin"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    EXECUTION_DAMAGED = "execution_damaged"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"
    INVALID_JSON = "invalid_json"
    INTERNAL_ERROR = "internal_error"
    UNAVAILABLE = "unavailable"
    STORAGE_UNAVAILABLE = "storage_unavailable"


ERROR_STATUS: Final[Mapping[ErrorCode, int]] = MappingProxyType(
    {
        ErrorCode.BAD_REQUEST: 400,
        ErrorCode.UNAUTHORIZED: 401,
        ErrorCode.FORBIDDEN_HOST: 403,
        ErrorCode.FORBIDDEN_ORIGIN: 403,
        ErrorCode.NOT_FOUND: 404,
        ErrorCode.METHOD_NOT_ALLOWED: 405,
        ErrorCode.CONFLICT: 409,
        ErrorCode.EXECUTION_DAMAGED: 409,
        ErrorCode.PAYLOAD_TOO_LARGE: 413,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
        ErrorCode.VALIDATION_ERROR: 422,
        ErrorCode.INVALID_JSON: 422,
        ErrorCode.INTERNAL_ERROR: 500,
        ErrorCode.UNAVAILABLE: 503,
        ErrorCode.STORAGE_UNAVAILABLE: 503,
    }
)
"""The HTTP status each code is sent with."""

STATUS_CODES: Final[Mapping[int, ErrorCode]] = MappingProxyType(
    {status: code for code, status in reversed(list(ERROR_STATUS.items()))}  # the first wins
)
"""The code an answer gets from its status alone (the web layer's 404, a proxy's page): the
first code of that status in `ERROR_STATUS`."""


# ---- events ----------------------------------------------------------------------------------


class EventType(StrEnum):
    """The event names of the original Harmonia, kept so existing consumers keep working."""

    WORKFLOW_STARTED = "workflow_started"
    TASK_STARTED = "task_started"
    RETRY_ATTEMPTED = "retry_attempted"
    TASK_COMPLETED = "task_completed"
    TASK_FAILED = "task_failed"
    TASK_SKIPPED = "task_skipped"
    WORKFLOW_COMPLETED = "workflow_completed"
    WORKFLOW_FAILED = "workflow_failed"
    WORKFLOW_CANCELED = "workflow_canceled"
    WORKFLOW_PAUSED = "workflow_paused"
    WORKFLOW_RESUMED = "workflow_resumed"
    CHECKPOINT_CREATED = "checkpoint_created"
    ERROR_OCCURRED = "error_occurred"
    TASK_EXPANDED = "task_expanded"
    """A `for_each` task's list was evaluated (`data`: `count`, `items`): its items
    `ID[0]`..`ID[count-1]` exist from here on, and resume and restore reuse this list."""
    CHILD_EXECUTION_STARTED = "child_execution_started"
    """A `workflow.run` task's attempt started a child execution (`data`: `attempt`,
    `child_execution_id`), recorded before the child starts."""
    JOURNAL_REPAIRED = "journal_repaired"
    """An operator resumed a damaged execution from the readable part of its journal: the
    lines after it were set aside (`data`: `after_seq`, the last seq kept; `damage`; `kept_as`)."""
    WEBHOOK_RECEIVED = "webhook_received"
    """A signed delivery to an inbound hook started this execution (`data`: `hook`,
    `delivery_id`, `timestamp`); right after `workflow_started`."""
    TASK_WAITING = "task_waiting"
    """A `core.approve` task waits for a person (`data`: `attempt`, `message`, `timeout`
    (seconds or null), `on_timeout`): its status is `waiting` until a decision; the deadline
    is this event's timestamp plus `timeout`."""
    APPROVAL_DECIDED = "approval_decided"
    """A waiting task was approved or rejected (`data`: `attempt`, `decision`, `by`,
    `reason`, `timed_out`); its `task_completed` or `task_failed` follows."""
    TASK_COMPLETED_BY_OPERATOR = "task_completed_by_operator"
    """An operator marked a task completed with the output it should have had (`data`:
    `action`, `by`, `output`, `reset`, `unexpanded`, `closed`; see `harmonia.engine.fixes`)."""
    TASK_SKIPPED_BY_OPERATOR = "task_skipped_by_operator"
    """An operator skipped a task (`data`: `action`, `by`, `reason`, `reset`, `unexpanded`,
    `closed`): its downstream goes on as if the task had been skipped by a condition."""


FIXABLE_TASK_STATUSES: Final = frozenset({"failed", "pending", "canceled", "waiting"})
"""The task statuses an operator may complete or skip by hand (engine, API, CLI, dashboard);
a task `waiting` at an approval gate too: the fix ends the wait instead of a decision."""

TERMINAL_WORKFLOW_EVENTS: Final = frozenset(
    {EventType.WORKFLOW_COMPLETED, EventType.WORKFLOW_FAILED, EventType.WORKFLOW_CANCELED}
)
"""The events that end an execution's run (a resume may start another)."""


def problem_text(
    message: str,
    file: str | None = None,
    line: int | None = None,
    task: str | None = None,
    field: str | None = None,
) -> str:
    """One validation problem as a line, as the engine, the daemon's messages and the clients
    all tell it: `file:line, task 't', field 'f': message`. A problem located by an execution
    input alone reads `input 'limit': message`, as `harmonia run` said it and the daemon did
    not (`<workflow>, field 'input.limit'`: a file that never existed)."""
    parts: list[str] = []
    if file or line is not None:
        parts.append((file or "<workflow>") + (f":{line}" if line is not None else ""))
    elif task is None and field is not None and field.startswith("input."):
        return f"input '{field.removeprefix('input.')}': {message}"
    if task is not None:
        parts.append(f"task '{task}'")
    if field is not None:
        parts.append(f"field '{field}'")
    return ": ".join([", ".join(parts), message]) if parts else message


# ---- fan-out items ---------------------------------------------------------------------------


def item_id(task_id: str, index: int) -> str:
    """The id of item `index` of `for_each` task `task_id`: `convert[3]`. Task ids cannot
    contain brackets, so an item id never collides with a task of the workflow."""
    return f"{task_id}[{index}]"


def split_item_id(task_id: str) -> tuple[str, int] | None:
    """`("convert", 3)` for `convert[3]`; None for the id of a task of the workflow."""
    if not task_id.endswith("]"):
        return None
    open_at = task_id.rfind("[")
    number = task_id[open_at + 1 : -1]
    if open_at <= 0 or not number.isdigit():
        return None
    return task_id[:open_at], int(number)


# ---- retries and reconnections ---------------------------------------------------------------


class Uniform(Protocol):
    """A source of jitter: `random.Random`, or the `random` module itself."""

    def uniform(self, a: float, b: float, /) -> float: ...


def backoff_delay(
    attempt: int,
    *,
    initial: float,
    maximum: float,
    multiplier: float = 2.0,
    jitter: float = 0.0,
    rng: Uniform | None = None,
) -> float:
    """Seconds to wait before try number `attempt` (1-based) after as many failures:
    `min(maximum, initial * multiplier**(attempt-1))`, then moved up or down by the fraction
    `jitter` so that many waiters failing together do not all come back at the same instant.
    Task retries, stream reconnections and storage probes each keep their own numbers."""
    try:
        delay = min(maximum, initial * float(multiplier) ** (max(attempt, 1) - 1))
    except OverflowError:  # a long outage: the delay stopped growing long ago
        delay = maximum
    if jitter:
        if rng is None:
            raise ValueError("a jittered backoff needs an rng (random.Random)")
        delay *= 1.0 + jitter * rng.uniform(-1.0, 1.0)
    return max(0.0, float(delay))


# ---- how clients find a daemon ---------------------------------------------------------------

DEFAULT_PORT: Final = 8007
"""Harmonia's number in the Tekton port map."""
URL_ENV: Final = "HARMONIA_URL"
"""The daemon a client talks to, when it is not told."""
TOKEN_ENV: Final = "HARMONIA_TOKEN"
"""The bearer token: the daemon takes it from here if set, and clients send it."""
TOKEN_FILE: Final = "token"
"""In the data folder: the token the daemon generated on its first start (mode 0600)."""
DAEMON_FILE: Final = "daemon.json"
"""In the data folder, while a daemon runs: `{"url": ..., "pid": ...}`."""


def __getattr__(name: str) -> Any:
    """`REFERENCE_ROOTS`, owned by `harmonia.expressions`, loaded on first use: the expression
    package costs ~20 ms that the CLI's start-up, which reads this module, need not pay."""
    if name == "REFERENCE_ROOTS":
        from harmonia.expressions.references import REFERENCE_ROOTS

        return REFERENCE_ROOTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

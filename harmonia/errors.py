"""Error types shared by the loader, the engine and the components.

Task failures carry a *kind* so that `retry_policy.retry_on` can say which failures are worth
another attempt, and so that operators can tell a timeout from a bad input at a glance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """Why a task attempt failed. Values are stable: they appear in events and `retry_on`."""

    TIMEOUT = "timeout"  # the attempt exceeded its `timeout`; retryable
    ERROR = "error"  # a generic failure reported by an action; retryable
    EXIT_CODE = "exit_code"  # a shell command exited non-zero; retryable
    CONNECTION = "connection"  # a network connection failed; retryable
    HTTP_SERVER_ERROR = "http_server_error"  # an HTTP 5xx answer; retryable
    HTTP_CLIENT_ERROR = "http_client_error"  # an HTTP 4xx answer; not retryable
    REMOTE_ERROR = "remote_error"  # a remote tool answered `status: "error"`; retryable only
    # when its text says the failure is transient (harmonia.tekton.mcpv2.error_is_transient)
    EXCEPTION = "exception"  # user Python code raised; retryable
    INVALID_INPUT = "invalid_input"  # the resolved input does not fit the action; not retryable
    REFERENCE = "reference"  # a `${...}` reference had no value at run time; not retryable
    EXPRESSION = "expression"  # a `when:` condition could not be evaluated; not retryable
    OUTPUT = "output"  # the action returned something that is not JSON; not retryable
    INTERRUPTED = "interrupted"  # the process running the attempt died; retryable
    WORKER_CRASHED = "worker_crashed"  # a python worker process died mid-call; retryable
    WORKER_LOST = "worker_lost"  # the Dask worker running the attempt died or left; retryable
    CRASH_LOOP = "crash_loop"  # running at each of the last crashes: not started again
    REJECTED = "rejected"  # a person (or a gate's timeout) rejected an approval gate


NOT_RETRYABLE: frozenset[ErrorKind] = frozenset(
    {
        ErrorKind.HTTP_CLIENT_ERROR,
        ErrorKind.INVALID_INPUT,
        ErrorKind.REFERENCE,
        ErrorKind.EXPRESSION,
        ErrorKind.OUTPUT,
        ErrorKind.CRASH_LOOP,
        ErrorKind.REJECTED,
    }
)


class TaskError(Exception):
    """A task attempt failed in a way the engine understands.

    Components raise this (never a bare exception) so the engine can record the kind and decide
    whether the failure is worth a retry. `details` is JSON-serialisable extra context, e.g. the
    stderr of a shell command or the status code of an HTTP answer.
    """

    def __init__(
        self,
        message: str,
        kind: ErrorKind | str = ErrorKind.ERROR,
        *,
        retryable: bool | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = str(kind)
        self.retryable = self.kind not in NOT_RETRYABLE if retryable is None else retryable
        self.details = details or {}

    @classmethod
    def timed_out(cls, attempt: int, timeout: float | None) -> TaskError:
        """An attempt cut by the task's `timeout` (kind `timeout`, retried by default)."""
        limit = "no limit" if timeout is None or math.isinf(timeout) else f"{timeout:g}s"
        return cls(f"attempt {attempt} timed out after {limit}", ErrorKind.TIMEOUT)

    def journal_doc(self) -> dict[str, Any]:
        """The error as `task_failed` and `retry_attempted` record it (details when any)."""
        doc: dict[str, Any] = {"message": self.message, "kind": self.kind}
        if self.details:
            doc["details"] = self.details
        return doc


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workflow file or an input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    task: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        from harmonia.protocol import problem_text

        return problem_text(self.message, self.file, self.line, self.task, self.field)


@dataclass
class ValidationFailed(Exception):
    """A workflow file or an execution input is invalid; `problems` lists every reason at once."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class NotFound(LookupError):
    """An execution, task, checkpoint or workflow id that does not exist.

    `where` is the data folder a lookup searched. `str()` names it, for a local user who may
    have meant another folder; the message alone (`args[0]`) leaves it out, and that is what
    the daemon answers: its clients have no business learning the server's file paths."""

    def __init__(self, message: str, *, where: object = None) -> None:
        super().__init__(message)
        self.where = where

    def __str__(self) -> str:
        message = str(self.args[0]) if self.args else ""
        return message if self.where is None else f"{message} in {self.where}"


class InvalidOperation(Exception):
    """An operator action that does not apply to the current state (e.g. retry a running task)."""


class ExecutionDamaged(InvalidOperation):
    """An operator action on an execution whose files are damaged: it is never run again
    automatically. `damage` is the execution's `damage` document (see `ExecutionState.damage`)."""

    def __init__(self, execution_id: str, damage: dict[str, Any]) -> None:
        files = damage.get("files") or []
        first = files[0] if files else {}
        where = ", ".join(
            part
            for part in (
                f"line {first['line']}" if first.get("line") is not None else "",
                f"byte {first['offset']}" if first.get("offset") is not None else "",
            )
            if part
        )
        what = f"{first.get('file', '?')}{': ' + where if where else ''}: {first.get('reason')}"
        more = f" (and {len(files) - 1} more damaged file(s))" if len(files) > 1 else ""
        journal_only = all(str(f.get("file", "")).endswith("journal.jsonl") for f in files)
        then = (
            "it is not run again unless an operator resumes it from the readable part of its "
            f"journal (harmonia resume {execution_id} --from-damaged)"
            if journal_only
            else "it cannot be run again: its workflow document was in its snapshot"
        )
        super().__init__(f"execution {execution_id} is damaged: {what}{more}; {then}")
        self.execution_id = execution_id
        self.damage = damage


class StorageUnavailable(Exception):
    """A durable write failed (disk full, I/O error, read-only file system), so nothing that
    must be recorded can be done now: the engine refuses it rather than act without a record.
    It retries the storage by itself and goes on once a write succeeds again."""

    def __init__(self, message: str, *, path: str | None = None, error: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        """The file whose write failed, when known."""
        self.error = error
        """The system's reason, e.g. `No space left on device`."""


def reading_failure(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file could not be read, in words (`No such file or directory`), not Python's
    `[Errno 2] No such file or directory: 'x.yaml'` that repeats the name the message gives."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)

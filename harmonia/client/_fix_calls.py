"""The calls of fix and continue: complete or skip a task by hand, retry it with an input
override, and the retry plan (what a retry would reset). Described as in `_calls`, and made
methods of both clients by `_api.Api`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmonia.client._calls import API, Call, _json_call, _model, segment
from harmonia.client._models import ApiModel, RetryResult

__all__ = ["FixResult", "RetryPlan", "complete_task", "retry_plan", "retry_task", "skip_task"]


class FixResult(ApiModel):
    """What `complete_task` and `skip_task` answer."""

    execution_id: str
    task_id: str
    status: str
    reset: list[str] = Field(default_factory=list)
    """The tasks below it that are decided again."""


class RetryPlan(ApiModel):
    """What a retry of the task would do now (`retry_plan`)."""

    execution_id: str
    task_id: str
    status: str
    reset: list[str] = Field(default_factory=list)
    """Exactly the tasks a retry now would run again."""
    unexpanded: list[str] = Field(default_factory=list)
    allowed: bool = True
    refusal: str | None = None
    """Why a retry now would be refused (a 409), else None."""
    input: Any = None
    """The task's input as its last attempt rendered it: what an input override edits."""


def _task_path(execution_id: str, task_id: str, action: str) -> str:
    return f"{API}/executions/{segment(execution_id)}/tasks/{segment(task_id)}/{action}"


def _with_by(body: dict[str, Any], by: str | None) -> dict[str, Any]:
    return {**body, "by": by} if by is not None else body


def complete_task(
    execution_id: str, task_id: str, output: Any, *, by: str | None = None
) -> Call[FixResult]:
    """Mark a failed, pending or canceled task completed with `output` (any JSON value); what
    is below it runs as if the task had returned it. `by` names who did it in the journal."""
    path = _task_path(execution_id, task_id, "complete")
    return _json_call("POST", path, _model(FixResult), _with_by({"output": output}, by))


def skip_task(
    execution_id: str, task_id: str, *, reason: str | None = None, by: str | None = None
) -> Call[FixResult]:
    """Mark a failed, pending or canceled task skipped; what is below it follows its rules."""
    body = _with_by({"reason": reason} if reason else {}, by)
    return _json_call("POST", _task_path(execution_id, task_id, "skip"), _model(FixResult), body)


def retry_task(
    execution_id: str,
    task_id: str,
    *,
    input: dict[str, Any] | None = None,
    by: str | None = None,
) -> Call[RetryResult]:
    """Run the task and everything downstream of it again; `input` is merged over the task's
    rendered input for its next attempts. `reset` lists what runs again (see `retry_plan`)."""
    body = _with_by({"input": input} if input is not None else {}, by)
    return _json_call(
        "POST", _task_path(execution_id, task_id, "retry"), _model(RetryResult), body or None
    )


def retry_plan(execution_id: str, task_id: str) -> Call[RetryPlan]:
    """Exactly the tasks a retry of the task would run again now, whether it would be
    refused, and the task's last rendered input. Changes nothing."""
    return Call("GET", _task_path(execution_id, task_id, "retry-plan"), _model(RetryPlan))

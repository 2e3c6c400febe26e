"""The bodies and answers of fix and continue: complete or skip a task by hand, retry with an
input override, and the retry plan (`harmoniad.routes.fixes`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from harmoniad.schemas import _Answer, _Request

__all__ = ["CompleteAction", "FixResult", "RetryAction", "RetryPlan", "SkipAction"]

_BY = Field(
    default="api",
    min_length=1,
    max_length=100,
    description="Who does it, as the journal records it (a client's name, `cli`, `tui`).",
)


class CompleteAction(_Request):
    """Mark a failed, pending, waiting or canceled task completed with the output it should
    have had."""

    output: Any = Field(description="The task's output: any JSON value (null included).")
    by: str = _BY


class SkipAction(_Request):
    """Mark a failed, pending, waiting or canceled task skipped."""

    reason: str | None = Field(default=None, max_length=1000, description="Shown with the task.")
    by: str = _BY


class RetryAction(_Request):
    """Run a task and everything downstream of it again (no body, `{}`, or these fields)."""

    input: dict[str, Any] | None = Field(
        default=None,
        description="Merged over the task's rendered input (top-level keys) for its next "
        "attempts; kept until the task is retried again.",
    )
    by: str = _BY


class FixResult(_Answer):
    execution_id: str
    task_id: str
    status: str = Field(description="The task's status now: completed or skipped.")
    reset: list[str] = Field(description="The tasks below it that are decided again.")


class RetryPlan(_Answer):
    execution_id: str
    task_id: str
    status: str = Field(description="The task's status now.")
    reset: list[str] = Field(description="Exactly the tasks a retry now would run again.")
    unexpanded: list[str] = Field(
        description="for_each tasks below it whose list a retry would evaluate again."
    )
    allowed: bool = Field(description="False when a retry now would be refused (409).")
    refusal: str | None = Field(description="Why a retry now would be refused.")
    input: Any = Field(
        description="The task's input as its last attempt rendered it (values of `${env.*}` "
        "stay references), null if it never started: what an input override edits."
    )

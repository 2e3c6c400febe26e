"""The shapes of the approval gate actions: `/api/v1/executions/{id}/tasks/{task_id}/approve`
and `/reject` (a body with an optional reason and who decides), and their answer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harmoniad.schemas import _Answer, _Request

__all__ = ["ApprovalDecision", "ApprovalResult"]


class ApprovalDecision(_Request):
    """An approval or a rejection: both fields may be left out (no body, or `{}`)."""

    reason: str | None = Field(
        default=None, max_length=10_000, description="Why; kept in the journal with the decision."
    )
    by: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Who decides (`cli`, `tui`, a client's name); default: the request's "
        "User-Agent product name, else `api`.",
    )


class ApprovalResult(_Answer):
    """The decision as recorded (`approval_decided` in the journal)."""

    execution_id: str
    task_id: str
    decision: Literal["approved", "rejected"]
    by: str
    reason: str | None
    decided_at: str = Field(description="When it was recorded (ISO 8601, UTC).")
    timed_out: bool = Field(description="Taken by the gate's timeout, not by a person.")

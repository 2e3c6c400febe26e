"""The approval gate calls (`approve_task`, `reject_task`), described as `_calls` describes
the others: a decision carries an optional reason and the name of who decides.
"""

from __future__ import annotations

from typing import Any

from harmonia.client._calls import API, Call, _json_call, _model, segment
from harmonia.client._models import ApprovalResult

__all__ = ["approve_task", "reject_task"]


def _decision(
    verb: str, execution_id: str, task_id: str, reason: str | None, by: str | None
) -> Call[ApprovalResult]:
    path = f"{API}/executions/{segment(execution_id)}/tasks/{segment(task_id)}/{verb}"
    body: dict[str, Any] = {}
    if reason is not None:
        body["reason"] = reason
    if by is not None:
        body["by"] = by
    return _json_call("POST", path, _model(ApprovalResult), body)


def approve_task(
    execution_id: str, task_id: str, *, reason: str | None = None, by: str | None = None
) -> Call[ApprovalResult]:
    """Approve a task waiting at an approval gate: it completes with the decision as output.
    `by` names who decides (default: this client, `harmonia-client`); a task that is not
    waiting is a `ConflictError` and nothing is recorded."""
    return _decision("approve", execution_id, task_id, reason, by)


def reject_task(
    execution_id: str, task_id: str, *, reason: str | None = None, by: str | None = None
) -> Call[ApprovalResult]:
    """Reject a task waiting at an approval gate: it fails with kind `rejected` and the
    reason; its downstream does not run."""
    return _decision("reject", execution_id, task_id, reason, by)

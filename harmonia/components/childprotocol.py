"""What a `workflow.run` action and the engine exchange: the request for one child execution,
the narrow protocol the engine lends the action, and how a `workflow:` reference is read.

Kept apart from `harmonia.components.workflow` (pydantic models of the action's input), so the
engine and the loader use these without building that component's models: resuming or
validating a workflow with no sub-workflow never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ChildExecutions", "ChildRequest", "is_workflow_path"]

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

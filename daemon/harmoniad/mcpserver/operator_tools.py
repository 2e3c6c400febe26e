"""The operator's actions as MCP tools: approve or reject a task waiting at a gate, complete
or skip a task by hand, retry one (with an input override), and the retry plan before it.

They exist on the MCP server only (`/mcp`, `harmonia mcp`): Tekton's MCP v2 paths keep the
original 17 tools. Each is the REST path's action with the same meaning and checks, recorded
as done `by` the MCP client (`mcp:` and the name its `initialize` gave), never by a name the
arguments choose: an agent cannot sign a decision as somebody else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from harmoniad.tools.base import Params, ToolError, arguments_problem

__all__ = [
    "OPERATOR_TOOLS",
    "CompleteTask",
    "Decision",
    "OperatorTool",
    "RetryTask",
    "SkipTask",
    "TaskRef",
    "dumped",
    "operator_named",
    "operator_of",
]

BY_PREFIX = "mcp"
BY_LENGTH = 100
"""The journal's `by` is at most this long (the REST bodies' limit)."""


class TaskRef(Params):
    execution_id: str = Field(min_length=1, description="The execution's id.")
    task_id: str = Field(
        min_length=1, description="The task's id (an item of a for_each task: `convert[3]`)."
    )


class Decision(TaskRef):
    reason: str | None = Field(
        default=None, max_length=10_000, description="Why; kept in the journal with the decision."
    )


class CompleteTask(TaskRef):
    output: Any = Field(
        description="The output the task should have had: any JSON value (null included). "
        "The tasks below it read it as if the task had returned it."
    )


class SkipTask(TaskRef):
    reason: str | None = Field(default=None, max_length=1000, description="Shown with the task.")


class RetryTask(TaskRef):
    input: dict[str, Any] | None = Field(
        default=None,
        description="Merged over the task's rendered input (top-level keys) for its next "
        "attempts; see GetTaskRetryPlan's `input` for what it rendered last time.",
    )


@dataclass(frozen=True)
class OperatorTool:
    name: str
    description: str
    params: type[TaskRef]

    def input_schema(self) -> dict[str, Any]:
        schema = self.params.model_json_schema()
        schema.pop("title", None)
        return schema

    def parse(self, arguments: Mapping[str, Any]) -> TaskRef:
        try:
            return self.params.model_validate(dict(arguments))
        except ValidationError as exc:
            raise ToolError(f"{self.name}: {arguments_problem(exc, self.params)}") from None


OPERATOR_TOOLS: list[OperatorTool] = [
    OperatorTool(
        "ApproveTask",
        "Approve a task waiting at an approval gate (status `waiting`): it completes and the "
        "tasks after it run. A task that is not waiting is refused and nothing is recorded.",
        Decision,
    ),
    OperatorTool(
        "RejectTask",
        "Reject a task waiting at an approval gate: it fails with kind `rejected` (give a "
        "reason) and the tasks after it do not run.",
        Decision,
    ),
    OperatorTool(
        "CompleteTask",
        "Mark a failed, pending, waiting or canceled task completed with the given output; "
        "the tasks below it run as if it had returned that output.",
        CompleteTask,
    ),
    OperatorTool(
        "SkipTask",
        "Mark a failed, pending, waiting or canceled task skipped; the tasks below it follow "
        "their rules for a skipped parent.",
        SkipTask,
    ),
    OperatorTool(
        "RetryTask",
        "Run a task and everything downstream of it again (finished upstream results are "
        "kept), optionally with an input override; answers the tasks that run again. Ask "
        "GetTaskRetryPlan first to see them.",
        RetryTask,
    ),
    OperatorTool(
        "GetTaskRetryPlan",
        "What RetryTask would do now, changing nothing: exactly the tasks it would run again, "
        "whether it would be refused and why, and the task's last rendered input.",
        TaskRef,
    ),
]
_BY_NAME = {t.name: t for t in OPERATOR_TOOLS}


def operator_named(name: str) -> OperatorTool | None:
    return _BY_NAME.get(name)


def operator_of(client_name: str | None) -> str:
    """Who the journal says did it: `mcp:` and the MCP client's name (`mcp` without one)."""
    name = "".join(c for c in (client_name or "").strip() if c.isprintable())
    if not name:
        return BY_PREFIX
    return f"{BY_PREFIX}:{name}"[:BY_LENGTH]


def dumped(model: BaseModel) -> dict[str, Any]:
    """A client answer as the tool's JSON result."""
    return model.model_dump(mode="json")

"""A workflow compiled for execution: every task's templates, condition, action and policy.

Compiling once per execution keeps the scheduler's hot path free of parsing and lookups.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harmonia.components import ComponentRegistry
from harmonia.components.base import Action
from harmonia.expressions import Condition, Template, compile_condition, compile_template
from harmonia.model import RetryPolicy, Workflow, merge_retry_policies
from harmonia.state import TaskState


@dataclass(frozen=True, slots=True)
class TaskPlan:
    task_id: str
    action: Action
    template: Template
    condition: Condition | None
    depends_on: tuple[str, ...]
    timeout: float | None
    policy: RetryPolicy


@dataclass(frozen=True)
class ExecutionPlan:
    workflow: Workflow
    tasks: dict[str, TaskPlan]
    dependents: dict[str, tuple[str, ...]]

    @classmethod
    def compile(cls, workflow: Workflow, registry: ComponentRegistry) -> ExecutionPlan:
        tasks: dict[str, TaskPlan] = {}
        dependents: dict[str, list[str]] = {tid: [] for tid in workflow.tasks}
        defaults = workflow.defaults
        # Same merge as Workflow.effective(), done once for the common case of a task without
        # its own policy: per-task pydantic copies cost more than running an echo task.
        default_policy = merge_retry_policies(defaults.retry_policy, None)
        for tid, spec in workflow.tasks.items():
            policy = (
                default_policy
                if spec.retry_policy is None
                else merge_retry_policies(defaults.retry_policy, spec.retry_policy)
            )
            tasks[tid] = TaskPlan(
                task_id=tid,
                action=registry.action(spec.component, spec.action),
                template=compile_template(spec.input),
                condition=compile_condition(spec.when) if spec.when else None,
                depends_on=tuple(spec.depends_on),
                timeout=spec.timeout if spec.timeout is not None else defaults.timeout,
                policy=policy,
            )
            for dep in spec.depends_on:
                dependents[dep].append(tid)
        return cls(workflow, tasks, {k: tuple(v) for k, v in dependents.items()})

    def graph(self) -> dict[str, tuple[str, ...]]:
        """Task -> the tasks it depends on, the shape graphlib wants."""
        return {tid: plan.depends_on for tid, plan in self.tasks.items()}

    def downstream(self, task_id: str) -> list[str]:
        """Every task below `task_id`, in a stable order (workflow order)."""
        seen: set[str] = set()
        stack = list(self.dependents[task_id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.dependents[current])
        return [tid for tid in self.tasks if tid in seen]


class TaskResults(Mapping[str, Mapping[str, Any]]):
    """`tasks` in a reference's context: a live, read-only view of each task's output and status.

    A view rather than a dict rebuilt per task keeps rendering O(references), not O(tasks).
    """

    __slots__ = ("_tasks",)

    def __init__(self, tasks: dict[str, TaskState]) -> None:
        self._tasks = tasks

    def __getitem__(self, task_id: str) -> Mapping[str, Any]:
        task = self._tasks[task_id]
        if task.status == "completed":
            return {"output": task.output, "status": "completed"}
        return {"status": str(task.status)}  # no output yet: a reference to it is missing

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

"""Which tasks may leave the engine's process, and the loader's rules for `executor:`.

Only `shell`, `python` and `http` run on a cluster: core actions act on the engine itself
(approval gates, sleeps on its clock), sub-workflows wait on the engine, and remote components
are already remote. Nothing here imports Dask: the loader and the plan use it on every load.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harmonia.model import TaskSpec, Workflow

__all__ = ["MOVABLE_COMPONENTS", "Placement", "dask_tasks", "placement_of", "placement_problems"]

MOVABLE_COMPONENTS = frozenset({"shell", "python", "http"})
"""The components whose actions run the same on a Dask worker as in the engine."""

_STAYS = (
    "runs in the engine: only shell, python and http tasks run on Dask (core actions, "
    "sub-workflows and remote components need the engine)"
)


@dataclass(frozen=True, slots=True)
class Placement:
    """A task that goes to the cluster when the engine has one."""

    explicit: bool
    """`executor: dask` was written (task or workflow): an engine without Dask refuses it."""
    resources: Mapping[str, float] | None
    """Dask worker resources each attempt holds while it runs."""


def placement_of(
    spec: TaskSpec, workflow: Workflow, shared: dict[str, Placement] | None = None
) -> Placement | None:
    """None: the task runs in the engine whatever the engine's executor. `shared`: one
    object for every task that only follows the workflow (plans of 10,000 tasks)."""
    chosen = spec.executor or workflow.executor
    if chosen == "local" or spec.component not in MOVABLE_COMPONENTS:
        return None
    if shared is not None and spec.executor is None and spec.resources is None:
        found = shared.get("")
        if found is None:
            found = shared[""] = Placement(chosen == "dask", workflow.resources)
        return found
    resources = spec.resources if spec.resources is not None else workflow.resources
    return Placement(chosen == "dask", resources)


def dask_tasks(workflow: Workflow) -> list[str]:
    """The tasks that asked for Dask by name (an engine without it cannot run them). Asked
    at every start: found once per loaded workflow (a plain loop, no objects per task)."""
    memo = workflow.memo()
    found: list[str] | None = memo.get("dask-tasks")
    if found is None:
        default = workflow.executor
        found = memo["dask-tasks"] = [
            tid
            for tid, spec in workflow.tasks.items()
            if (spec.executor or default) == "dask" and spec.component in MOVABLE_COMPONENTS
        ]
    return found


def placement_problems(
    data: Mapping[str, Any], tasks: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, tuple[Hashable, ...]]]:
    """(message, key path) for each `executor`/`resources` that cannot be honoured. Types are
    the models' business; this sees only well-typed values. A workflow-wide `executor: dask`
    is a default, so an engine-only task under it stays in the engine without complaint."""
    problems: list[tuple[str, tuple[Hashable, ...]]] = []
    default = data.get("executor")
    if data.get("resources") is not None and default == "local":
        message = "resources apply only to tasks on Dask, and executor is 'local'"
        problems.append((message, ("resources",)))
    for tid, task in tasks.items():
        if "executor" not in task and "resources" not in task:
            continue  # most tasks: nothing to honour
        component = task.get("component")
        own = task.get("executor")
        movable = not isinstance(component, str) or component in MOVABLE_COMPONENTS
        if own == "dask" and not movable:
            problems.append((f"component '{component}' {_STAYS}", ("tasks", tid, "executor")))
        if task.get("resources") is None:
            continue
        if not movable:
            message = f"resources apply only to tasks on Dask; component '{component}' {_STAYS}"
            problems.append((message, ("tasks", tid, "resources")))
        elif (own or default) == "local":
            message = "resources apply only to tasks on Dask, and this task's executor is 'local'"
            problems.append((message, ("tasks", tid, "resources")))
    return problems

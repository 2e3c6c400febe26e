"""A workflow prepared for execution: every task's action, policy, templates and condition.

Actions and policies are resolved up front; templates and conditions are compiled when a task
first needs them, so that resuming a large execution starts running tasks at once instead of
compiling thousands of templates of tasks that already completed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from harmonia.components import ComponentRegistry
from harmonia.components.base import Action
from harmonia.executors.placement import Placement, placement_of
from harmonia.expressions import Condition, Template, compile_condition, compile_template
from harmonia.expressions.limits import MAX_DEPTH, MAX_TEMPLATE_NODES
from harmonia.model import (
    DEFAULT_TRIGGER_RULE,
    RetryPolicy,
    TaskSpec,
    TriggerRule,
    Workflow,
    merge_retry_policies,
)
from harmonia.state import TaskState


class TaskPlan:
    """One task, ready to run: compiled parts are built on first use and kept.

    A task whose input has no `${...}` reference (the common case in large generated
    workflows) keeps only that input, not a compiled `Template`: the template and the closure
    it renders with would be three more garbage-collector-tracked objects per task, alive for
    as long as the plan, for a render that returns a constant.
    """

    __slots__ = (
        "_compiled",
        "_components",
        "_condition",
        "_input",
        "_render",
        "_uses_env",
        "action",
        "depends_on",
        "placement",
        "policy",
        "rule",
        "spec",
        "task_id",
        "timeout",
    )

    def __init__(
        self,
        task_id: str,
        spec: TaskSpec,
        action: Action,
        timeout: float | None,
        policy: RetryPolicy,
        rule: TriggerRule = DEFAULT_TRIGGER_RULE,
        placement: Placement | None = None,
    ) -> None:
        self.task_id = task_id
        self.spec = spec
        self.action = action
        self.depends_on = tuple(spec.depends_on)
        self.timeout = timeout
        self.policy = policy
        self.rule = rule
        """The trigger rule: which outcomes of its parents let it run (`engine.triggers`)."""
        self.placement = placement
        """Set when the task may run on the engine's executor (Dask); None: in the engine."""
        self._compiled = False
        self._input: Any = None
        self._render: Template | None = None
        self._uses_env = False
        self._components: tuple[str, ...] = ()
        self._condition: Condition | None = None

    def _compile(self) -> None:
        source = self.spec.input
        if _literal(source):  # nothing to compile: the input renders to itself
            self._input = source
            self._compiled = True
            return
        template = compile_template(source, self.action.shell_fields)
        if template.is_static:
            self._input = template.render(_NO_CONTEXT)
        else:
            self._render = template
            self._uses_env = any(ref.root == "env" for ref in template.references)
            named = {str(ref.path[0]) for ref in template.references if ref.root == "components"}
            self._components = tuple(sorted(named))
        self._compiled = True

    @property
    def components(self) -> tuple[str, ...]:
        """The remote components whose URL the input references (`${components.NAME.url}`):
        the runner looks them up, off the event loop, before it renders the input."""
        if not self._compiled:
            self._compile()
        return self._components

    def render(self, context: Mapping[str, Any]) -> Any:
        """The task's input with its references resolved (raises ReferenceMissing).

        Without references the same object comes back every time: do not mutate it."""
        if not self._compiled:
            self._compile()
        if self._render is None:
            return self._input
        return self._render.render(context)

    def shown(self, context: Mapping[str, Any], rendered: Any) -> Any:
        """`rendered` as it may be recorded in the journal and shown to users: where an
        environment variable's value went, its reference text (`${env.NAME}`) stands instead.

        The journal is readable by anyone who can follow an execution (CLI, API, TUI), while
        `${env.NAME}` is how workflows pass secrets; the reference says where the value came
        from without disclosing it. Only inputs that reference `env` are rendered a second
        time, so the common case costs nothing."""
        if not self._uses_env or self._render is None:
            return rendered
        masked = dict(context)
        masked["env"] = _EnvPlaceholders(context["env"])
        return self._render.render(masked)

    @property
    def condition(self) -> Condition | None:
        if self.spec.when is None:
            return None
        if self._condition is None:
            self._condition = compile_condition(self.spec.when)
        return self._condition


def _literal(value: Any) -> bool:
    """Whether an input holds no `$` anywhere (so no reference and no `$${` escape) and is
    well within the template limits: `compile_template` would render it to the very same
    object, at ten times the cost of this look. Anything else goes through the compiler,
    which also raises for inputs beyond its limits."""
    if type(value) is dict and len(value) < _FLAT_MAX:
        # the common shape (a generated workflow's `{"i": "t5"}`): one flat mapping of strings
        # and numbers, looked at without the general walk's stack and isinstance checks
        for item in value.values():
            kind = type(item)
            if kind is str:
                if "$" in item:
                    return False
            elif kind is not int and kind is not float and kind is not bool and item is not None:
                break  # something nested or unusual: the general walk decides
        else:
            return True
    stack = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_TEMPLATE_NODES // 2:
            return False
        if isinstance(item, str):
            if "$" in item:
                return False
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH // 2:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, Mapping):
            return False  # another kind of mapping: as the compiler makes of it
    return True


_FLAT_MAX = MAX_TEMPLATE_NODES // 2 - 1
"""Most members a flat mapping may have for `_literal`'s quick look (its nodes: itself and
each member, within the general walk's bound)."""

_NO_CONTEXT: Mapping[str, Any] = {}
"""What a template without references is rendered with: it reads nothing."""


class _EnvPlaceholders(Mapping[str, str]):
    """`env` for rendering what is shown: each variable that exists reads as its own reference
    text, so a missing one still fails exactly as in the real render."""

    __slots__ = ("_env",)

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def __getitem__(self, name: str) -> str:
        if name not in self._env:
            raise KeyError(name)
        return "${env." + name + "}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


@dataclass(frozen=True)
class ExecutionPlan:
    workflow: Workflow
    tasks: dict[str, TaskPlan]

    @cached_property
    def dependents(self) -> dict[str, tuple[str, ...]]:
        """Task -> the tasks that depend on it directly. Found when first asked for (a retry,
        a trigger rule): a run's schedule finds them itself, and a resume of 10,000 tasks
        built them on the way to its first task for nothing."""
        found: dict[str, list[str]] = {tid: [] for tid in self.tasks}
        for tid, plan in self.tasks.items():
            for dep in plan.depends_on:
                found[dep].append(tid)
        return {k: tuple(v) for k, v in found.items()}

    @classmethod
    def for_workflow(cls, workflow: Workflow, registry: ComponentRegistry) -> ExecutionPlan:
        """The plan of `workflow` with `registry`, compiled once per loaded workflow.

        A plan holds nothing per execution (compiled templates are pure), so executions of
        the same workflow share it."""
        memo = workflow.memo()
        cached = memo.get("execution-plan")
        if cached is not None and cached[0] is registry:
            plan: ExecutionPlan = cached[1]
            return plan
        plan = cls.compile(workflow, registry)
        memo["execution-plan"] = (registry, plan)
        return plan

    @classmethod
    def compile(cls, workflow: Workflow, registry: ComponentRegistry) -> ExecutionPlan:
        tasks: dict[str, TaskPlan] = {}
        defaults = workflow.defaults
        # Same merge as Workflow.effective(), done once for the common case of a task without
        # its own policy: per-task pydantic copies cost more than running an echo task.
        default_policy = merge_retry_policies(defaults.retry_policy, None)
        default_rule = TriggerRule(defaults.trigger_rule or DEFAULT_TRIGGER_RULE)
        # a workflow of thousands of tasks calls a handful of actions: look each up once
        actions: dict[tuple[str, str], Action] = {}
        placements: dict[str, Placement] = {}
        for tid, spec in workflow.tasks.items():
            key = (spec.component, spec.action)
            action = actions.get(key)
            if action is None:
                action = actions[key] = registry.action(*key)
            policy = (
                default_policy
                if spec.retry_policy is None
                else merge_retry_policies(defaults.retry_policy, spec.retry_policy)
            )
            tasks[tid] = TaskPlan(
                tid,
                spec,
                action,
                spec.timeout if spec.timeout is not None else defaults.timeout,
                policy,
                default_rule if spec.trigger_rule is None else TriggerRule(spec.trigger_rule),
                placement_of(spec, workflow, placements),
            )
        return cls(workflow, tasks)

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

"""A workflow definition: declared inputs, defaults and a DAG of tasks.

`Workflow.tasks` keeps every task exactly as written (so that `to_document()` round-trips), and
`Workflow.effective(task_id)` returns the task with the workflow `defaults` merged in (`timeout`,
and `retry_policy` field by field). `load_stored_workflow` rebuilds one that was checked before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, model_validator

from harmonia.errors import NotFound
from harmonia.model.base import (
    LOADER_CONTEXT_KEY,
    PLAIN_JSON_CONTEXT_KEY,
    NonBlank,
    Strict,
    unknown_input_message,
)
from harmonia.model.graph import graph_problems
from harmonia.model.inputs import InputSpec, check_declared
from harmonia.model.notify import NotifyTarget
from harmonia.model.placement import ExecutorName, Resources, executor_field, resources_field
from harmonia.model.retry import merge_retry_policies
from harmonia.model.tasks import Identifier, TaskDefaults, TaskSpec
from harmonia.model.triggers import DEFAULT_TRIGGER_RULE, TriggerRule

__all__ = ["LOADER_CONTEXT_KEY", "Workflow", "load_stored_workflow"]


class Workflow(Strict):
    """A workflow definition: declared inputs, defaults and a DAG of tasks.

    `tasks` holds each task as written; call `effective(task_id)` for the settings the engine
    must use. Constructing a `Workflow` directly checks the dependency graph, but not component
    names or `${...}` references: `harmonia.loader` does that, with file and line numbers.
    """

    _document: dict[str, Any] | None = PrivateAttr(default=None)
    _plain_json: bool = PrivateAttr(default=False)
    _memo: dict[Any, Any] = PrivateAttr(default_factory=dict)

    name: NonBlank = Field(min_length=1, description="Name of the workflow.")
    version: str = Field(default="1.0.0", description="Version of this definition.")
    description: str | None = None
    input: dict[Identifier, InputSpec] = Field(
        default_factory=dict,
        description="Declared inputs, by name.",
        # ids that do not match the pattern are errors, not "anything goes"
        json_schema_extra={"additionalProperties": False},
    )
    max_concurrency: int = Field(
        default=16, ge=1, description="Tasks running at once per execution."
    )
    defaults: TaskDefaults = Field(
        default_factory=TaskDefaults, description="Settings merged into every task."
    )
    tasks: dict[Identifier, TaskSpec] = Field(
        min_length=1,
        description="The tasks, by id; at least one.",
        json_schema_extra={"additionalProperties": False},
    )
    output: dict[Identifier, Any] = Field(
        default_factory=dict,
        description="The execution's declared outputs, by name: values may hold ${...} "
        "references (input, tasks, workflow, execution), rendered when the workflow "
        "completes. A `workflow.run` task of a parent workflow returns this mapping.",
        json_schema_extra={"additionalProperties": False},
    )
    executor: ExecutorName | None = executor_field("the tasks that do not say")
    resources: Resources | None = resources_field("the tasks that do not set their own")
    schedules: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Schedules the daemon starts this workflow on once it is stored: each "
        "`cron` (+ `timezone`) or `interval`, with `input`, `missed`, `max_missed`, `overlap`, "
        "`grace`, `description` (README, Schedules).",
    )
    notify: list[NotifyTarget] = Field(
        default_factory=list,
        description="URLs the daemon tells of chosen events of this workflow's executions, "
        "durably and signed (README, Webhooks out).",
    )

    @model_validator(mode="after")
    def _valid_graph(self, info: ValidationInfo) -> Workflow:
        context = info.context
        if isinstance(context, Mapping) and context.get(PLAIN_JSON_CONTEXT_KEY):
            self._plain_json = True
        if isinstance(context, Mapping) and context.get(LOADER_CONTEXT_KEY):
            return self
        problems = graph_problems(self.tasks)
        if problems:
            raise ValueError("; ".join(f"task '{task}': {message}" for task, message in problems))
        return self

    def task(self, task_id: str) -> TaskSpec:
        """The task as written; a clear error rather than a bare KeyError for unknown ids."""
        try:
            return self.tasks[task_id]
        except KeyError:
            raise NotFound(f"workflow '{self.name}' has no task '{task_id}'") from None

    def effective(self, task_id: str) -> TaskSpec:
        """The task with the workflow defaults merged in, as the engine must run it.

        `timeout` is the task's own or else `defaults.timeout` (None: no limit). `retry_policy`
        is always set: the defaults' fields overridden by whatever the task set itself (a
        `RetryPolicy()` with no retries when neither says anything). So is `trigger_rule`:
        the task's, else the defaults', else `all_success`.
        """
        task = self.task(task_id)
        timeout = task.timeout if task.timeout is not None else self.defaults.timeout
        policy = merge_retry_policies(self.defaults.retry_policy, task.retry_policy)
        return task.model_copy(
            update={
                "timeout": timeout,
                "retry_policy": policy,
                "trigger_rule": str(self.trigger_rule(task_id)),
            }
        )

    def trigger_rule(self, task_id: str) -> TriggerRule:
        """The rule the engine applies to `task_id`: its own, the defaults', or all_success."""
        own = self.task(task_id).trigger_rule
        return TriggerRule(own or self.defaults.trigger_rule or DEFAULT_TRIGGER_RULE)

    def upstream(self, task_id: str) -> set[str]:
        """Every task that `task_id` depends on, directly or transitively."""
        seen: set[str] = set()
        stack = list(self.task(task_id).depends_on)
        while stack:
            current = stack.pop()
            if current in seen or current not in self.tasks:
                continue
            seen.add(current)
            stack.extend(self.tasks[current].depends_on)
        seen.discard(task_id)
        return seen

    def downstream(self, task_id: str) -> set[str]:
        """Every task that depends on `task_id`, directly or transitively (re-run on retry)."""
        self.task(task_id)
        dependents: dict[str, list[str]] = {tid: [] for tid in self.tasks}
        for tid, task in self.tasks.items():
            for dep in task.depends_on:
                if dep in dependents:
                    dependents[dep].append(tid)
        seen: set[str] = set()
        stack = list(dependents[task_id])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(dependents[current])
        seen.discard(task_id)
        return seen

    def validate_input(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The execution input: `given` checked against the declared inputs, defaults applied.

        Every problem (missing, unknown, wrong type, out of bounds, not in enum, no pattern
        match) is collected and raised together as `ValidationFailed`, each with field
        `input.NAME`, so a caller fixes everything in one go.
        """
        return check_declared(
            self.input, given, prefix="input", noun="input", unknown=unknown_input_message
        )

    def __eq__(self, other: object) -> bool:
        """Equal definitions are equal workflows: the caches below do not take part."""
        if not isinstance(other, Workflow):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable model, as pydantic's default

    def memo(self) -> dict[Any, Any]:
        """Derived data other layers compute once per loaded workflow (the engine's execution
        plan), so that starting the same workflow again costs nothing to prepare."""
        return self._memo

    def to_document(self) -> dict[str, Any]:
        """A JSON-able dict of the definition as written, which the loader accepts back as is.

        Only fields the author set are included: besides keeping stored documents small, this
        matters for the field-wise retry policy merge, where an explicit value and a default one
        mean different things.
        """
        if self._document is None:
            # Cached: dumping a 10,000-task workflow costs more than starting it. Workflows are
            # treated as immutable once loaded; nothing in Harmonia changes one in place.
            if self._plain_json:
                self._document = self._shared_document()
            else:
                self._document = self.model_dump(mode="json", exclude_unset=True)
        return self._document

    def _shared_document(self) -> dict[str, Any]:
        """The same document as the dump, but each task's dict holds the model's own values
        (its `input` dict, its `depends_on` list) instead of copies: a second copy of every
        task's containers is ~250 bytes a task kept for the whole run. Only for values read by
        a JSON parser, which are already what a JSON-mode dump would make of them."""
        rest = self.model_dump(mode="json", exclude_unset=True, exclude={"tasks"})
        tasks = {tid: _task_document(task) for tid, task in self.tasks.items()}
        document: dict[str, Any] = {}
        for name in type(self).model_fields:  # the dump's order of fields
            if name == "tasks":
                document[name] = tasks
            elif name in rest:
                document[name] = rest[name]
        return document


_USUAL_FIELDS = frozenset({"component", "action", "input", "depends_on"})
"""What most tasks of a large generated workflow set: their dict is made without a loop."""


def _task_document(task: TaskSpec) -> dict[str, Any]:
    """What `model_dump(mode="json", exclude_unset=True)` makes of a task of plain JSON values,
    in field order; nested models (policy, resources) are dumped, the rest is shared."""
    given = task.model_fields_set
    values = task.__dict__
    if given == _USUAL_FIELDS:
        return {
            "component": values["component"],
            "action": values["action"],
            "input": values["input"],
            "depends_on": values["depends_on"],
        }
    return {
        name: value.model_dump(mode="json", exclude_unset=True)
        if isinstance(value, BaseModel)
        else value
        for name, value in values.items()
        if name in given
    }


def load_stored_workflow(doc: Mapping[str, Any]) -> Workflow:
    """Rebuild a workflow that was fully validated before it was stored with an execution.

    Resume and crash recovery go through here: the document's references, components and
    graph were checked when it was first loaded, and re-checking a 10,000-task workflow costs
    most of a second that an operator waits for. The models still validate their fields, and
    unknown components still fail when the execution plan is compiled. Defined with the model,
    not the loader, so that resuming never imports a YAML parser.
    """
    return Workflow.model_validate(doc, context={LOADER_CONTEXT_KEY: True})

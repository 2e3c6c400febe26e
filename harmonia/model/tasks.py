"""One task as written in a workflow file, and the defaults every task inherits.

Task ids are restricted to what a `${tasks.ID...}` reference can name unambiguously; the pattern
is shared with input names (`${input.NAME}`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from harmonia.model.base import LOADER_CONTEXT_KEY, Strict, describe_value
from harmonia.model.placement import ExecutorName, Resources, executor_field, resources_field
from harmonia.model.retry import RetryPolicy
from harmonia.model.triggers import TRIGGER_RULES, trigger_rule_problem

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "FAN_OUT_ONLY",
    "IDENTIFIER_PATTERN",
    "Identifier",
    "TaskDefaults",
    "TaskSpec",
    "fan_out_only_message",
]

DEFAULT_MAX_ITEMS = 10_000
"""Items one `for_each` task may expand to unless it (or the engine) sets another limit."""
FAN_OUT_ONLY = ("max_parallel", "max_items")
"""The fields that only a task with `for_each` may set."""


def fan_out_only_message(name: str) -> str:
    return f"{name} applies only to a task with for_each"


#: Task ids and input names: they appear inside `${tasks.ID...}` / `${input.NAME}` references, so
#: they are restricted to what the expression syntax can name unambiguously.
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]


def _rule_field() -> Any:
    return Field(
        default=None,
        description="When the task may run, from its parents' outcomes (default all_success: "
        "every parent completed). Airflow's names and meanings.",
        json_schema_extra={"anyOf": [{"enum": list(TRIGGER_RULES)}, {"type": "null"}]},
    )


def _known_rule(value: str | None) -> str | None:
    problem = None if value is None else trigger_rule_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class TaskDefaults(Strict):
    """Settings merged into every task that does not set them itself."""

    timeout: float | None = Field(default=None, gt=0, description="Seconds per attempt.")
    retry_policy: RetryPolicy | None = None
    trigger_rule: str | None = _rule_field()

    _known_rule = field_validator("trigger_rule")(_known_rule)


class TaskSpec(Strict):
    """One task: call `action` of `component` with `input`, after `depends_on` completed."""

    component: str = Field(
        min_length=1,
        description="Component name: shell, http, ... or a remote (Tekton) one such as rhetor.",
    )
    action: str = Field(
        min_length=1, description="Action of the component, e.g. run, or a remote tool's name."
    )
    input: dict[str, Any] = Field(
        default_factory=dict,
        description="Action input; strings may contain ${...} references (input, tasks, "
        "workflow, execution, env, components).",
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Tasks that must complete before this one starts."
    )
    when: str | None = Field(
        default=None,
        description="Condition; the task is skipped when false.",
        # A YAML boolean is accepted too (see `_boolean_when`); tell editors so.
        json_schema_extra={"anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"}]},
    )
    timeout: float | None = Field(default=None, gt=0, description="Seconds per attempt.")
    retry_policy: RetryPolicy | None = None
    trigger_rule: str | None = _rule_field()
    description: str | None = None
    for_each: list[Any] | str | None = Field(
        default=None,
        description="Run the task once per item of this list: a literal list or one ${...} "
        "reference to a list; ${item} and ${index} name the item in input and when.",
    )
    max_parallel: int | None = Field(
        default=None, ge=1, description="Items of a for_each task running at once."
    )
    max_items: int | None = Field(
        default=None,
        ge=0,
        description=f"Most items a for_each list may have (default {DEFAULT_MAX_ITEMS:,}).",
    )
    executor: ExecutorName | None = executor_field("this task's attempts")
    resources: Resources | None = resources_field("this task's attempts")

    @field_validator(*FAN_OUT_ONLY)
    @classmethod
    def _fan_out_fields(cls, value: int | None, info: ValidationInfo) -> int | None:
        """`max_parallel` and `max_items` mean nothing without a list to go through (the
        loader says so itself, naming the field and its line). A field validator, not a
        model one: it runs only where one is set, not once per task of every workflow."""
        context = info.context
        if (
            value is not None
            and "for_each" in info.data  # absent: for_each itself was invalid
            and info.data["for_each"] is None
            and not (isinstance(context, dict) and context.get(LOADER_CONTEXT_KEY))
        ):
            raise ValueError(fan_out_only_message(str(info.field_name)))
        return value

    _known_rule = field_validator("trigger_rule")(_known_rule)

    @field_validator("when", mode="before")
    @classmethod
    def _boolean_when(cls, value: Any) -> Any:
        """`when: false` is a natural way to switch a task off; keep it as the condition text."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    @field_validator("for_each", mode="before")
    @classmethod
    def _list_or_reference(cls, value: Any) -> Any:
        """One message for a for_each that is neither a list nor a string: the union would
        otherwise report each of its branches (`for_each.str`, `for_each.list[any]`)."""
        if value is None or isinstance(value, list | str):
            return value
        hint = (
            ""
            if isinstance(value, dict)
            else f" (a list of one item: [{json.dumps(value, default=str)}])"
        )
        raise ValueError(
            f"must be a literal list or exactly one ${{...}} reference to a list, "
            f"got {describe_value(value)}" + hint
        )

    @field_validator("depends_on")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) == len(value):
            return value  # the usual case, found without a loop in Python
        seen: set[str] = set()
        duplicates: list[str] = []
        for dep in value:
            if dep in seen and dep not in duplicates:
                duplicates.append(dep)
            seen.add(dep)
        if duplicates:
            raise ValueError("duplicate dependency " + ", ".join(f"'{d}'" for d in duplicates))
        return value

"""The workflow file as typed, validated objects: the contract between a file and the engine.

Validation that needs more than one model at a time (references between tasks, components that
exist, line numbers) lives in `harmonia.loader`; use `load_workflow_dict` rather than
`Workflow.model_validate` for anything a user wrote. One module per model: `retry`, `inputs`,
`tasks`, `triggers` (join rules), `graph` (dependencies and cycles), `workflow`, `template`;
`base` holds what they share.
"""

from typing import TYPE_CHECKING, Any

from harmonia.model.base import describe_value, suggest, unknown_input_message
from harmonia.model.graph import cycle_message, find_cycles, graph_problems
from harmonia.model.inputs import InputSpec, InputType
from harmonia.model.retry import RetryPolicy, merge_retry_policies
from harmonia.model.tasks import IDENTIFIER_PATTERN, TaskDefaults, TaskSpec
from harmonia.model.triggers import DEFAULT_TRIGGER_RULE, TRIGGER_RULES, TriggerRule
from harmonia.model.workflow import LOADER_CONTEXT_KEY, Workflow, load_stored_workflow

if TYPE_CHECKING:
    from harmonia.model.template import (
        TEMPLATE_KIND,
        ParameterSpec,
        TemplateSpec,
        unknown_parameter_message,
    )

_TEMPLATE_NAMES = frozenset(
    {"TEMPLATE_KIND", "ParameterSpec", "TemplateSpec", "unknown_parameter_message"}
)


def __getattr__(name: str) -> Any:
    """The template models on first use: running or resuming a workflow never needs them,
    and building their pydantic schemas was ~7 ms of every `harmonia run`/`resume` start."""
    if name in _TEMPLATE_NAMES:
        from harmonia.model import template

        return getattr(template, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_TRIGGER_RULE",
    "IDENTIFIER_PATTERN",
    "LOADER_CONTEXT_KEY",
    "TEMPLATE_KIND",
    "TRIGGER_RULES",
    "InputSpec",
    "InputType",
    "ParameterSpec",
    "RetryPolicy",
    "TaskDefaults",
    "TaskSpec",
    "TemplateSpec",
    "TriggerRule",
    "Workflow",
    "cycle_message",
    "describe_value",
    "find_cycles",
    "graph_problems",
    "load_stored_workflow",
    "merge_retry_policies",
    "suggest",
    "unknown_input_message",
    "unknown_parameter_message",
]

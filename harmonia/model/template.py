"""A workflow template: typed parameters and a workflow body with `${param.NAME}` placeholders.

Parameters are declared like workflow inputs (the same `InputSpec` checks, so a template's
caller and an execution's caller are told the same words), but they are applied once, when the
template is instantiated into a stored workflow, and may stand anywhere in the body: names,
commands, timeouts, task settings. Checking the given values reports every bad one at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from harmonia.model.base import NonBlank, Strict, suggest
from harmonia.model.inputs import InputSpec, check_declared
from harmonia.model.tasks import Identifier

__all__ = ["TEMPLATE_KIND", "ParameterSpec", "TemplateSpec", "unknown_parameter_message"]

TEMPLATE_KIND = "template"
"""`kind: template` at the top of a file: what tells a template from a workflow."""


class ParameterSpec(InputSpec):
    """One declared template parameter: `type`, `default` (absent: required), `enum`,
    `minimum`/`maximum`, `min_length`/`max_length`, `pattern`, `description`."""


class TemplateSpec(Strict):
    """A template file: `kind: template`, its own name and version, `parameters`, and the
    `workflow` body, which is checked as a workflow only once values are substituted."""

    kind: Literal["template"] = Field(description="Always `template`.")
    name: NonBlank = Field(min_length=1, description="Name of the template (unique in a daemon).")
    version: str = Field(default="1.0.0", description="Version of this template.")
    description: str | None = None
    parameters: dict[Identifier, ParameterSpec] = Field(
        default_factory=dict,
        description="Declared parameters, by name; `${param.NAME}` uses one in the body.",
        json_schema_extra={"additionalProperties": False},
    )
    workflow: dict[str, Any] = Field(
        min_length=1,
        description="The workflow, as in a workflow file; any string in it may hold "
        "`${param.NAME}` placeholders (a string that is only one keeps the value's type), "
        "so it is checked against the workflow schema only once they are replaced.",
    )

    def check_values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter's value: `given` checked, defaults applied. Every problem (unknown,
        missing, wrong type, out of bounds, not allowed, no pattern match) is raised together
        as `ValidationFailed`, each with field `parameters.NAME`."""
        return check_declared(
            self.parameters,
            given,
            prefix="parameters",
            noun="parameter",
            unknown=unknown_parameter_message,
            file=f"template {self.name}",
        )


def unknown_parameter_message(name: str, declared: list[str]) -> str:
    """Shared wording for a parameter the template does not declare (values and `${param.x}`)."""
    if not declared:
        return f"unknown parameter '{name}'; this template declares no parameters"
    hint = suggest(name, declared)
    listed = ", ".join(declared[:LISTED])
    if len(declared) > LISTED:
        listed += f", ... ({len(declared)} in all)"
    return f"unknown parameter '{name}'" + (f" ({hint})" if hint else "") + f"; declared: {listed}"


LISTED = 20
"""Declared names an "unknown parameter" message lists: a template may declare a thousand."""

"""A workflow's declared `output:`, rendered when the execution completes.

Kept apart from the scheduler: it runs once per execution, and what a missing value means
(the execution fails, naming the output) is a rule of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.expressions import ExpressionError, ReferenceMissing, Template, compile_template
from harmonia.model import Workflow

__all__ = ["OutputUnavailable", "render_output"]


class OutputUnavailable(Exception):
    """A declared output could not be rendered (e.g. it names a skipped task's output)."""


def render_output(workflow: Workflow, context: Mapping[str, Any]) -> Any:
    """The rendered `output:` mapping of a completed execution (None when none is declared)."""
    if not workflow.output:
        return None
    memo = workflow.memo()
    template: Template | None = memo.get("output-template")
    try:
        if template is None:
            template = memo["output-template"] = compile_template(workflow.output)
        return template.render(context)
    except (ReferenceMissing, ExpressionError) as exc:
        raise OutputUnavailable(str(exc)) from None

"""`${...}` references, task-input templates and `when:` conditions of workflow files.

Workflow files come from users and run in a long-lived engine, so the language is tiny and closed
(no `eval`, attributes or calls) and every input is bounded. The loader, the engine and the
dashboard's preview all read it through this package, which imports nothing heavy.
"""

from __future__ import annotations

from harmonia.expressions.conditions import Condition, compile_condition
from harmonia.expressions.errors import (
    ExpressionError,
    ExpressionTypeError,
    ReferenceMissing,
    ReferenceUnusable,
)
from harmonia.expressions.limits import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_TEMPLATE_NODES,
    MAX_TEMPLATE_REFERENCES,
)
from harmonia.expressions.preview import preview, preview_shell_command
from harmonia.expressions.references import (
    CONTEXT_FIELDS,
    ITEM_ROOTS,
    MARKERS,
    REFERENCE_ROOTS,
    ROOTS,
    Reference,
    parse_reference,
)
from harmonia.expressions.templates import (
    Template,
    compile_shell_template,
    compile_template,
    find_references,
)

__all__ = [
    "CONTEXT_FIELDS",
    "ITEM_ROOTS",
    "MARKERS",
    "MAX_DEPTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_TEMPLATE_NODES",
    "MAX_TEMPLATE_REFERENCES",
    "REFERENCE_ROOTS",
    "ROOTS",
    "Condition",
    "ExpressionError",
    "ExpressionTypeError",
    "Reference",
    "ReferenceMissing",
    "ReferenceUnusable",
    "Template",
    "compile_condition",
    "compile_shell_template",
    "compile_template",
    "find_references",
    "parse_reference",
    "preview",
    "preview_shell_command",
]

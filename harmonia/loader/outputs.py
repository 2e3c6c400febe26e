"""The references of a workflow's top-level `output:` mapping.

Outputs are rendered once every task is done, so they may name any task of the workflow (not
only upstream ones) and any declared input; a misspelt task is found at load time, with the
file, line and output field, rather than when a long run completes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.expressions import ExpressionError, compile_template
from harmonia.loader.references import ReferenceChecker, Upstream, _strings

__all__ = ["check_output"]


def check_output(references: ReferenceChecker, raw_output: Any) -> None:
    """Report every bad reference in `raw_output` through `references` (shape problems of
    the mapping itself are the model's to report)."""
    if not isinstance(raw_output, Mapping):
        return
    everything = Upstream({"": list(references.task_ids)}, "")
    for path, text in _strings(raw_output, ("output",)):
        if "$" not in text:
            continue
        try:
            template = compile_template(text)
        except ExpressionError as exc:
            references.report(f"invalid reference: {exc}", path)
            continue
        references.check_references(template.references, "", everything, path)

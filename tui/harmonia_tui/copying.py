"""The TUI's views start as copies of the client's models: a field a view shares with the
model by name holds the same value. Said once here instead of one `x=model.x` line per field
in each view (an executions row, an execution, a task).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["same_named"]

View = TypeVar("View")


def same_named(view: type[View], model: object, **given: Any) -> View:
    """`view` (a dataclass) made with `given`, and each other field copied from `model`'s
    attribute of the same name; a field `model` has no attribute for keeps its default."""
    values = {
        f.name: getattr(model, f.name)
        for f in fields(view)  # type: ignore[arg-type]
        if f.init and f.name not in given and hasattr(model, f.name)
    }
    return view(**values, **given)

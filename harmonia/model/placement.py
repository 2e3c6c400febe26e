"""Where a task runs: `executor: local | dask` and `resources:`, per workflow and per task.

Kept apart from the executors themselves so that reading a workflow file never imports Dask:
these are plain fields; `harmonia.executors.placement` says which components may move.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from harmonia.model.base import describe_value

__all__ = ["EXECUTORS", "ExecutorName", "Resources", "executor_field", "resources_field"]

EXECUTORS = ("local", "dask")
ExecutorName = Literal["local", "dask"]


def _amount(value: Any) -> float:
    """A resource amount: a positive finite number. YAML reads `4e9` as text (YAML 1.1 wants a
    dot in a float), so numeric text is read as the number it spells."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {describe_value(value)}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(f"expected a number, got {describe_value(value)}")
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"must be > 0, got {describe_value(value)}")
    return number


Resources = dict[Annotated[str, Field(min_length=1)], Annotated[float, BeforeValidator(_amount)]]


def executor_field(what: str) -> Any:
    return Field(
        default=None,
        description=f"Where {what} run: 'local' (in the engine's process) or 'dask' (on the "
        "Dask cluster of an engine started with --executor dask). Unset: the engine's choice.",
    )


def resources_field(what: str) -> Any:
    return Field(
        default=None,
        description=f"Dask worker resources {what} need, e.g. {{GPU: 1, memory: 4e9}}: they run "
        "only on workers that declare them.",
    )

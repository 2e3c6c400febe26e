"""Load-time checks of `for_each` tasks: the list, its limit, and who may say `${item}`.

The list is a literal list or exactly one `${...}` reference (to an input or an upstream
task's output); a literal list over the task's limit is refused here rather than at run
time, and `${item}`/`${index}` anywhere but a `for_each` task's input and `when` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harmonia.expressions import ITEM_ROOTS, ExpressionError, Reference, parse_reference
from harmonia.loader.references import ReferenceChecker, Upstream
from harmonia.model import describe_value
from harmonia.model.tasks import DEFAULT_MAX_ITEMS, FAN_OUT_ONLY, fan_out_only_message

__all__ = ["check_fan_out_only", "check_for_each", "fan_out_tasks"]


def fan_out_tasks(tasks: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The tasks that declare a `for_each` (whatever its value: its own check says more)."""
    return frozenset(t for t, task in tasks.items() if task.get("for_each") is not None)


def check_for_each(
    task_id: str, task: Mapping[str, Any], references: ReferenceChecker, up: Upstream
) -> None:
    """Report what is wrong with the task's `for_each` (shape, reference, literal size)."""
    value = task.get("for_each")
    path = ("tasks", task_id, "for_each")
    if isinstance(value, list):
        limit = task.get("max_items")
        limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
        most = DEFAULT_MAX_ITEMS if limit is None else limit
        if len(value) > most:
            references.report(
                f"for_each lists {len(value):,} items, over the limit of {most:,} "
                + ("(max_items)" if limit is not None else "(set max_items to allow more)"),
                path,
            )
        return
    if not isinstance(value, str):
        return  # a type problem, reported by the model
    text = value.strip()
    if not (text.startswith("${") and text.endswith("}")):
        references.report(
            "must be a literal list or exactly one ${...} reference to a list, "
            f"got {describe_value(value)}",
            path,
        )
        return
    try:
        ref = parse_reference(text)
    except ExpressionError as exc:
        references.report(f"invalid reference: {exc}", path)
        return
    if ref.root in ITEM_ROOTS:
        references.report(f"{ref} cannot give the list it is an item of", path)
        return
    message = references.problem(ref, task_id, up)
    if message is None:
        message = _input_not_an_array(ref, references.document.data)
    if message is not None:
        references.report(message, path)


def _input_not_an_array(ref: Reference, data: Any) -> str | None:
    """`for_each: ${input.n}` with `n` declared as another type than array: every run would
    fail the task (`for_each must give an array`), so say it now, naming the declaration."""
    if ref.root != "input" or len(ref.path) != 1:
        return None
    inputs = data.get("input") if isinstance(data, Mapping) else None
    spec = inputs.get(ref.path[0]) if isinstance(inputs, Mapping) else None
    declared = spec.get("type", "string") if isinstance(spec, Mapping) else None
    if not isinstance(declared, str) or declared == "array":
        return None
    return (
        f"{ref} must give a list, but input {ref.path[0]!r} is declared {declared} "
        "(declare it with type: array)"
    )


def check_fan_out_only(task_id: str, task: Mapping[str, Any], references: ReferenceChecker) -> None:
    """`max_parallel` or `max_items` on a task without `for_each`: named where it is set."""
    for name in FAN_OUT_ONLY:
        if task.get(name) is not None:
            references.report(fan_out_only_message(name), ("tasks", task_id, name))

"""Resolving a reference against the run-time context, and saying why one has no value.

Getters run for every reference of every task of every execution, so each is compiled once into
a closure with a fast path for plain dicts and lists; the slow walk that explains a missing value
runs only on the error path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harmonia.expressions.errors import ReferenceMissing
from harmonia.expressions.references import Reference, normalise
from harmonia.valuekinds import a_json_kind

__all__ = ["Getter", "make_getter"]

Getter = Callable[[Mapping[str, Any]], Any]


class _StepFailed(Exception):
    """A lookup step hit a value that is neither an object nor an array."""


def _step(value: Any, key: str | int) -> Any:
    """One lookup step on anything other than a plain dict/list (the fast path handles those).

    Only mappings and lists/tuples are walked. `in` is checked first so that a mapping with a
    default factory (defaultdict) is not modified by the lookup.
    """
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        raise KeyError(key)
    if isinstance(value, list | tuple) and type(key) is int:
        return value[key]
    raise _StepFailed


def _reason(ref: Reference, n: int, container: Any, key: str | int) -> str:
    """Explain why step `n` (0 = the root) of `ref` failed on `container`."""
    if n == 0:
        return f"the context has no {key!r}"
    where = normalise(ref.root, ref.path[: n - 1])
    suffix = "" if n == len(ref.path) else f" in {where}"
    if isinstance(container, Mapping):
        if n == 1 and ref.root in ("env", "components"):
            # harmonia.taskenv and harmonia.components.urls say why they have no such name
            explain = getattr(container, "explain_missing", None)
            why = explain(key) if explain is not None else None
            if ref.root == "components":
                return why or f"component {key!r} is not a remote component"
            return why or f"environment variable {key!r} is not set"
        if n == 1 and ref.root == "input":
            return f"the execution input has no {key!r}"
        if n == 1 and ref.root == "tasks":
            return f"task {key!r} has no result (it has not run, or did not complete)"
        if n == 2 and ref.root == "tasks" and key == "output" and "status" in container:
            # a parent a trigger rule let this task run without (failed, skipped, blocked)
            task = ref.path[0]
            return (
                f"task {task!r} has no output: it is {container['status']} (only a completed "
                f"task has one; ${{tasks.{task}.status}} says how it ended)"
            )
        names = [repr(k)[:40] for k in list(container)[:8]]
        more = ", ..." if len(container) > 8 else ""
        known = f" (keys: {', '.join(names)}{more})" if names else " (the object is empty)"
        return f"key {key!r} not found{suffix}{known}"
    if isinstance(container, list | tuple):
        if isinstance(key, int):
            return f"array index {key} out of range (length {len(container)}){suffix}"
        return f"cannot look up key {key!r} in an array{suffix} (use an index like [0])"
    what = f"index [{key}]" if isinstance(key, int) else f"key {key!r}"
    return f"{where} is {a_json_kind(container)}, which has no {what}"


def _missing(ref: Reference, context: Mapping[str, Any]) -> ReferenceMissing:
    """Walk `ref` again, slowly, to say where and why it has no value (error path only)."""
    value: Any = context
    for n, key in enumerate((ref.root, *ref.path)):
        try:
            value = _step(value, key)
        except (LookupError, TypeError, _StepFailed):
            return ReferenceMissing(ref.text, _reason(ref, n, value, key))
    return ReferenceMissing(ref.text, "the value could not be read")


def make_getter(ref: Reference) -> Getter:
    """Compile `ref` into a function context -> value; raises ReferenceMissing when absent."""
    keys: tuple[str | int, ...] = (ref.root, *ref.path)

    def get(context: Mapping[str, Any]) -> Any:
        value: Any = context
        try:
            for key in keys:
                cls = type(value)
                if cls is dict or ((cls is list or cls is tuple) and type(key) is int):
                    value = value[key]
                else:
                    value = _step(value, key)
        except (LookupError, TypeError, _StepFailed):
            raise _missing(ref, context) from None
        return value

    return get

"""Task inputs with `${...}` references, compiled once when a workflow is loaded.

Rendering runs for every task of every execution, so compilation yields a tree of small closures
that does no parsing, and an input without references renders to the very object it was compiled
from. A string that is exactly one reference keeps the value's type; `$${` is a literal `${`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.limits import MAX_DEPTH, MAX_TEMPLATE_NODES
from harmonia.expressions.lookup import Getter, make_getter
from harmonia.expressions.references import Reference
from harmonia.expressions.shell import compile_shell_string
from harmonia.expressions.slots import Budget, Slot, format_value, split

__all__ = ["Template", "compile_shell_template", "compile_template", "find_references"]


def _compile_string(text: str, budget: Budget) -> tuple[bool, Any]:
    """Compile one string; returns (dynamic, render function or constant value)."""
    if "$" not in text:
        return False, text
    pieces = split(text, budget, shell=False)
    slots = [p for p in pieces if isinstance(p, Slot)]
    if not slots:
        value = "".join(p for p in pieces if isinstance(p, str))
        return False, (text if value == text else value)
    if len(pieces) == 1:
        return True, make_getter(slots[0].ref)
    base = [p if isinstance(p, str) else "" for p in pieces]
    dynamic = tuple((i, make_getter(p.ref)) for i, p in enumerate(pieces) if isinstance(p, Slot))

    def render_string(context: Mapping[str, Any]) -> str:
        out = base.copy()
        for index, get in dynamic:
            out[index] = format_value(get(context))
        return "".join(out)

    return True, render_string


def _compile_mapping(
    value: Mapping[Any, Any], depth: int, budget: Budget, shell_fields: Collection[str] = ()
) -> tuple[bool, Any]:
    base: dict[Any, Any] = {}
    dynamic: list[tuple[Any, Getter]] = []
    changed = False
    for key, item in value.items():
        if key in shell_fields and isinstance(item, str):
            budget.nodes += 1
            is_dynamic, payload = compile_shell_string(item, budget)
        else:
            is_dynamic, payload = _compile_value(item, depth, budget)
        if is_dynamic:
            dynamic.append((key, payload))
            base[key] = None  # placeholder: keeps the key's position when it is assigned
        else:
            base[key] = payload
            changed = changed or payload is not item
    if not dynamic:
        return False, (base if changed else value)
    entries = tuple(dynamic)

    def render_mapping(context: Mapping[str, Any]) -> dict[Any, Any]:
        out = base.copy()
        for key, render in entries:
            out[key] = render(context)
        return out

    return True, render_mapping


def _compile_sequence(
    value: list[Any] | tuple[Any, ...], depth: int, budget: Budget
) -> tuple[bool, Any]:
    base: list[Any] = []
    dynamic: list[tuple[int, Getter]] = []
    changed = False
    for index, item in enumerate(value):
        is_dynamic, payload = _compile_value(item, depth, budget)
        if is_dynamic:
            dynamic.append((index, payload))
            base.append(None)
        else:
            base.append(payload)
            changed = changed or payload is not item
    as_tuple = isinstance(value, tuple)
    if not dynamic:
        if not changed:
            return False, value
        return False, (tuple(base) if as_tuple else base)
    entries = tuple(dynamic)

    def render_sequence(context: Mapping[str, Any]) -> list[Any] | tuple[Any, ...]:
        out = base.copy()
        for index, render in entries:
            out[index] = render(context)
        return tuple(out) if as_tuple else out

    return True, render_sequence


def _compile_value(value: Any, depth: int, budget: Budget) -> tuple[bool, Any]:
    budget.nodes += 1
    if budget.nodes > MAX_TEMPLATE_NODES:
        raise ExpressionError(f"template has more than {MAX_TEMPLATE_NODES} values", "")
    if isinstance(value, str):
        return _compile_string(value, budget)
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_DEPTH:
            raise ExpressionError(f"template nested more than {MAX_DEPTH} levels deep", "")
        if isinstance(value, Mapping):
            return _compile_mapping(value, depth + 1, budget)
        return _compile_sequence(value, depth + 1, budget)
    return False, value


class Template:
    """A compiled task input: `render(context)` fills in its `${...}` references."""

    __slots__ = ("_render", "is_static", "references", "source")

    def __init__(
        self, source: Any, render: Getter, is_static: bool, references: tuple[Reference, ...]
    ):
        self.source = source
        self._render = render
        self.is_static = is_static
        self.references = references

    def render(self, context: Mapping[str, Any]) -> Any:
        """Resolve the references against `context`; raises ReferenceMissing for absent values.

        A template without references returns the same object every time (no copy), so callers
        must not mutate what they get back.
        """
        return self._render(context)

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


def _finish(source: Any, budget: Budget, is_dynamic: bool, payload: Any) -> Template:
    references = tuple(dict.fromkeys(budget.references))
    if is_dynamic:
        return Template(source, payload, False, references)

    def constant(context: Mapping[str, Any]) -> Any:
        return payload

    return Template(source, constant, True, references)


def compile_template(value: Any, shell_fields: Collection[str] = ()) -> Template:
    """Compile a JSON-like task input; dict keys are not templated, values are walked.

    `shell_fields` are the top-level keys whose string value is a command run by `/bin/sh`
    (`Action.shell_fields`): the values of their references are quoted for the shell.
    """
    budget = Budget()
    if shell_fields and isinstance(value, Mapping):
        budget.nodes += 1
        is_dynamic, payload = _compile_mapping(value, 1, budget, shell_fields)
    else:
        is_dynamic, payload = _compile_value(value, 0, budget)
    return _finish(value, budget, is_dynamic, payload)


def compile_shell_template(text: str) -> Template:
    """Compile one command string run by `/bin/sh` (see `compile_template`'s shell_fields)."""
    budget = Budget()
    is_dynamic, payload = compile_shell_string(text, budget)
    return _finish(text, budget, is_dynamic, payload)


def find_references(value: Any) -> tuple[Reference, ...]:
    """The distinct references in a task input, in order of first appearance."""
    return compile_template(value).references

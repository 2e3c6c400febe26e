"""Putting a template's parameter values in place of its `${param.NAME}` placeholders.

A placeholder may stand in any string of the workflow body (and in mapping keys). A string
that is exactly one placeholder becomes the value itself, with its type (`timeout:
"${param.t}"` is a number); inside a longer string the value is formatted in, as a reference
is. Values never become code by accident: in a shell command string a value is quoted for
where it lands, as `${input.x}` is; in a `when:` condition it is a literal; and a `${` inside a
value is escaped wherever the engine reads references, so it stays text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

from harmonia.expressions.errors import ExpressionError
from harmonia.expressions.quoting import ShellContext, quote
from harmonia.expressions.references import Reference, scan_marked
from harmonia.expressions.shell import shell_items
from harmonia.expressions.shellsyntax import ShellSyntaxError, analyse
from harmonia.expressions.slots import Budget, Slot, format_value, split
from harmonia.loader.shape import MAX_VALUES

__all__ = ["ShellFields", "find_placeholders", "substitute"]

KeyPath = tuple[Hashable, ...]
ShellFields = Callable[[Any, Any], frozenset[str]]
"""The shell command fields of a task's action, from its (substituted) component and action."""

PARAM = "param"
_PLAIN_TASK_FIELDS = frozenset({"description", "component", "action", "depends_on"})


def find_placeholders(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str | None, str]]:
    """Every placeholder in `value`: (path, parameter name, "") or (path, None, error) for a
    `${...}` that cannot be read. Other references are left to the workflow loader."""
    if isinstance(value, str):
        if "${" in value:
            try:
                for name, _, _, _ in _params(value):
                    yield path, name, ""
            except ExpressionError as exc:
                yield path, None, str(exc)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and "${" in key:
                yield from find_placeholders(key, (*path, key))
            yield from find_placeholders(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_placeholders(item, (*path, index))


def substitute(
    body: Mapping[str, Any], values: Mapping[str, Any], shell_fields: ShellFields
) -> tuple[dict[str, Any], list[tuple[KeyPath, str]]]:
    """The body with every placeholder replaced, and the (path, message) of each that could
    not be (a value that cannot go where it stands). Nothing of `body` is changed."""
    job = _Substitution(values, shell_fields)
    result = job.mapping(body, ())
    if job.inserted > MAX_VALUES or job.characters > MAX_CHARACTERS:
        message = (
            f"the values make the workflow too large: {job.inserted:,} values and "
            f"{job.characters:,} characters put in place (at most {MAX_VALUES:,} and "
            f"{MAX_CHARACTERS:,})"
        )
        job.problems.append(((), message))
    return result, list(dict.fromkeys(job.problems))


MAX_CHARACTERS = 64 * 1024 * 1024
"""Characters that values formatted into strings may add, all placeholders together: a large
value used in many places would otherwise make a document of gigabytes (as `MAX_VALUES`
bounds the values placed whole)."""


class _Substitution:
    def __init__(self, values: Mapping[str, Any], shell_fields: ShellFields) -> None:
        self.values = values
        self.shell_fields = shell_fields
        self.problems: list[tuple[KeyPath, str]] = []
        self.inserted = 0
        """Values placed whole (each counted with everything inside it)."""
        self.characters = 0
        """Characters formatted into strings."""
        self.sizes: dict[str, int] = {}

    def mapping(
        self, value: Mapping[Any, Any], path: KeyPath, shell: frozenset[str] = frozenset()
    ) -> dict[Any, Any]:
        """`shell`: for a task's `input`, the fields its action runs as shell commands."""
        task_shell: frozenset[str] = frozenset()
        if len(path) == 2 and path[0] == "tasks":  # a task: its action says what is a command
            component = self.value(value.get("component"), (*path, "component"))
            action = self.value(value.get("action"), (*path, "action"))
            task_shell = self.shell_fields(component, action)
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = key
            if isinstance(key, str) and "${" in key:
                name = self.string(key, (*path, key), whole_typed=False)
                if name in out or not isinstance(name, str):
                    self.problems.append(((*path, key), f"the key becomes {name!r} twice"))
            here = (*path, name)
            if name in shell:
                out[name] = self.command(item, here)
            elif task_shell and name == "input" and isinstance(item, Mapping):
                out[name] = self.mapping(item, here, task_shell)
            else:
                out[name] = self.value(item, here)
        return out

    def value(self, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            if "${" not in value:
                return value
            if len(path) == 3 and path[0] == "tasks" and path[2] == "when":
                return self.condition(value, path)
            return self.string(value, path)
        if isinstance(value, Mapping):
            return self.mapping(value, path)
        if isinstance(value, list):
            return [self.value(item, (*path, i)) for i, item in enumerate(value)]
        return value

    def get(self, name: str, path: KeyPath) -> Any:
        if name not in self.values:
            self.problems.append((path, f"unknown parameter '{name}'"))
            return ""
        return self.values[name]

    def escapes(self, path: KeyPath) -> bool:
        """Whether the engine reads `${...}` in the string at `path` (a task's settings and
        the workflow's `output`), so that a value's own `${` must be escaped there."""
        if path[:1] == ("output",):
            return True
        return path[:1] == ("tasks",) and len(path) >= 3 and path[2] not in _PLAIN_TASK_FIELDS

    def string(self, text: str, path: KeyPath, *, whole_typed: bool = True) -> Any:
        try:
            slots = _params(text)
        except ExpressionError as exc:
            self.problems.append((path, f"invalid reference: {exc}"))
            return text
        if not slots:
            return text
        escape = self.escapes(path)
        name, marker, start, end = slots[0]
        if whole_typed and len(slots) == 1 and start == 0 and end == len(text):
            if marker is not None:
                self.problems.append((path, "'raw:' only has a meaning in a shell command"))
            value = self.get(name, path)
            if name not in self.sizes:
                self.sizes[name] = _size(value)
            self.inserted += self.sizes[name]
            return _escaped_value(value) if escape else value
        out: list[str] = []
        done = 0
        for name, marker, start, end in slots:
            if marker is not None:
                self.problems.append((path, "'raw:' only has a meaning in a shell command"))
            piece = format_value(self.get(name, path))
            self.characters += len(piece)
            out.append(text[done:start])
            out.append(_escaped(piece) if escape else piece)
            done = end
        out.append(text[done:])
        return "".join(out)

    def condition(self, text: str, path: KeyPath) -> Any:
        """A `when:` condition: each value is written as a literal of the condition language."""
        try:
            slots = _params(text)
        except ExpressionError as exc:
            self.problems.append((path, f"invalid condition: {exc}"))
            return text
        out: list[str] = []
        done = 0
        for name, _, start, end in slots:
            literal = json.dumps(self.get(name, path), ensure_ascii=False)
            out.append(text[done:start])
            out.append(literal.replace("${", "\\${"))
            done = end
        out.append(text[done:])
        return "".join(out)

    def command(self, value: Any, path: KeyPath) -> Any:
        """A shell command string: each value quoted for where it lands (`${raw:param.x}`
        inserts it as shell code, the author's explicit choice, as with inputs)."""
        if not isinstance(value, str) or "${" not in value:
            return self.value(value, path)
        try:
            pieces = split(value, Budget(), shell=True)
        except ExpressionError as exc:
            self.problems.append((path, f"invalid reference: {exc}"))
            return value
        slots = [(i, p) for i, p in enumerate(pieces) if isinstance(p, Slot)]
        params = [(i, s) for i, s in slots if s.ref.root == PARAM]
        if not params:
            return value
        if len(pieces) == 1 and not params[0][1].raw:  # the whole command: one word or argv
            found = self.get(str(params[0][1].ref.path[0]), path)
            if isinstance(found, list):
                return _escaped_value(found)
            return _escaped(quote(format_value(found), ShellContext.WORD))
        raw = {i: format_value(self.get(str(s.ref.path[0]), path)) for i, s in params if s.raw}
        try:
            contexts = iter(analyse(shell_items(pieces, raw)))
        except ShellSyntaxError as exc:
            self.problems.append((path, f"cannot place a parameter safely: {exc.message}"))
            return value
        out: list[str] = []
        done = 0
        for index, slot in slots:
            where = None if index in raw else next(contexts)
            if slot.ref.root != PARAM:
                continue
            out.append(value[done : slot.position])
            text = raw.get(index, format_value(self.get(str(slot.ref.path[0]), path)))
            if where is not None:
                try:
                    text = quote(text, where)
                except ValueError as exc:
                    self.problems.append((path, f"{slot.label}: {exc}"))
            out.append(_escaped(text))
            done = slot.end
        out.append(value[done:])
        return "".join(out)


def _params(text: str) -> list[tuple[str, str | None, int, int]]:
    """The parameter placeholders of `text`: (name, marker, start, end). Most strings hold
    only plain `${param.NAME}`s, found with one regular expression; any other `$` sends the
    string through the reference scanner, which also says what is malformed."""
    found: list[tuple[str, str | None, int, int]] = [
        (m.group(1), None, m.start(), m.end()) for m in _PLAIN_PARAM.finditer(text)
    ]
    if len(found) == text.count("$"):
        return found
    return [
        (str(ref.path[0]), marker, start, end)
        for ref, marker, start, end in _references(text)
        if ref.root == PARAM
    ]


_PLAIN_PARAM = re.compile(r"\$\{param\.([A-Za-z_][A-Za-z0-9_-]*)\}")


def _references(text: str) -> Iterator[tuple[Reference, str | None, int, int]]:
    """Each `${...}` of `text` with its marker and span; `$${` (a literal `${`) is skipped."""
    i = 0
    while True:
        j = text.find("$", i)
        if j < 0:
            return
        if text.startswith("$${", j):
            i = j + 3
        elif text.startswith("${", j):
            ref, marker, i = scan_marked(text, j)
            yield ref, marker, j, i
        else:
            i = j + 1


def _size(value: Any) -> int:
    """How many values `value` holds, itself included (as `loader.shape` counts them)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _escaped(text: str) -> str:
    return text.replace("${", "$${")


def _escaped_value(value: Any) -> Any:
    """A value placed whole where the engine reads references: its strings' `${` escaped."""
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, Mapping):
        return {k: _escaped_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped_value(v) for v in value]
    return value

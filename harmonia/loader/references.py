"""The `${...}` references of one task: in its input and its `when:` condition.

A reference must start at a known root, name a declared input, or name a task upstream of its
own (the engine would otherwise have no value to put in). Each input is compiled once, whole,
as the engine compiles it (one of plain values not at all); only when something is wrong are
its strings compiled one by one, to say which field holds the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from harmonia.errors import Problem
from harmonia.expressions import (
    CONTEXT_FIELDS,
    ITEM_ROOTS,
    MAX_TEMPLATE_NODES,
    Condition,
    ExpressionError,
    Reference,
    Template,
    compile_condition,
    compile_shell_template,
    compile_template,
)
from harmonia.loader.document import Document, KeyPath
from harmonia.model import suggest, unknown_input_message
from harmonia.taskenv import ALWAYS_WITHHELD

__all__ = ["ReferenceChecker", "Upstream", "is_plain"]


class ReferenceChecker:
    """Checks references against the workflow's inputs and tasks, adding each problem, located
    in `document`, to `problems`."""

    def __init__(
        self,
        inputs: Collection[str],
        task_ids: list[str],
        document: Document,
        problems: list[Problem],
        component_problem: Callable[[str], str | None] | None = None,
    ) -> None:
        self.component_problem = component_problem
        """What is wrong with `${components.NAME...}` (the registry's `url_problem`)."""
        self._components: dict[str, str | None] = {}
        self.inputs = list(inputs)
        self.task_ids = task_ids
        self.known_tasks = frozenset(task_ids)
        self.document = document
        self.problems = problems
        self.fan_out: frozenset[str] = frozenset()
        """The tasks with `for_each`: only they may use `${item}` and `${index}`."""

    def report(self, message: str, path: KeyPath) -> None:
        self.problems.append(self.document.problem(message, path))

    def check_references(
        self, refs: Iterable[Reference], task_id: str, up: Upstream, path: KeyPath
    ) -> None:
        """Report what is wrong with each of `refs`, written at `path`, used in `task_id`."""
        for ref in refs:
            message = self.problem(ref, task_id, up)
            if message is not None:
                self.report(message, path)

    def check_input(
        self, task_id: str, raw_input: Mapping[str, Any], shell: Collection[str], up: Upstream
    ) -> bool:
        """Check a task input; returns whether it compiled without any reference (static)."""
        if is_plain(raw_input):
            return True
        base = ("tasks", task_id, "input")
        try:
            template = compile_template(raw_input, shell)
        except ExpressionError as exc:
            self._check_strings(task_id, raw_input, shell, up, exc)
            return False
        for ref in template.references:
            message = self.problem(ref, task_id, up)
            if message is not None:
                for path, compiled in _compiled_strings(raw_input, base, shell):
                    if ref in compiled.references:
                        self.report(message, path)
        return template.is_static

    def _check_strings(
        self,
        task_id: str,
        raw_input: Mapping[str, Any],
        shell: Collection[str],
        up: Upstream,
        whole: ExpressionError,
    ) -> None:
        """Each string apart, to name the field of each error; the input's own limits (size,
        depth) are reported on the whole input when no string is wrong."""
        base = ("tasks", task_id, "input")
        string_errors = False
        for path, text in _strings(raw_input, base):
            try:
                compiled = _compile_string(text, path, base, shell)
            except ExpressionError as exc:
                self.report(f"invalid reference: {exc}", path)
                string_errors = True
                continue
            self.check_references(compiled.references, task_id, up, path)
        if not string_errors:
            self.report(f"invalid input: {whole}", base)

    def check_when(self, task_id: str, when: str | bool, up: Upstream) -> None:
        text = ("true" if when else "false") if isinstance(when, bool) else when
        path = ("tasks", task_id, "when")
        try:
            condition = compile_condition(text)
        except ExpressionError as exc:
            self.report(f"invalid condition: {exc}", path)
            return
        self.check_references(condition.references, task_id, up, path)
        if condition.status_literals:
            self._check_status_literals(condition, path)

    def _check_status_literals(self, condition: Condition, path: KeyPath) -> None:
        """`tasks.a.status == 'complete'` is false on every run, silently skipping the task:
        a string compared with a status must be one of the statuses."""
        from harmonia.state.model import TaskStatus  # only for a condition that reads one

        statuses = [str(status) for status in TaskStatus]
        for ref, text, position in condition.status_literals:
            if text in statuses:
                continue
            hint = suggest(text, statuses)
            self.report(
                f"{ref.text} is compared with {text!r}, which is not a task status"
                f"{' (' + hint + ')' if hint else ''}; statuses: {', '.join(statuses)} "
                f"(at position {position} in {condition.text!r})",
                path,
            )

    def problem(self, ref: Reference, task_id: str, upstream: Upstream) -> str | None:
        """What is wrong with `ref` used in task `task_id`, or None."""
        # the root is known: `harmonia.expressions` refuses a reference with any other
        if ref.root == "input":
            name = ref.path[0] if ref.path else None
            if not isinstance(name, str):
                return f"{ref} must name an input, e.g. input.NAME"
            if name not in self.inputs:
                return unknown_input_message(name, self.inputs)
        elif ref.root == "env":
            if ref.path and ref.path[0] in ALWAYS_WITHHELD:
                return (
                    f"{ref} can never have a value: tasks never see Harmonia's own secrets "
                    "(pass what the task needs in a variable of its own)"
                )
        elif ref.root == "tasks":
            return self._task_problem(ref, task_id, upstream)
        elif ref.root in CONTEXT_FIELDS:
            return _context_problem(ref)
        elif ref.root in ITEM_ROOTS and task_id not in self.fan_out:
            return f"{ref} only has a value in a task with for_each (the current item)"
        elif ref.root == "param":
            return (
                f"{ref} is a template parameter: only a template's workflow body may use it "
                "(it is replaced when the template is instantiated)"
            )
        elif ref.root == "components" and self.component_problem is not None:
            name = str(ref.path[0])
            if name not in self._components:  # asked once per name, not once per task
                self._components[name] = self.component_problem(name)
            return self._components[name]
        return None

    def _task_problem(self, ref: Reference, task_id: str, upstream: Upstream) -> str | None:
        target = ref.task_id
        if target is None:
            return f"{ref} must name a task, e.g. tasks.ID.output"
        if target not in self.known_tasks:
            hint = suggest(target, self.task_ids)
            return f"references unknown task '{target}'" + (
                f"; {hint}" if hint else f"; tasks: {', '.join(self.task_ids)}"
            )
        if target == task_id:
            return f"{ref} refers to the task itself; a task cannot use its own result"
        if target not in upstream:
            return (
                f"references task '{target}', which is not upstream of '{task_id}'; "
                "add it to depends_on"
            )
        if len(ref.path) < 2 or ref.path[1] not in ("output", "status"):
            return f"{ref} must be tasks.{target}.output[...] or tasks.{target}.status"
        return None


def _context_problem(ref: Reference) -> str | None:
    """`${workflow.nam}`: the engine's workflow and execution fields are few and fixed."""
    fields = CONTEXT_FIELDS[ref.root]
    name = ref.path[0] if ref.path else None
    if name not in fields:
        hint = suggest(str(name), fields) if isinstance(name, str) else ""
        return f"{ref} has no value: {ref.root} has {' and '.join(fields)}" + (
            f" ({hint})" if hint else ""
        )
    if len(ref.path) > 1:
        return f"{ref} has no value: {ref.root}.{name} is a string"
    return None


_LITERALS = frozenset({int, float, bool, type(None)})


def is_plain(raw_input: Mapping[str, Any]) -> bool:
    """Whether an input holds only literal scalars and strings without a `$`: it compiles to
    itself, with no reference and no error (far below every template limit), so the compiler,
    which most inputs of a large workflow would go through for nothing, is skipped."""
    if len(raw_input) >= MAX_TEMPLATE_NODES:
        return False
    for value in raw_input.values():
        kind = type(value)
        if kind is str:
            if "$" in value:
                return False
        elif kind not in _LITERALS:
            return False
    return True


def _compile_string(text: str, path: KeyPath, base: KeyPath, shell: Collection[str]) -> Template:
    """One string as the whole input's compilation treats it: a top-level shell field as a
    command whose references are quoted for the shell, anything else as a template."""
    if len(path) == len(base) + 1 and path[-1] in shell:
        return compile_shell_template(text)
    return compile_template(text)


def _compiled_strings(
    raw_input: Mapping[str, Any], base: KeyPath, shell: Collection[str]
) -> Iterator[tuple[KeyPath, Template]]:
    """The strings of an input that compiled whole, with references, each with its path."""
    for path, text in _strings(raw_input, base):
        if "$" in text:
            yield path, _compile_string(text, path, base, shell)


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every string value inside a task input, with its path (values only, not keys)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


class Upstream:
    """Whether a task is (transitively) upstream of `task_id`, answered lazily.

    Computing every task's full ancestor set up front is quadratic: ten seconds for a
    10,000-task DAG. Most references name a direct dependency, so look there first and walk
    further only when asked; the walk is memoised and safe on cyclic graphs.
    """

    __slots__ = ("_direct", "_graph", "_seen", "_stack")

    def __init__(self, graph: Mapping[str, list[str]], task_id: str) -> None:
        self._graph = graph
        self._direct = graph.get(task_id, [])
        self._seen: set[str] | None = None
        self._stack: list[str] = []

    def __contains__(self, target: object) -> bool:
        if target in self._direct:
            return True
        if self._seen is None:
            self._seen = set()
            self._stack = list(self._direct)
        seen = self._seen
        if target in seen:
            return True
        stack = self._stack
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self._graph.get(current, ()))
            if current == target:
                return True
        return False

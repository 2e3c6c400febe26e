"""The checks that span fields and tasks: dependencies and cycles, components and the input
of their actions, and `${...}` references.

They run on the raw data, so they run even when other parts of the file are invalid (every
problem in one pass, not one per attempt), and they visit each task once, since a workflow
of ten thousand tasks is checked before every run.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from typing import Any

from harmonia.components.approve import ApproveAction
from harmonia.components.base import Action, UnknownAction, UnknownComponent
from harmonia.components.registry import ComponentRegistry
from harmonia.errors import Problem
from harmonia.executors.placement import placement_problems
from harmonia.expressions import ExpressionError, compile_template
from harmonia.loader.document import Document, KeyPath
from harmonia.loader.fanout import check_fan_out_only, check_for_each, fan_out_tasks
from harmonia.loader.outputs import check_output
from harmonia.loader.references import ReferenceChecker, Upstream, is_plain
from harmonia.model import cycle_message, find_cycles, suggest
from harmonia.model.tasks import FAN_OUT_ONLY

__all__ = ["Checker"]

_MAX_PARALLEL, _MAX_ITEMS = FAN_OUT_ONLY  # (two names: a third would fail here)


class Checker:
    """Every cross-field problem of one document (`run()` returns them)."""

    def __init__(self, document: Document, data: Mapping[str, Any], registry: ComponentRegistry):
        self.document = document
        self.registry = registry
        raw_tasks = data.get("tasks")
        self.tasks: dict[str, Mapping[str, Any]] = {}
        self.task_ids: list[str] = []
        if isinstance(raw_tasks, Mapping):
            for task_id, task in raw_tasks.items():
                if isinstance(task_id, str):
                    self.task_ids.append(task_id)
                    if _is_mapping(task):
                        self.tasks[task_id] = task
        raw_inputs = data.get("input")
        inputs = (
            [name for name in raw_inputs if isinstance(name, str)]
            if isinstance(raw_inputs, Mapping)
            else []
        )
        self.problems: list[Problem] = []
        self.references = ReferenceChecker(
            inputs, self.task_ids, document, self.problems, registry.url_problem
        )
        self.references.fan_out = fan_out_tasks(self.tasks)
        self.output = data.get("output")
        self.data = data
        self.dynamic_cache: dict[str, bool] = {}
        self.actions: dict[tuple[str, str], Action | tuple[str, str] | None] = {}

    def run(self) -> list[Problem]:
        graph, in_file_order = self._check_dependencies()
        if not in_file_order:  # a file in dependency order has no cycle: skip the search
            for cycle in find_cycles(graph):
                self._add(cycle_message(cycle), ("tasks", cycle[0], "depends_on"))
        references = self.references
        fan_out = references.fan_out
        for task_id, task in self.tasks.items():
            action = self._action(task_id, task)
            # built only for a task that has references to check (most of a large file's
            # inputs are plain values, and its tasks have no `when`)
            upstream: Upstream | None = None
            raw_input = task.get("input", {})
            if type(raw_input) is dict or isinstance(raw_input, Mapping):  # `_is_mapping`
                if is_plain(raw_input):
                    static = True
                else:
                    upstream = Upstream(graph, task_id)
                    shell = action.shell_fields if action is not None else frozenset()
                    static = references.check_input(task_id, raw_input, shell, upstream)
                if action is not None:
                    self._check_input(task_id, task, action, raw_input, static)
            when = task.get("when")
            if when is not None and isinstance(when, str | bool):
                upstream = upstream or Upstream(graph, task_id)
                references.check_when(task_id, when, upstream)
            if task_id in fan_out:
                check_for_each(task_id, task, references, upstream or Upstream(graph, task_id))
                if isinstance(action, ApproveAction):
                    path = ("tasks", task_id, "for_each")
                    self._add("an approval gate (core.approve) cannot fan out", path)
            elif _MAX_PARALLEL in task or _MAX_ITEMS in task:  # most tasks: no call
                check_fan_out_only(task_id, task, references)
        check_output(self.references, self.output)
        for message, where in placement_problems(self.data, self.tasks):
            self._add(message, where)
        return self.problems

    def _add(self, message: str, path: KeyPath, line_path: KeyPath | None = None) -> None:
        self.problems.append(self.document.problem(message, path, line_path=line_path))

    def _check_dependencies(self) -> tuple[dict[str, list[str]], bool]:
        """Unknown and self dependencies; returns the graph of the valid edges, and whether
        every task comes after its dependencies in the file."""
        graph: dict[str, list[str]] = {task_id: [] for task_id in self.task_ids}
        position = {task_id: index for index, task_id in enumerate(graph)}
        in_order = True
        for task_id, task in self.tasks.items():
            deps = task.get("depends_on")
            if not deps or not isinstance(deps, list):
                continue
            edges = graph[task_id]
            mine = position[task_id]
            for index, dep in enumerate(deps):
                if not isinstance(dep, str):
                    continue  # a type problem, reported by the model
                if dep in edges:
                    continue  # a duplicate, reported by the model
                at = position.get(dep)
                if at is not None and dep != task_id:
                    edges.append(dep)
                    in_order = in_order and at < mine
                    continue
                path = ("tasks", task_id, "depends_on")
                if dep == task_id:
                    self._add("a task cannot depend on itself", path, (*path, index))
                else:
                    hint = suggest(dep, self.task_ids)
                    self._add(
                        f"unknown dependency '{dep}'"
                        + (f"; {hint}" if hint else f"; tasks: {', '.join(self.task_ids)}"),
                        path,
                        (*path, index),
                    )
        return graph, in_order

    def _action(self, task_id: str, task: Mapping[str, Any]) -> Action | None:
        """The task's action; an unknown component or action is reported (the registry is
        asked once per component and action, not once per task)."""
        component, name = task.get("component"), task.get("action")
        if not isinstance(component, str) or not component:
            return None
        key = (component, name if isinstance(name, str) else "")
        if key not in self.actions:
            self.actions[key] = self._look_up(component, key[1])
        found = self.actions[key]
        if isinstance(found, tuple):
            field, message = found
            self._add(message, ("tasks", task_id, field))
            return None
        return found

    def _look_up(self, component: str, name: str) -> Action | tuple[str, str] | None:
        """The action, or the field and message of what is unknown."""
        try:
            found = self.registry.get(component)
            if not name:
                return None
            return found.action(name)  # a remote one: checked against its tool list
        except UnknownComponent as exc:  # remote: not found, or its tools could not be read
            return "component", str(exc)
        except UnknownAction as exc:
            return "action", str(exc)

    def _check_input(
        self,
        task_id: str,
        task: Mapping[str, Any],
        action: Action,
        raw_input: Mapping[str, Any],
        static: bool,
    ) -> None:
        """The action's own check of the input, as far as it is literal. In an input that
        compiled `static`, only a key can look like a reference (keys are not templated)."""
        is_dynamic = self._is_dynamic_key if static else self._is_dynamic
        try:
            found = action.check_static_input(raw_input, is_dynamic)
        except Exception as exc:  # a component's bug must not hide every other problem
            self._add(
                f"the input could not be checked by {task.get('component')}.{task.get('action')}: "
                f"{type(exc).__name__}: {exc}",
                ("tasks", task_id, "input"),
            )
            return
        for item in found:
            self._add(item.message, ("tasks", task_id, "input", *_parse_field_path(item.field)))

    def _is_dynamic(self, value: Any) -> bool:
        """Whether a value holds a `${...}` reference (syntax errors count: reported apart)."""
        if isinstance(value, str):
            if "$" not in value:
                return False
            cached = self.dynamic_cache.get(value)
            if cached is None:
                cached = _is_dynamic(value)
                self.dynamic_cache[value] = cached
            return cached
        return _is_dynamic(value)

    def _is_dynamic_key(self, value: Any) -> bool:
        return isinstance(value, str) and self._is_dynamic(value)


def _is_mapping(value: object) -> bool:
    """`isinstance(value, Mapping)`, with parsed data's dicts answered without the ABC's
    check (~0.3 µs each, three times per task of a 10,000-task file)."""
    return type(value) is dict or isinstance(value, Mapping)


def _is_dynamic(value: Any) -> bool:
    try:
        return not compile_template(value).is_static
    except ExpressionError:
        return True


def _parse_field_path(text: str) -> KeyPath:
    """`"headers.Accept"` / `"args[0]"` (a component's field path) -> key path parts."""
    parts: list[Hashable] = []
    for piece in re.findall(r"[^.\[\]]+|\[\d+\]", text):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(parts)

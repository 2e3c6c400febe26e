"""Read a workflow file and check everything about it before anything runs.

A workflow that fails half-way because of a typo in its last task wastes the work of the first
ones, so the loader finds every problem up front: syntax, unknown fields, types, the dependency
graph, components and actions, action inputs, and `${...}` references. All of them are reported
together in one `ValidationFailed`, each with the file, the line (for YAML, and for JSON when it
is also readable as YAML), the task and the dotted field path, so the author fixes the whole file
in one pass.

Field paths are dotted, with list indices as `[i]` (`input.args[0]`). Problems about a whole list
of names (`depends_on`, `retry_policy.retry_on`) name the list and point at the item's line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, NoReturn, Union, get_args, get_origin

import pydantic
import yaml

from harmonia.components import default_registry
from harmonia.components.base import ComponentRegistry, UnknownAction, UnknownComponent
from harmonia.errors import Problem, ValidationFailed
from harmonia.expressions import (
    REFERENCE_ROOTS,
    ExpressionError,
    Reference,
    compile_condition,
    compile_shell_template,
    compile_template,
)
from harmonia.jsonlimits import (
    HugeInteger,
    big_integer_message,
    find_big_integers,
    is_big_integer,
    read_int,
)
from harmonia.model import (
    IDENTIFIER_PATTERN,
    LOADER_CONTEXT_KEY,
    Workflow,
    cycle_message,
    describe_value,
    find_cycles,
    suggest,
    unknown_input_message,
)
from harmonia.taskenv import ALWAYS_WITHHELD

__all__ = ["load_workflow_dict", "load_workflow_file", "load_workflow_text"]

Path_ = tuple[Hashable, ...]

# libyaml's safe loader when PyYAML was built with it: the same safe constructors, ten times
# faster on large files (line numbers for a 10,000-task file cost seconds in pure Python).
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, except that an integer of more digits than Python converts becomes a
    `HugeInteger` to report (with its line), not a ValueError out of the parser."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | HugeInteger:
        try:
            return super().construct_yaml_int(node)  # type: ignore[no-any-return]
        except ValueError:
            return HugeInteger(str(node.value))


SafeLoader.add_constructor("tag:yaml.org,2002:int", SafeLoader.construct_yaml_int)
_SafeLoader = SafeLoader
Format = Literal["yaml", "json"]

#: Beyond this many values (counting each use of a YAML alias) a document is rejected: a few
#: lines of nested aliases can otherwise expand into billions of values during the checks.
MAX_VALUES = 1_000_000

_MERGE_TAG = "tag:yaml.org,2002:merge"

_SUFFIX_FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def load_workflow_file(path: str | Path, registry: ComponentRegistry | None = None) -> Workflow:
    """Load a workflow file: YAML for .yaml/.yml, JSON for .json, otherwise judged by content.

    A file that cannot be read is a problem like any other, so callers handle one exception.
    """
    source = str(path)
    suffix = Path(path).suffix.lower()
    fmt = _SUFFIX_FORMATS.get(suffix)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # editors on Windows add a BOM
    except (OSError, UnicodeDecodeError) as exc:
        problem = Problem(f"cannot read the file: {exc}", file=source)
        raise ValidationFailed(problems=[problem]) from None
    return load_workflow_text(text, source=source, fmt=fmt, registry=registry)


def load_workflow_text(
    text: str,
    *,
    source: str = "<text>",
    fmt: Format | None = None,
    registry: ComponentRegistry | None = None,
) -> Workflow:
    """Load a workflow from YAML or JSON text.

    `fmt=None` judges by content: text starting with `{` or `[` is read as JSON, or as YAML if
    it is not valid JSON (flow style); anything else is YAML.
    """
    if fmt is not None:
        parsed = _parse_json(text, source) if fmt == "json" else _parse_yaml(text, source)
    elif text.lstrip().startswith(("{", "[")):
        parsed = _parse_json(text, source)
        if parsed.fatal:
            # YAML flow style (`{name: w, tasks: ...}`) also starts with a brace
            as_yaml = _parse_yaml(text, source)
            if not as_yaml.fatal:
                parsed = as_yaml
    else:
        parsed = _parse_yaml(text, source)
    return _load(parsed, registry)


def load_workflow_dict(
    doc: Mapping[str, Any],
    *,
    source: str = "<dict>",
    registry: ComponentRegistry | None = None,
) -> Workflow:
    """Load a workflow from already parsed data (an API body, a stored `to_document()`)."""
    return _load(_Parsed(source=source, data=doc), registry)


def load_stored_workflow(doc: Mapping[str, Any]) -> Workflow:
    """Rebuild a workflow that was fully validated before it was stored with an execution.

    Resume and crash recovery go through here: the document's references, components and
    graph were checked when it was first loaded, and re-checking a 10,000-task workflow costs
    most of a second that an operator waits for. The models still validate their fields, and
    unknown components still fail when the execution plan is compiled.
    """
    return Workflow.model_validate(doc, context={LOADER_CONTEXT_KEY: True})


# --------------------------------------------------------------------------------------------
# Parsing: data plus a map from key paths to lines


@dataclass
class _Parsed:
    """A parsed document and where its parts came from."""

    source: str
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False  # nothing usable was parsed: stop after reporting `problems`

    def line(self, path: Path_) -> int | None:
        """Line of `path`, or of its closest ancestor that has one (missing keys have none)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def problem(self, message: str, path: Path_, *, line_path: Path_ | None = None) -> Problem:
        """A problem at `path`, split into task and field the way users read a workflow."""
        task, field_ = _locate(path)
        line = self.line(path if line_path is None else line_path)
        return Problem(message, file=self.source, line=line, task=task, field=field_)


def _locate(path: Path_) -> tuple[str | None, str | None]:
    """Split a key path into task and field.

    `("tasks", "fetch", "retry_policy", "max_retries")` -> `("fetch", "retry_policy.max_retries")`.
    """
    if len(path) >= 2 and path[0] == "tasks":
        return str(path[1]), _dotted(path[2:])
    return None, _dotted(path)


def _dotted(parts: Path_) -> str | None:
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


def _parse_yaml(text: str, source: str) -> _Parsed:
    """Parse with SafeLoader, keeping the node tree for lines and duplicate keys.

    The node tree is composed once and constructed from that same tree, so lines always refer
    to the data that is validated. Duplicate keys are detected on the tree because SafeLoader
    silently keeps the last one, which hides a real mistake.
    """
    parsed = _Parsed(source=source)
    loader: yaml.SafeLoader | None = None
    try:
        loader = _SafeLoader(text)
        node = loader.get_single_node()
        if node is not None:
            _index_yaml(node, (), parsed, loader, set())
            parsed.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = ": ".join(str(p) for p in (exc.context, exc.problem) if p)
        parsed.problems.append(
            Problem(
                f"YAML syntax error: {message or exc}",
                file=source,
                line=mark.line + 1 if mark is not None else None,
            )
        )
        parsed.fatal = True
    except yaml.YAMLError as exc:  # ReaderError: characters YAML does not allow
        parsed.problems.append(Problem(f"YAML syntax error: {exc}", file=source))
        parsed.fatal = True
    except RecursionError:
        parsed.problems.append(Problem("the document is nested too deeply", file=source))
        parsed.fatal = True
    finally:
        if loader is not None:
            loader.dispose()
    return parsed


def _index_yaml(
    node: yaml.Node, path: Path_, parsed: _Parsed, loader: yaml.SafeLoader, seen: set[int]
) -> None:
    """Record the line of every key and list item under `node`, and every duplicate key.

    A node reached again through an alias is not walked twice: its lines are those of its
    anchor, and skipping it keeps nested aliases from costing exponential time.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    parsed.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_line: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue  # merged keys keep their own lines; complex keys fail construction
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                continue
            parsed.lines[(*path, key)] = line
            if key in first_line:
                parsed.problems.append(
                    parsed.problem(
                        f"duplicate key '{key}' (first at line {first_line[key]}); "
                        "only the last value would be used",
                        (*path, key),
                    )
                )
            else:
                first_line[key] = line
            _index_yaml(value_node, (*path, key), parsed, loader, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            parsed.lines[(*path, index)] = item.start_mark.line + 1
            _index_yaml(item, (*path, index), parsed, loader, seen)


def _parse_json(text: str, source: str) -> _Parsed:
    """Parse JSON strictly with the json module; borrow lines from YAML when it can read it.

    JSON is nearly a subset of YAML, so composing the same text with SafeLoader usually gives
    line numbers for free; when it cannot (tabs, some escapes), problems just have no line.
    """
    parsed = _Parsed(source=source)
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((result, key))
            result[key] = value
        return result

    try:
        try:
            parsed.data = json.loads(text, object_pairs_hook=pairs_hook)
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer of too many digits to convert: read it to report it
            duplicates.clear()
            parsed.data = json.loads(text, object_pairs_hook=pairs_hook, parse_int=read_int)
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            Problem(f"JSON syntax error: {exc.msg}", file=source, line=exc.lineno)
        )
        parsed.fatal = True
        return parsed
    except RecursionError:
        parsed.problems.append(Problem("the document is nested too deeply", file=source))
        parsed.fatal = True
        return parsed
    try:
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                scratch = _Parsed(source=source)
                _index_yaml(node, (), scratch, loader, set())
                parsed.lines = scratch.lines
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError):
        pass
    if duplicates:
        paths = {id(container): path for path, container in _containers(parsed.data)}
        for container, key in duplicates:
            path = (*paths.get(id(container), ()), key)
            parsed.problems.append(
                parsed.problem(f"duplicate key '{key}'; only the last value would be used", path)
            )
    return parsed


def _containers(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every dict and list in freshly parsed JSON (a tree: no sharing, no cycles)."""
    if isinstance(data, dict):
        yield path, data
        for key, value in data.items():
            yield from _containers(value, (*path, key))
    elif isinstance(data, list):
        yield path, data
        for index, value in enumerate(data):
            yield from _containers(value, (*path, index))


# --------------------------------------------------------------------------------------------
# Validation


def _load(parsed: _Parsed, registry: ComponentRegistry | None) -> Workflow:
    problems = list(parsed.problems)
    if parsed.fatal:
        _raise(problems)
    data = parsed.data
    if not isinstance(data, Mapping):
        what = "empty" if data is None else f"{describe_value(data)}"
        message = (
            "the document is empty; a workflow is a mapping with at least 'name' and 'tasks'"
            if data is None
            else f"the top level must be a mapping with 'name' and 'tasks', not {what}"
        )
        problems.append(Problem(message, file=parsed.source, line=parsed.line(())))
        _raise(problems)
    shape, big_integers = _shape_problem(data)
    if shape is not None:
        problems.append(Problem(shape, file=parsed.source, line=1 if parsed.lines else None))
        _raise(problems)
    if big_integers:
        # the models and checks below would choke on them (and the journal could not hold them)
        for path, value in find_big_integers(data):
            problems.append(parsed.problem(big_integer_message(value), path))
        _raise(problems)

    workflow: Workflow | None = None
    try:
        workflow = Workflow.model_validate(data, context={LOADER_CONTEXT_KEY: True})
    except pydantic.ValidationError as exc:
        problems.extend(_pydantic_problems(exc, parsed))
    problems.extend(_Checker(parsed, data, registry or default_registry()).run())
    if problems or workflow is None:
        _raise(problems)
    return workflow


def _raise(problems: list[Problem]) -> NoReturn:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line or 0, p.message, p.task or "", p.field or ""))
    raise ValidationFailed(problems=unique)


def _shape_problem(data: Any) -> tuple[str | None, bool]:
    """Reject self-containing or alias-bombed documents before anything walks them; and say
    whether the document holds an integer beyond 64 bits (found on the same walk)."""
    count = 0
    on_path: set[int] = set()
    big = False

    def walk(value: Any) -> str | None:
        nonlocal count, big
        count += 1
        if count > MAX_VALUES:
            return f"the document has more than {MAX_VALUES} values (after expanding aliases)"
        if not big and is_big_integer(value):
            big = True
        if isinstance(value, Mapping | list | tuple):
            if id(value) in on_path:
                return "the document contains itself (a recursive YAML alias)"
            on_path.add(id(value))
            items = value.values() if isinstance(value, Mapping) else value
            for item in items:
                problem = walk(item)
                if problem is not None:
                    return problem
            on_path.discard(id(value))
        return None

    try:
        return walk(data), big
    except RecursionError:
        return "the document is nested too deeply", big


_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "dict_type": "a mapping",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


_BOUND_WORDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


def _pydantic_problems(exc: pydantic.ValidationError, parsed: _Parsed) -> list[Problem]:
    """Turn pydantic's errors into located problems with wording for workflow authors."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: Path_ = tuple(error["loc"])
        kind = error["type"]
        value = error.get("input")
        if loc and loc[-1] == "[key]":
            # pydantic may normalise the key in `loc` (True -> 1); the input is the key as read
            loc = (*loc[:-2], value) if len(loc) >= 2 else loc[:-1]
            message = _key_message(loc, value, kind, error["msg"])
        elif kind == "extra_forbidden":
            known = _fields_at(loc[:-1])
            hint = suggest(str(loc[-1]), known) if known else ""
            message = "unknown field" + (f"; {hint}" if hint else "")
            if not hint and known:
                message += f"; valid fields: {', '.join(known)}"
        elif kind == "missing":
            message = "required field missing"
        elif kind == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, got {describe_value(value)}"
            if kind == "string_type" and isinstance(value, int | float | bool):
                message += " (put it in quotes to make it a string)"
        elif kind in _BOUND_WORDS:
            word, key = _BOUND_WORDS[kind]
            bound = error.get("ctx", {}).get(key)
            message = f"must be {word} {bound}, got {describe_value(value)}"
        elif kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
            message = "must not be empty"
        elif kind == "literal_error":
            message = f"{error['msg']}, got {describe_value(value)}"
        elif kind == "too_short" and loc == ("tasks",):
            message = "a workflow needs at least one task"
        else:
            message = error["msg"]
        problems.append(parsed.problem(message, loc))
    return problems


def _key_message(loc: Path_, key: Any, kind: str, default: str) -> str:
    what = {"tasks": "task id", "input": "input name"}.get(str(loc[0]) if loc else "", "key")
    if kind == "string_pattern_mismatch":
        return (
            f"invalid {what} '{key}': must start with a letter or '_' and contain only "
            f"letters, digits, '_' and '-' ({IDENTIFIER_PATTERN})"
        )
    if kind == "string_type":
        hint = " (YAML reads yes/no/on/off as booleans: quote it)" if isinstance(key, bool) else ""
        return f"invalid {what} {describe_value(key)}: must be a string{hint}"
    return default


def _fields_at(path: Path_) -> list[str]:
    """Field names of the model found at `path` below `Workflow`, for "did you mean" hints."""
    current: Any = Workflow
    for part in path:
        current = _unwrap_optional(current)
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return []
    current = _unwrap_optional(current)
    if isinstance(current, type) and issubclass(current, pydantic.BaseModel):
        return list(current.model_fields)
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        if len(members) == 1:
            return members[0]
    return annotation


def _parse_field_path(text: str) -> Path_:
    """`"headers.Accept"` / `"args[0]"` (a component's field path) -> key path parts."""
    parts: list[Hashable] = []
    for piece in re.findall(r"[^.\[\]]+|\[\d+\]", text):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(parts)


class _Checker:
    """The checks that span fields and tasks, on the raw data so they run even when other
    parts of the file are invalid (every problem in one pass, not one per attempt)."""

    def __init__(self, parsed: _Parsed, data: Mapping[str, Any], registry: ComponentRegistry):
        self.parsed = parsed
        self.registry = registry
        raw_tasks = data.get("tasks")
        self.tasks: dict[str, Mapping[str, Any]] = {}
        self.task_ids: list[str] = []
        if isinstance(raw_tasks, Mapping):
            for task_id, task in raw_tasks.items():
                if isinstance(task_id, str):
                    self.task_ids.append(task_id)
                    if isinstance(task, Mapping):
                        self.tasks[task_id] = task
        raw_inputs = data.get("input")
        self.inputs = (
            [name for name in raw_inputs if isinstance(name, str)]
            if isinstance(raw_inputs, Mapping)
            else []
        )
        self.problems: list[Problem] = []
        self.dynamic_cache: dict[str, bool] = {}

    def run(self) -> list[Problem]:
        graph = self._check_dependencies()
        for cycle in find_cycles(graph):
            first = cycle[0]
            self._add(cycle_message(cycle), ("tasks", first, "depends_on"))
        for task_id, task in self.tasks.items():
            self._check_component(task_id, task)
            self._check_references(task_id, task, _Upstream(graph, task_id))
        return self.problems

    def _add(self, message: str, path: Path_, line_path: Path_ | None = None) -> None:
        self.problems.append(self.parsed.problem(message, path, line_path=line_path))

    def _check_dependencies(self) -> dict[str, list[str]]:
        """Unknown and self dependencies; returns the graph of the valid edges."""
        graph: dict[str, list[str]] = {task_id: [] for task_id in self.task_ids}
        for task_id, task in self.tasks.items():
            deps = task.get("depends_on")
            if not isinstance(deps, list):
                continue
            path = ("tasks", task_id, "depends_on")
            for index, dep in enumerate(deps):
                if not isinstance(dep, str):
                    continue  # a type problem, reported by the model
                if dep == task_id:
                    self._add("a task cannot depend on itself", path, (*path, index))
                elif dep not in graph:
                    hint = suggest(dep, self.task_ids)
                    self._add(
                        f"unknown dependency '{dep}'"
                        + (f"; {hint}" if hint else f"; tasks: {', '.join(self.task_ids)}"),
                        path,
                        (*path, index),
                    )
                elif dep not in graph[task_id]:
                    graph[task_id].append(dep)
        return graph

    def _check_component(self, task_id: str, task: Mapping[str, Any]) -> None:
        component, action_name = task.get("component"), task.get("action")
        if not isinstance(component, str) or not component:
            return
        try:
            self.registry.get(component)
        except UnknownComponent as exc:
            self._add(str(exc), ("tasks", task_id, "component"))
            return
        if not isinstance(action_name, str) or not action_name:
            return
        try:
            action = self.registry.action(component, action_name)
        except UnknownAction as exc:
            self._add(str(exc), ("tasks", task_id, "action"))
            return
        raw_input = task.get("input", {})
        if not isinstance(raw_input, Mapping):
            return  # a type problem, reported by the model
        try:
            found = action.check_static_input(raw_input, self._is_dynamic)
        except Exception as exc:  # a component's bug must not hide every other problem
            self._add(
                f"the input could not be checked by {component}.{action_name}: "
                f"{type(exc).__name__}: {exc}",
                ("tasks", task_id, "input"),
            )
            return
        for item in found:
            sub = _parse_field_path(item.field)
            self._add(item.message, ("tasks", task_id, "input", *sub))

    def _is_dynamic(self, value: Any) -> bool:
        """Whether a value holds a `${...}` reference (syntax errors count: reported apart)."""
        if isinstance(value, str):
            cached = self.dynamic_cache.get(value)
            if cached is None:
                cached = _is_dynamic(value)
                self.dynamic_cache[value] = cached
            return cached
        return _is_dynamic(value)

    def _check_references(self, task_id: str, task: Mapping[str, Any], upstream: _Upstream) -> None:
        base = ("tasks", task_id)
        raw_input = task.get("input")
        if isinstance(raw_input, Mapping):
            string_errors = False
            shell_fields = self._shell_fields(task)
            for path, text in _strings(raw_input, (*base, "input")):
                try:
                    if len(path) == len(base) + 2 and path[-1] in shell_fields:
                        template = compile_shell_template(text)
                    else:
                        template = compile_template(text)
                except ExpressionError as exc:
                    self._add(f"invalid reference: {exc}", path)
                    string_errors = True
                    continue
                for ref in template.references:
                    self._check_reference(ref, task_id, upstream, path)
            if not string_errors:
                # Limits on the input as a whole (size, depth) only show when it is compiled as
                # the engine will compile it.
                try:
                    compile_template(raw_input, shell_fields)
                except ExpressionError as exc:
                    self._add(f"invalid input: {exc}", (*base, "input"))
        when = task.get("when")
        if isinstance(when, str | bool):
            text = ("true" if when else "false") if isinstance(when, bool) else when
            path = (*base, "when")
            try:
                condition = compile_condition(text)
            except ExpressionError as exc:
                self._add(f"invalid condition: {exc}", path)
                return
            for ref in condition.references:
                self._check_reference(ref, task_id, upstream, path)

    def _shell_fields(self, task: Mapping[str, Any]) -> frozenset[str]:
        """The input fields of the task's action that `/bin/sh` runs (quoted references)."""
        component, action = task.get("component"), task.get("action")
        if not isinstance(component, str) or not isinstance(action, str):
            return frozenset()
        try:
            return self.registry.action(component, action).shell_fields
        except Exception:  # an unknown component or action: reported by _check_component
            return frozenset()

    def _check_reference(
        self, ref: Reference, task_id: str, upstream: _Upstream, path: Path_
    ) -> None:
        if ref.root not in REFERENCE_ROOTS:
            hint = suggest(ref.root, REFERENCE_ROOTS)
            self._add(
                f"unknown reference root '{ref.root}' in {ref}"
                + (f" ({hint})" if hint else "")
                + f"; use one of: {', '.join(REFERENCE_ROOTS)}",
                path,
            )
        elif ref.root == "input":
            name = ref.path[0] if ref.path else None
            if not isinstance(name, str):
                self._add(f"{ref} must name an input, e.g. input.NAME", path)
            elif name not in self.inputs:
                self._add(unknown_input_message(name, self.inputs), path)
        elif ref.root == "env":
            if ref.path and ref.path[0] in ALWAYS_WITHHELD:
                self._add(
                    f"{ref} can never have a value: tasks never see Harmonia's own secrets "
                    "(pass what the task needs in a variable of its own)",
                    path,
                )
        elif ref.root == "tasks":
            target = ref.task_id
            if target is None:
                self._add(f"{ref} must name a task, e.g. tasks.ID.output", path)
            elif target not in self.task_ids:
                hint = suggest(target, self.task_ids)
                self._add(
                    f"references unknown task '{target}'"
                    + (f"; {hint}" if hint else f"; tasks: {', '.join(self.task_ids)}"),
                    path,
                )
            elif target == task_id:
                self._add(
                    f"{ref} refers to the task itself; a task cannot use its own result", path
                )
            elif target not in upstream:
                self._add(
                    f"references task '{target}', which is not upstream of '{task_id}'; "
                    "add it to depends_on",
                    path,
                )
            elif len(ref.path) < 2 or ref.path[1] not in ("output", "status"):
                self._add(
                    f"{ref} must be tasks.{target}.output[...] or tasks.{target}.status",
                    path,
                )


def _is_dynamic(value: Any) -> bool:
    try:
        return not compile_template(value).is_static
    except ExpressionError:
        return True


def _strings(value: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Every string value inside a task input, with its path (values only, not keys)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


class _Upstream:
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

"""Loading a template file, and instantiating a template into a workflow.

A template is checked as far as it can be before any value is known: its shape and parameter
specs, every `${param.NAME}` names a declared parameter and every parameter is used; and, when
every parameter has a default, the workflow those defaults make must load, so a broken body is
found when the template is imported rather than by its first caller. Instantiating checks the
given values (every bad one at once), substitutes them and loads the result as any workflow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pydantic

from harmonia.components import default_registry
from harmonia.components.base import UnknownAction, UnknownComponent
from harmonia.components.registry import ComponentRegistry
from harmonia.errors import Problem, ValidationFailed
from harmonia.gcpause import cycle_collection_paused
from harmonia.jsonlimits import big_integer_message, find_big_integers
from harmonia.loader.document import Document, KeyPath, split_path
from harmonia.loader.load import check_file_recursion, load_document
from harmonia.loader.problems import pydantic_problems, raise_problems
from harmonia.loader.shape import shape_of
from harmonia.loader.source import Format, read_file, read_text
from harmonia.loader.substitution import ShellFields, find_placeholders, substitute
from harmonia.model import TEMPLATE_KIND, TemplateSpec, Workflow, describe_value
from harmonia.model.template import unknown_parameter_message

__all__ = [
    "Instance",
    "Template",
    "instantiate",
    "is_template",
    "load_definition_file",
    "load_template_dict",
    "load_template_document",
    "load_template_file",
    "load_template_text",
]


@dataclass(frozen=True)
class Template:
    """A checked template: its spec, its document as written, and that document's digest
    (what a workflow made from it records, so a later change of the template shows)."""

    spec: TemplateSpec
    document: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class Instance:
    """A workflow made from a template, with every parameter's value (defaults included)."""

    workflow: Workflow
    parameters: dict[str, Any]


def is_template(data: Any) -> bool:
    """Whether parsed data is a template document (`kind: template`), not a workflow."""
    return isinstance(data, Mapping) and data.get("kind") == TEMPLATE_KIND


def load_definition_file(
    path: str | Path, registry: ComponentRegistry | None = None, *, keep: bool = True
) -> Workflow | Template:
    """A workflow file or a template file (`kind: template`), told apart by their content.

    `keep=False` when the result is only checked and dropped (`harmonia validate`): its
    strings are then not made one object each, which only saves memory while it is kept."""
    with cycle_collection_paused():
        document = read_file(path, share=keep)
        if is_template(document.data):
            return load_template_document(document, registry)
        workflow = load_document(document, registry)
    check_file_recursion(document, Path(path))  # as `load_workflow_file`: validate = run
    return workflow


def load_template_file(path: str | Path, registry: ComponentRegistry | None = None) -> Template:
    with cycle_collection_paused():
        return load_template_document(read_file(path), registry)


def load_template_text(
    text: str,
    *,
    source: str = "<text>",
    fmt: Format | None = None,
    registry: ComponentRegistry | None = None,
) -> Template:
    with cycle_collection_paused():
        return load_template_document(read_text(text, source, fmt), registry)


def load_template_dict(
    doc: Mapping[str, Any], *, source: str = "<dict>", registry: ComponentRegistry | None = None
) -> Template:
    with cycle_collection_paused():
        return load_template_document(Document(source=source, data=doc), registry)


def load_template_document(
    document: Document, registry: ComponentRegistry | None = None
) -> Template:
    """Every problem of a template document at once, each with its line where there is one."""
    problems = list(document.problems)
    if document.fatal:
        raise_problems(problems)
    data = document.data
    if not isinstance(data, Mapping) or data.get("kind") != TEMPLATE_KIND:
        got = describe_value(data.get("kind")) if isinstance(data, Mapping) else "no mapping"
        message = f"a template is a mapping with 'kind: template' (got {got})"
        raise_problems([*problems, Problem(message, file=document.source, line=1)])
    shape, big = document.shape or shape_of(data)
    if shape is not None:
        raise_problems([*problems, Problem(shape, file=document.source)])
    if big:
        problems += [
            _problem(document, big_integer_message(v), p) for p, v in find_big_integers(data)
        ]
        raise_problems(problems)
    try:
        spec = TemplateSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        raise_problems(problems + pydantic_problems(exc, document))
    problems += _placeholder_problems(document, spec)
    if problems:
        raise_problems(problems)
    template_doc = spec.model_dump(mode="json", exclude_unset=True)
    template = Template(spec, template_doc, digest_of(template_doc))
    if all(not p.required for p in spec.parameters.values()):
        try:
            instantiate(template, {}, registry=registry)
        except ValidationFailed as exc:
            raise_problems([_with_defaults(document, p) for p in exc.problems])
    return template


def _placeholder_problems(document: Document, spec: TemplateSpec) -> list[Problem]:
    problems: list[Problem] = []
    declared = list(spec.parameters)
    used: set[str] = set()
    for path, name, error in find_placeholders(spec.workflow, ("workflow",)):
        if name is None:
            problems.append(_problem(document, f"invalid reference: {error}", path))
        elif name not in spec.parameters:
            problems.append(_problem(document, unknown_parameter_message(name, declared), path))
        else:
            used.add(name)
    for name in declared:
        if name not in used:
            message = f"parameter '{name}' is never used: no ${{param.{name}}} in the workflow"
            problems.append(_problem(document, message, ("parameters", name)))
    return problems


def _problem(document: Document, message: str, path: KeyPath) -> Problem:
    """Located in the template: a task of the body is named as a task, as in a workflow."""
    inner = path[1:] if path[:1] == ("workflow",) else None
    task, field = split_path(inner) if inner else split_path(path)
    if inner is not None and task is None:
        field = "workflow" + (f".{field}" if field else "")
    return Problem(message, file=document.source, line=document.line(path), task=task, field=field)


def _with_defaults(document: Document, problem: Problem) -> Problem:
    message = f"with the parameters' defaults: {problem.message}"
    return Problem(message, file=document.source, task=problem.task, field=problem.field)


def digest_of(document: Mapping[str, Any]) -> str:
    return (
        "sha256:" + hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()
    )


def instantiate(
    template: Template,
    given: Mapping[str, Any],
    *,
    registry: ComponentRegistry | None = None,
    name: str | None = None,
) -> Instance:
    """The workflow the values make: values checked (all problems at once, each naming its
    parameter), substituted, and the result loaded as any workflow is."""
    registry = registry or default_registry()
    values = template.spec.check_values(given)
    source = f"template {template.spec.name}"
    document, problems = substitute(template.spec.workflow, values, _shell_fields(registry))
    if problems:
        located = [_located(source, message, path) for path, message in problems]
        raise ValidationFailed(problems=located)
    if name is not None:
        document["name"] = name
    # Its shape is known: the template's was checked when it was loaded, the values were
    # checked (64-bit integers) and what they add is bounded by `substitute`; no walk is due.
    checked = Document(source=source, data=document, shape=(None, False))
    with cycle_collection_paused():
        workflow = load_document(checked, registry)
    return Instance(workflow, values)


def _located(source: str, message: str, path: tuple[Hashable, ...]) -> Problem:
    task, field = split_path(path)
    return Problem(message, file=source, task=task, field=field)


def _shell_fields(registry: ComponentRegistry) -> ShellFields:
    """Which of a task's input fields are shell command strings, asked once per action; an
    unknown component or action has none here (the loader reports it afterwards)."""
    known: dict[tuple[Any, Any], frozenset[str]] = {}

    def fields(component: Any, action: Any) -> frozenset[str]:
        key = (component, action)
        if key not in known:
            found: frozenset[str] = frozenset()
            if isinstance(component, str) and isinstance(action, str):
                try:
                    found = frozenset(registry.action(component, action).shell_fields)
                except (UnknownComponent, UnknownAction):  # reported by the loader after
                    found = frozenset()
            known[key] = found
        return known[key]

    return fields

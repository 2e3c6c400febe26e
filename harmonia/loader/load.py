"""Loading a workflow: parse, then find every problem before anything runs.

A workflow that fails half-way because of a typo in its last task wastes the work of the first
ones, so every problem is found up front (syntax, shape, unknown fields, types, the dependency
graph, components and their inputs, references) and reported together in one
`ValidationFailed`, each with its file, line, task and field, so the author fixes the whole
file in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pydantic

from harmonia.components import default_registry
from harmonia.components.registry import ComponentRegistry
from harmonia.errors import Problem
from harmonia.gcpause import cycle_collection_paused
from harmonia.jsonlimits import big_integer_message, find_big_integers
from harmonia.loader.checks import Checker
from harmonia.loader.document import Document
from harmonia.loader.problems import pydantic_problems, raise_problems
from harmonia.loader.schedules import schedule_problems
from harmonia.loader.shape import shape_of
from harmonia.loader.source import Format, read_file, read_text
from harmonia.loader.subflows import Recursion, find_recursion, stored_path_calls
from harmonia.model import LOADER_CONTEXT_KEY, TEMPLATE_KIND, Workflow, describe_value
from harmonia.model.base import PLAIN_JSON_CONTEXT_KEY

__all__ = ["load_workflow_dict", "load_workflow_file", "load_workflow_text"]


def load_workflow_file(path: str | Path, registry: ComponentRegistry | None = None) -> Workflow:
    """Load a workflow file: YAML for .yaml/.yml, JSON for .json, otherwise judged by content.

    A file that cannot be read is a problem like any other, so callers handle one exception.
    """
    with cycle_collection_paused():
        document = read_file(path)
        workflow = load_document(document, registry)
    check_file_recursion(document, Path(path))
    return workflow


def check_file_recursion(document: Document, path: Path) -> None:
    """Refuse a file whose sub-workflow files call it back (A -> B -> A), naming the chain."""
    try:
        find_recursion(document.data, path.name, path.parent, key=str(path.resolve()))
    except Recursion as exc:
        where = ("tasks", exc.task, "input", "workflow")
        raise_problems([document.problem(str(exc), where)])


def load_workflow_text(
    text: str,
    *,
    source: str = "<text>",
    fmt: Format | None = None,
    registry: ComponentRegistry | None = None,
    stored: bool = False,
) -> Workflow:
    """Load a workflow from YAML or JSON text.

    `fmt=None` judges by content: text starting with `{` or `[` is read as JSON, or as YAML if
    it is not valid JSON (flow style); anything else is YAML. `stored`: see `load_document`.
    """
    with cycle_collection_paused():
        return load_document(read_text(text, source, fmt), registry, stored=stored)


def load_workflow_dict(
    doc: Mapping[str, Any],
    *,
    source: str = "<dict>",
    registry: ComponentRegistry | None = None,
    stored: bool = False,
) -> Workflow:
    """Load a workflow from already parsed data (an API body, a stored `to_document()`);
    `stored`: see `load_document`."""
    with cycle_collection_paused():
        return load_document(Document(source=source, data=doc), registry, stored=stored)


def load_document(
    document: Document, registry: ComponentRegistry | None = None, *, stored: bool = False
) -> Workflow:
    """The checks in order: what would make the next ones choke is reported on its own.
    `stored`: the workflow lives in a daemon, without a file, so a sub-workflow file path is
    a problem here rather than a failure of every run."""
    problems = list(document.problems)
    if document.fatal:
        raise_problems(problems)
    data = document.data
    if not isinstance(data, Mapping):
        message = (
            "the document is empty; a workflow is a mapping with at least 'name' and 'tasks'"
            if data is None
            else f"the top level must be an object with 'name' and 'tasks', not "
            f"{describe_value(data)}"
        )
        problems.append(Problem(message, file=document.source, line=document.line(())))
        raise_problems(problems)
    if data.get("kind") == TEMPLATE_KIND:
        message = (
            "this is a template (kind: template), not a workflow: import it with `harmonia "
            "templates import` (POST /api/v1/templates) and instantiate it"
        )
        raise_problems([*problems, Problem(message, file=document.source, line=document.line(()))])
    shape, big_integers = document.shape or shape_of(data)
    if shape is not None:
        line = 1 if document.lines else None
        problems.append(Problem(shape, file=document.source, line=line))
        raise_problems(problems)
    if big_integers:  # may hold: a value dropped for a duplicate key holds none any more
        big = [document.problem(big_integer_message(v), p) for p, v in find_big_integers(data)]
        if big:  # the models and checks below would choke on them (and the journal too)
            raise_problems(problems + big)

    workflow: Workflow | None = None
    try:
        context = {LOADER_CONTEXT_KEY: True, PLAIN_JSON_CONTEXT_KEY: document.plain_json}
        workflow = Workflow.model_validate(data, context=context)
    except pydantic.ValidationError as exc:
        problems.extend(pydantic_problems(exc, document))
    problems.extend(Checker(document, data, registry or default_registry()).run())
    problems.extend(schedule_problems(document, data, workflow))
    if stored:
        where = ("input", "workflow")
        calls = stored_path_calls(data)
        problems.extend(document.problem(m, ("tasks", task, *where)) for task, m in calls)
    if problems or workflow is None:
        raise_problems(problems)
    return workflow

"""Static recursion of sub-workflows: A calls A, or A -> B -> A, refused before anything runs.

Only literal `workflow:` references can be followed (a `${...}` one is bounded by the run-time
depth limit instead). Files are followed relative to the calling file's folder; stored ids
are followed only when the caller can read stored definitions (the engine, at start). The
workflows followed are parsed, not validated: their own problems are found when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from harmonia.components.childprotocol import is_workflow_path
from harmonia.errors import NotFound, ValidationFailed

__all__ = ["Recursion", "find_recursion", "stored_path_calls", "workflow_calls"]

ReadStored = Callable[[str], Mapping[str, Any]]
"""A stored workflow id -> its document (raises NotFound)."""


def workflow_calls(data: Any) -> Iterator[tuple[str, str]]:
    """`(task id, workflow reference)` of each `workflow.run` task with a literal reference."""
    tasks = data.get("tasks") if isinstance(data, Mapping) else None
    if not isinstance(tasks, Mapping):
        return
    for task_id, task in tasks.items():
        if not isinstance(task, Mapping) or task.get("component") != "workflow":
            continue
        raw_input = task.get("input")
        ref = raw_input.get("workflow") if isinstance(raw_input, Mapping) else None
        if isinstance(ref, str) and ref and "${" not in ref:
            yield str(task_id), ref


def stored_path_calls(data: Any) -> Iterator[tuple[str, str]]:
    """`(task id, message)` for each literal sub-workflow *file* of a workflow that is to be
    stored in a daemon: it runs there without its file, so no path could ever be read (the
    task would fail at run time, on every run). The message says what to give instead."""
    for task_id, ref in workflow_calls(data):
        if is_workflow_path(ref):
            message = (
                f"sub-workflow {ref!r} is a file path, but a workflow stored in the daemon "
                f"runs without its file: store the child first (`harmonia workflows add "
                f"{ref}`) and give the id it prints (workflow: wf-...)"
            )
            yield task_id, message


class Recursion(Exception):
    """A chain of workflows that calls its own start; `task` is the start's calling task."""

    def __init__(self, chain: list[str], task: str) -> None:
        self.chain = chain
        self.task = task
        super().__init__("sub-workflow recursion: " + " -> ".join(chain))


def find_recursion(
    data: Any,
    label: str,
    origin: Path | None,
    read_stored: ReadStored | None = None,
    *,
    key: str | None = None,
) -> None:
    """Raise `Recursion` if following the literal calls of `data` comes back to a workflow
    already on the chain. `label` names the start in the message; `key` identifies it (its
    resolved path) when it is a file itself."""
    start = key or f"<{label}>"
    _visit(data, origin, read_stored, [start], [label], {}, None)


def _visit(
    data: Any,
    origin: Path | None,
    read_stored: ReadStored | None,
    keys: list[str],
    labels: list[str],
    done: dict[str, bool],
    first_task: str | None,
) -> None:
    for task_id, ref in workflow_calls(data):
        task = first_task or task_id
        target = _target(ref, origin, read_stored)
        if target is None:
            continue
        key, child_origin, load = target
        if key in keys:
            raise Recursion([*labels, ref], task)
        if done.get(key):
            continue  # already explored from another task: no cycle through it
        child = load()
        if child is None:
            continue
        _visit(child, child_origin, read_stored, [*keys, key], [*labels, ref], done, task)
        done[key] = True


def _target(
    ref: str, origin: Path | None, read_stored: ReadStored | None
) -> tuple[str, Path | None, Callable[[], Any]] | None:
    if is_workflow_path(ref):
        if origin is None:
            return None
        path = (origin / ref).resolve()
        return str(path), path.parent, lambda: _read_file(path)
    if read_stored is None:
        return None
    return f"id:{ref}", None, lambda: _read_stored(read_stored, ref)


def _read_file(path: Path) -> Any:
    from harmonia.loader.source import read_file

    try:
        document = read_file(path)
    except ValidationFailed:
        return None  # unreadable: the run reports it
    return None if document.fatal else document.data


def _read_stored(read_stored: ReadStored, ref: str) -> Any:
    try:
        return read_stored(ref).get("document")
    except (NotFound, ValueError, OSError):
        return None  # missing or damaged: the run reports it

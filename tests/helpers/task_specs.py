"""Tasks of a workflow document, one call each, for tests that write many small workflows:
what a task does and what it waits for on one line, instead of a nested dict per task."""

from __future__ import annotations

from typing import Any


def core(action: str, *deps: str, **more: Any) -> dict[str, Any]:
    """A task of the `core` component that needs `deps` (`more` adds keys such as `input`)."""
    return needing({"component": "core", "action": action, **more}, deps)


def shell(command: str, *deps: str, **more: Any) -> dict[str, Any]:
    """A `shell` task running `command` that needs `deps` (`more` adds keys)."""
    task = {"component": "shell", "action": "run", "input": {"command": command}, **more}
    return needing(task, deps)


def needing(task: dict[str, Any], deps: tuple[str, ...]) -> dict[str, Any]:
    """`task` with `depends_on` set to `deps`, and none when it needs nothing."""
    if deps:
        task["depends_on"] = list(deps)
    return task

"""Short ways to write the task documents and to read the outcomes many tests share: a task on
one line instead of six, an execution's end as {status: task ids}. Tests then differ only
where their workflows and expectations do, not in the dict literals around them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def task(action: str, *after: str, rule: str | None = None, **fields: Any) -> dict[str, Any]:
    """`task("core.echo", "a", input=...)`: a task running `action` ("component.action", or
    "" to leave both to `engine_probe.workflow`'s probe default) after the tasks `after`
    (its depends_on) under trigger rule `rule`, with any other fields as given."""
    doc: dict[str, Any] = {}
    if action:
        doc["component"], doc["action"] = action.split(".")
    if after:
        doc["depends_on"] = list(after)
    if rule is not None:
        doc["trigger_rule"] = rule
    return doc | fields


def after(*parents: str, rule: str | None = None, **fields: Any) -> dict[str, Any]:
    """A probe task (engine_probe.workflow's default) after `parents`: `task("", ...)`."""
    return task("", *parents, rule=rule, **fields)


def by_status(tasks: Mapping[str, Any]) -> dict[str, set[str]]:
    """The ids of an execution's tasks grouped by their status (TaskState or the client's
    model): as strict as the id-to-status mapping, and one line to write for a whole run."""
    grouped: dict[str, set[str]] = {}
    for task_id, state in tasks.items():
        grouped.setdefault(state.status, set()).add(task_id)
    return grouped

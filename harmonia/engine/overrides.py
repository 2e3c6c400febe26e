"""An operator retry's input override, merged over what the task's input renders to.

Apart from `harmonia.engine.fixes` because the scheduler calls it on each attempt of a task
that has one (`TaskState.input_override`, set by the retry's `workflow_resumed` event).
"""

from __future__ import annotations

from typing import Any

from harmonia.errors import ErrorKind, TaskError
from harmonia.valuekinds import a_json_kind

__all__ = ["merge_override"]


def merge_override(rendered: Any, override: dict[str, Any] | None) -> Any:
    """An operator retry's input: `override`'s keys over the rendered input's (a task without
    input takes the override alone). Anything but a mapping cannot be merged into."""
    if override is None:
        return rendered
    if rendered is None:
        return dict(override)
    if not isinstance(rendered, dict):
        raise TaskError(
            f"the retry's input override needs an object input; this task's input is "
            f"{a_json_kind(rendered)}",
            ErrorKind.INVALID_INPUT,
        )
    return {**rendered, **override}

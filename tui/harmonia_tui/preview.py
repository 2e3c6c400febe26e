"""A task's declared input with its `${...}` references filled in from what the TUI knows.

Shown only when the engine's own rendering is not at hand: a task not started yet, or an attempt
recorded before `task_started` carried the rendered input. This is a copy of the engine's
resolution that has drifted (it ignores the `$${` escape): it is to be replaced by the preview
function of `harmonia.expressions`, behind the one call in `widgets/task_detail.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from harmonia.expressions import preview_shell_command

__all__ = ["resolve_references"]

_REFERENCE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_PATH_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(-?\d+)\]|\[['\"]([^'\"]*)['\"]\]")
_MISSING = object()


def _lookup(path: str, context: Mapping[str, Any]) -> Any:
    head, _, rest = path.partition(".")
    if head not in context:
        return _MISSING
    value: Any = context[head]
    position = 0
    rest = "." + rest if rest else ""
    while position < len(rest):
        match = _PATH_PART.match(rest, position)
        if match is None:
            return _MISSING
        position = match.end()
        name, index, quoted = match.groups()
        key: Any = name if name is not None else (quoted if quoted is not None else int(index))
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value


def resolve_references(
    template: Any, context: Mapping[str, Any], shell_fields: Collection[str] = ()
) -> Any:
    """A task's declared input with `${...}` references filled in from what is known.

    A string that is exactly one reference takes the referenced value (keeping its type); a
    reference inside longer text is formatted in; a reference that cannot be resolved here
    (`${env.X}`, an output not produced yet) is left as written. In `shell_fields` (a shell
    command string) values are quoted exactly as the engine will quote them.
    """
    if shell_fields and isinstance(template, Mapping):
        return {
            k: preview_shell_command(v, context)
            if k in shell_fields and isinstance(v, str)
            else resolve_references(v, context)
            for k, v in template.items()
        }
    if isinstance(template, str):
        whole = _REFERENCE.fullmatch(template.strip())
        if whole is not None:
            value = _lookup(whole.group(1), context)
            return template if value is _MISSING else value

        def substitute(match: re.Match[str]) -> str:
            value = _lookup(match.group(1), context)
            if value is _MISSING:
                return match.group(0)
            return value if isinstance(value, str) else _compact_json(value)

        return _REFERENCE.sub(substitute, template)
    if isinstance(template, Mapping):
        return {k: resolve_references(v, context) for k, v in template.items()}
    if isinstance(template, list):
        return [resolve_references(v, context) for v in template]
    return template


def _compact_json(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), default=str)

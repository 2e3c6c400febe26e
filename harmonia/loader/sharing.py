"""One string object per task id and per component or action name in freshly parsed data.

A parser makes a new `str` for every occurrence: in a large generated workflow each task's
`component`, `action` and every `depends_on` item is its own 50-byte object, kept for the whole
run by the models, the stored document and the engine's state (~185 bytes a task of a
100,000-task DAG). Equal strings are swapped for one shared object before anything keeps them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["share_task_strings"]


def share_task_strings(data: Any) -> None:
    """Replace, in place, repeated task ids and names by one object each (equal values: nothing
    a check or a message sees changes). Only for data the loader parsed itself; anything
    malformed is left for the checks to report."""
    if not isinstance(data, dict):
        return
    tasks = data.get("tasks")
    if not isinstance(tasks, dict):
        return
    ids: dict[Any, Any] = {tid: tid for tid in tasks}
    names: dict[str, str] = {}
    for task in tasks.values():
        if not isinstance(task, dict):
            continue
        for field in ("component", "action"):
            value = task.get(field)
            if type(value) is str:
                task[field] = names.setdefault(value, value)
        depends_on = task.get("depends_on")
        if type(depends_on) is list:
            for index, dep in enumerate(depends_on):
                if type(dep) is str:
                    depends_on[index] = ids.get(dep, dep)

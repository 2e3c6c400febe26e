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
    # str keys only: a hit is then an equal str (True == 1 must not turn into a key `1`)
    ids: dict[Any, Any] = {tid: tid for tid in tasks if type(tid) is str}
    names: dict[str, str] = {}
    for task in tasks.values():
        if type(task) is not dict:
            continue
        component = task.get("component")
        if type(component) is str:
            task["component"] = names.setdefault(component, component)
        action = task.get("action")
        if type(action) is str:
            task["action"] = names.setdefault(action, action)
        depends_on = task.get("depends_on")
        if depends_on and type(depends_on) is list:
            try:
                depends_on[:] = [ids[dep] for dep in depends_on]
            except (KeyError, TypeError):  # an unknown id, a list: the checks will say
                depends_on[:] = [ids.get(d, d) if type(d) is str else d for d in depends_on]

"""The dependency graph of a workflow: unknown and self dependencies, and cycles.

Shared by `Workflow` (built directly) and the loader (which reports the same problems with
file and line, from the raw document); `cycle_message` keeps both in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harmonia.model.tasks import TaskSpec

__all__ = ["cycle_message", "find_cycles", "graph_problems"]


def graph_problems(tasks: Mapping[str, TaskSpec]) -> list[tuple[str, str]]:
    """Unknown dependencies, self-dependencies and cycles as (task id, message) pairs.

    Used when a `Workflow` is built directly; the loader reports the same problems itself, from
    the raw document, so that it can attach lines and keep going when tasks are malformed.
    """
    if _in_file_order(tasks):
        return []
    problems: list[tuple[str, str]] = []
    graph: dict[str, list[str]] = {}
    for task_id, task in tasks.items():
        graph[task_id] = []
        for dep in task.depends_on:
            if dep == task_id:
                problems.append((task_id, "a task cannot depend on itself"))
            elif dep not in tasks:
                problems.append((task_id, f"unknown dependency '{dep}'"))
            else:
                graph[task_id].append(dep)
    for cycle in find_cycles(graph):
        problems.append((cycle[0], cycle_message(cycle)))
    return problems


def _in_file_order(tasks: Mapping[str, TaskSpec]) -> bool:
    """Every task depends only on tasks before it: then no dependency is unknown, none is
    the task itself and there is no cycle. One set lookup per edge, no graph built: a resumed
    10,000-task execution checks its stored graph on the way to its first task."""
    before: set[str] = set()
    add = before.add
    for task_id, task in tasks.items():
        for dep in task.depends_on:
            if dep not in before:
                return False
        add(task_id)
    return True


def cycle_message(cycle: list[str]) -> str:
    """Shared wording; the arrow direction is spelt out because either reading is plausible."""
    return "dependency cycle: " + " -> ".join(cycle) + " (each task depends on the next)"


def find_cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Disjoint dependency cycles, each in depends-on order and closed (`[a, b, a]`).

    `graph` maps a task to the tasks it depends on. graphlib finds one cycle at a time; removing
    the tasks of each cycle found and trying again reports every independent cycle in one pass
    instead of one per edit-and-reload round. Each cycle starts at its task that comes first in
    `graph`'s order (file order), so messages are stable.
    """
    order = {task: index for index, task in enumerate(graph)}
    if _follows_order(graph, order):
        return []
    remaining = {task: [d for d in deps if d in graph] for task, deps in graph.items()}
    cycles: list[list[str]] = []
    while True:
        try:
            TopologicalSorter(remaining).prepare()
        except CycleError as exc:
            # graphlib lists each node as a predecessor (dependency) of the next one; reverse
            # it so that every arrow reads "depends on".
            nodes = list(reversed(exc.args[1][:-1]))
            start = min(range(len(nodes)), key=lambda i: order.get(nodes[i], len(order)))
            nodes = nodes[start:] + nodes[:start]
            cycles.append([*nodes, nodes[0]])
            gone = set(nodes)
            remaining = {
                task: [d for d in deps if d not in gone]
                for task, deps in remaining.items()
                if task not in gone
            }
        else:
            return cycles


def _follows_order(graph: Mapping[str, list[str]], order: Mapping[str, int]) -> bool:
    """Every task depends only on tasks before it (or on unknown ones): then there is no
    cycle, and graphlib need not build its graph. Files are mostly written in that order,
    and a resumed execution's graph is checked again, on the way to its first task."""
    for index, (_task, deps) in enumerate(graph.items()):
        for dep in deps:
            if order.get(dep, -1) >= index:
                return False
    return True

"""`for_each` tasks on the dashboard: one node with its items' counts, its items shown under
it only when asked (`x`), so a 10,000-item task is one row of the graph, not 10,000.

Pure and Textual-free, like `layout`: the screen calls it whenever it lays the graph out.
"""

from __future__ import annotations

from collections.abc import Collection

from harmonia.protocol import split_item_id
from harmonia_tui.fold import ExecutionView
from harmonia_tui.layout import Dag

__all__ = ["counts_text", "shown_dag"]

_ORDER = (
    "completed",
    "running",
    "retrying",
    "waiting",
    "failed",
    "skipped",
    "canceled",
    "pending",
)


def shown_dag(dag: Dag, view: ExecutionView, expanded: Collection[str]) -> Dag:
    """`dag` with the tasks the view knows and `dag` does not; an item (`TASK[i]`) is drawn
    only when its task is `expanded`, each under its task (its one parent)."""
    parents = dict(dag.parents)
    order = list(dag.order)
    for tid in view.tasks:
        if tid in parents:
            continue
        split = split_item_id(tid)
        if split is None:
            parents[tid] = ()
        elif split[0] in expanded:
            parents[tid] = (split[0],)
        else:
            continue
        order.append(tid)
    return Dag.from_depends_on(parents, order, known=dag.known)


def counts_text(view: ExecutionView, task_id: str) -> str:
    """`8/10 completed, 2 failed` for a `for_each` task whose list is known, else ""."""
    if task_id not in view.items:
        return ""
    counts = view.item_counts(task_id)
    total = view.items[task_id]
    parts = [f"{counts.pop('completed', 0)}/{total} completed"]
    parts += [f"{counts[s]} {s}" for s in _ORDER if counts.get(s)]
    return ", ".join(parts)

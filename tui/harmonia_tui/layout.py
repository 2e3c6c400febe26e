"""A layered layout of a task graph, for a terminal: one row per task, grouped by generation.

Generation 0 holds the tasks with no dependencies, generation n the tasks whose last
dependency is in generation n-1 (graphlib's topological order, taken a batch at a time).
Within a generation tasks are ordered by the mean row of their parents (the barycentre
heuristic of layered graph drawing), so chains stay lined up and crossings stay few; ties keep
the order the workflow declares them in. Each row names its parents in a gutter, which stays
legible at 500 tasks where drawn edges would not.

Pure and Textual-free: computed once per structure; a status change never lays out again.
"""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Dag", "GraphLayout", "Row", "layered"]


@dataclass(frozen=True)
class Dag:
    """Tasks and their edges. `known` is False when the dependencies could not be found (the
    layout then shows the tasks in declaration order, without edges)."""

    order: tuple[str, ...]
    parents: Mapping[str, tuple[str, ...]]
    children: Mapping[str, tuple[str, ...]]
    known: bool = True

    @classmethod
    def from_depends_on(
        cls,
        depends_on: Mapping[str, Sequence[str]],
        order: Iterable[str] | None = None,
        *,
        known: bool = True,
    ) -> Dag:
        """`depends_on` maps each task to the tasks it needs; `order` is the declaration
        order (every task in it gets a row, with or without an entry in `depends_on`)."""
        ids = list(dict.fromkeys([*(order or ()), *depends_on]))
        present = set(ids)
        parents: dict[str, tuple[str, ...]] = {}
        children: dict[str, list[str]] = {tid: [] for tid in ids}
        for tid in ids:
            deps = tuple(
                dict.fromkeys(d for d in depends_on.get(tid, ()) if d in present and d != tid)
            )
            parents[tid] = deps
            for dep in deps:
                children[dep].append(tid)
        return cls(tuple(ids), parents, {k: tuple(v) for k, v in children.items()}, known)

    @classmethod
    def unknown(cls, order: Iterable[str]) -> Dag:
        return cls.from_depends_on({}, order, known=False)

    def __len__(self) -> int:
        return len(self.order)

    def downstream(self, task_id: str) -> list[str]:
        """Every task that (transitively) depends on `task_id`, in declaration order."""
        return self._reach(self.children, task_id)

    def upstream(self, task_id: str) -> list[str]:
        """Every task `task_id` (transitively) depends on, in declaration order."""
        return self._reach(self.parents, task_id)

    def _reach(self, edges: Mapping[str, Iterable[str]], task_id: str) -> list[str]:
        """The tasks reached from `task_id` along `edges` (children or parents)."""
        seen: set[str] = set()
        queue = deque(edges.get(task_id, ()))
        while queue:
            tid = queue.popleft()
            if tid not in seen:
                seen.add(tid)
                queue.extend(edges.get(tid, ()))
        return [tid for tid in self.order if tid in seen]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the graph: a generation's header (`task_id` None) or a task."""

    layer: int
    task_id: str | None = None
    last: bool = False
    """The last task of its generation."""


@dataclass(frozen=True)
class GraphLayout:
    dag: Dag
    layers: tuple[tuple[str, ...], ...]
    rows: tuple[Row, ...]
    row_of: Mapping[str, int]
    layer_of: Mapping[str, int]
    index_in_layer: Mapping[str, int]
    tasks: tuple[str, ...]
    """Every task in row order."""
    task_index: Mapping[str, int]
    id_width: int
    """The longest task id."""

    def first_task(self) -> str | None:
        return self.layers[0][0] if self.layers and self.layers[0] else None

    def last_task(self) -> str | None:
        return self.layers[-1][-1] if self.layers and self.layers[-1] else None

    def step(self, task_id: str, delta: int) -> str:
        """The task `delta` rows below (above, if negative), skipping headers; clamped."""
        index = self.task_index[task_id] + delta
        return self.tasks[max(0, min(len(self.tasks) - 1, index))]

    def layer_step(self, task_id: str, delta: int) -> str:
        """The task at the same position in the generation `delta` away (clamped)."""
        layer = max(0, min(len(self.layers) - 1, self.layer_of[task_id] + delta))
        if layer == self.layer_of[task_id]:
            return task_id
        target = self.layers[layer]
        return target[min(self.index_in_layer[task_id], len(target) - 1)]

    def parent(self, task_id: str, previous: str | None = None) -> str | None:
        """A parent of the task: the first, or the one after `previous` (cycling)."""
        return _cycle(self.dag.parents.get(task_id, ()), previous)

    def child(self, task_id: str, previous: str | None = None) -> str | None:
        return _cycle(self.dag.children.get(task_id, ()), previous)


def _cycle(options: Sequence[str], previous: str | None) -> str | None:
    if not options:
        return None
    if previous in options:
        return options[(options.index(previous) + 1) % len(options)]
    return options[0]


def layered(dag: Dag) -> GraphLayout:
    layers = _generations(dag)
    layers = _order_by_barycentre(dag, layers)
    rows: list[Row] = []
    row_of: dict[str, int] = {}
    layer_of: dict[str, int] = {}
    index_in_layer: dict[str, int] = {}
    for number, layer in enumerate(layers):
        rows.append(Row(number))
        for index, tid in enumerate(layer):
            row_of[tid] = len(rows)
            layer_of[tid] = number
            index_in_layer[tid] = index
            rows.append(Row(number, tid, last=index == len(layer) - 1))
    tasks = tuple(tid for layer in layers for tid in layer)
    return GraphLayout(
        dag,
        tuple(tuple(layer) for layer in layers),
        tuple(rows),
        row_of,
        layer_of,
        index_in_layer,
        tasks,
        {tid: i for i, tid in enumerate(tasks)},
        max((len(t) for t in tasks), default=0),
    )


def _generations(dag: Dag) -> list[list[str]]:
    if not dag.order:
        return []
    if not dag.known:
        return [list(dag.order)]
    position = {tid: i for i, tid in enumerate(dag.order)}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for tid in dag.order:
        sorter.add(tid, *dag.parents[tid])
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return [list(dag.order)]  # the daemon never accepts one; show something regardless
    layers: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        layers.append(ready)
        sorter.done(*ready)
    return layers


def _order_by_barycentre(dag: Dag, layers: list[list[str]]) -> list[list[str]]:
    """Sort each generation by the mean position of its parents in the rows above."""
    position: dict[str, float] = {}
    declared = {tid: i for i, tid in enumerate(dag.order)}
    out: list[list[str]] = []
    for layer in layers:

        def key(tid: str) -> tuple[float, int]:
            parents = dag.parents.get(tid, ())
            if not parents:
                return (float("inf") if out else 0.0, declared[tid])
            return (sum(position[p] for p in parents) / len(parents), declared[tid])

        ordered = sorted(layer, key=key) if out else list(layer)
        for index, tid in enumerate(ordered):
            position[tid] = index
        out.append(ordered)
    return out

"""The order a run starts its tasks in: a task is offered once every task it depends on is done.

The same contract as the part of `graphlib.TopologicalSorter` the runner uses (`get_ready`,
`done`, the same `ValueError`s), without its per-node objects and without `prepare()`'s cycle
search: every graph reaching a runner was checked for cycles when its workflow was loaded (or
its stored document on resume), and the runner builds a schedule at every start and resume
(a resume's schedule of 10,000 tasks: ~100 M instructions with graphlib, ~27 M now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["Schedule"]

_OUT = -1
"""Handed out by `get_ready`, not yet done."""
_DONE = -2


class Schedule:
    """Tasks and how many of their dependencies are not done yet (`_OUT`/`_DONE` once ready).

    As in graphlib, a dependency that is not a key of the graph is a task too (ready at
    once), and a dependency listed twice counts twice, which its one `done` releases."""

    __slots__ = ("_ready", "_successors", "_waiting")

    def __init__(
        self,
        graph: Mapping[str, Iterable[str]] | None = None,
        done: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        """The schedule of `graph`'s tasks not in `done`, the edges to done tasks left out."""
        waiting: dict[str, int] = {}
        successors: dict[str, list[str]] = {}
        for node, deps in (graph or {}).items():
            if node in done:
                continue
            count = 0
            for dep in deps:
                if dep in done:
                    continue
                count += 1
                if dep not in waiting:
                    waiting[dep] = 0
                later = successors.get(dep)
                if later is None:
                    successors[dep] = [node]
                else:
                    later.append(node)
            waiting[node] = count
        self._waiting = waiting
        self._successors = successors
        self._ready = [node for node, count in waiting.items() if count == 0]

    @classmethod
    def remaining(
        cls, depends_on: Mapping[str, tuple[str, ...]], done: set[str] | frozenset[str]
    ) -> Schedule:
        """What a resumed or retried run has left to do, without building that graph first."""
        return cls(depends_on, done)

    def get_ready(self) -> tuple[str, ...]:
        """The tasks that became ready since the last call (each is handed out once)."""
        ready = self._ready
        if not ready:
            return ()
        waiting = self._waiting
        for node in ready:
            waiting[node] = _OUT
        found = tuple(ready)
        ready.clear()
        return found

    def done(self, *nodes: str) -> None:
        """Mark tasks handed out by `get_ready` done: their dependents may become ready.
        ValueError, as graphlib's, for a task not handed out, unknown, or already done."""
        waiting = self._waiting
        successors = self._successors
        ready = self._ready
        for node in nodes:
            count = waiting.get(node)
            if count != _OUT:
                if count is None:
                    raise ValueError(f"node {node!r} was not added using add()")
                if count == _DONE:
                    raise ValueError(f"node {node!r} was already marked done")
                raise ValueError(f"node {node!r} was not passed out (still not ready)")
            waiting[node] = _DONE
            for later in successors.get(node, ()):
                left = waiting[later] - 1
                waiting[later] = left
                if not left:
                    ready.append(later)

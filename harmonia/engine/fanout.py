"""Dynamic fan-out: a `for_each` task runs once per item of a list, each item a task of its own.

The list is evaluated once, when the task is first ready, and recorded (`task_expanded`);
its items `ID[0]`.. then run through the runner's workers like any task (own attempts,
retries, timeout, events), at most `max_parallel` at once. The task itself concludes when
no item is left to run: completed with the items' outputs in order, or failed. Kept apart
from the runner, which only hands this module the ready task and the finished items.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harmonia.engine.outcome import Verdict, decide
from harmonia.engine.plan import ExecutionPlan, TaskPlan
from harmonia.errors import ErrorKind
from harmonia.events import EventType
from harmonia.expressions import Condition, ReferenceMissing, compile_template
from harmonia.protocol import item_id, split_item_id
from harmonia.state import TASK_DONE, ExecutionState, TaskStatus
from harmonia.valuekinds import json_kind

if TYPE_CHECKING:
    from harmonia.engine.host import RunnerHost
    from harmonia.engine.schedule import Schedule

__all__ = ["FanOut", "ItemPlan", "evaluate_list"]


class ItemPlan(TaskPlan):
    """One item of a `for_each` task: its task's plan, rendered with `item` and `index`.

    Made when an item runs and dropped after: 10,000 items cost no plans at rest."""

    __slots__ = ("_parent", "index", "item")

    def __init__(self, parent: TaskPlan, item: Any, index: int) -> None:
        super().__init__(
            item_id(parent.task_id, index),
            parent.spec,
            parent.action,
            parent.timeout,
            parent.policy,
        )
        self.depends_on = ()  # an item waits for nothing: its task was ready
        self.placement = parent.placement
        self._parent = parent
        self.item = item
        self.index = index

    def scope(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """`context` with this item's `item` and `index`."""
        return {**context, "item": self.item, "index": self.index}

    @property
    def components(self) -> tuple[str, ...]:
        return self._parent.components

    def render(self, context: Mapping[str, Any]) -> Any:
        return self._parent.render(self.scope(context))

    def shown(self, context: Mapping[str, Any], rendered: Any) -> Any:
        return self._parent.shown(self.scope(context), rendered)

    @property
    def condition(self) -> Condition | None:
        return self._parent.condition


class FanOutError(Exception):
    """The list of a `for_each` task could not be had; the task fails with this message."""

    def __init__(self, message: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind


def item_limit(plan: TaskPlan, default: int) -> int:
    """The most items the task may expand to: its own `max_items`, else the engine's."""
    own = plan.spec.max_items
    return own if own is not None else default


def evaluate_list(plan: TaskPlan, context: Mapping[str, Any], limit: int) -> list[Any]:
    """The task's `for_each` list in `context` (raises FanOutError)."""
    source = plan.spec.for_each
    if isinstance(source, list):
        value: Any = source
    else:
        try:
            value = compile_template(source).render(context)
        except ReferenceMissing as exc:
            raise FanOutError(f"for_each: {exc}", ErrorKind.REFERENCE) from None
    if not isinstance(value, list | tuple):
        raise FanOutError(
            f"for_each must give an array, not {json_kind(value)}", ErrorKind.INVALID_INPUT
        )
    if len(value) > limit:
        raise FanOutError(
            f"for_each gave {len(value):,} items, over the limit of {limit:,} "
            "(max_items of the task, or the engine's max_fanout_items)",
            ErrorKind.INVALID_INPUT,
        )
    return list(value)


@dataclass(slots=True)
class _Group:
    """The items of one expanded task that this run still has to start or see finish."""

    queue: deque[int]
    limit: int
    running: int = 0


@dataclass(slots=True)
class FanOut:
    """The `for_each` tasks of one runner: expansion, item dispatch, conclusion."""

    host: RunnerHost
    state: ExecutionState
    plan: ExecutionPlan
    parents: frozenset[str] = field(init=False)
    """The tasks with `for_each`: the runner hands them here instead of running them."""
    _groups: dict[str, _Group] = field(default_factory=dict)
    concluded: list[str] = field(default_factory=list)
    """Tasks that completed since the runner last asked (`settle`): their downstream may go."""
    ended: list[str] = field(default_factory=list)
    """Tasks that ended in any way (completed, failed, skipped) since the runner last looked:
    the trigger rules below them are judged again (`harmonia.engine.joins`)."""

    def __post_init__(self) -> None:
        self.parents = frozenset(
            t for t, p in self.plan.tasks.items() if p.spec.for_each is not None
        )

    def clear(self) -> None:
        """The run is over: what was in flight starts again from the states in the next one."""
        self._groups.clear()
        self.concluded.clear()
        self.ended.clear()

    def plan_of(self, tid: str) -> ItemPlan:
        """The plan an item runs with (its task's, with its item)."""
        split = split_item_id(tid)
        assert split is not None, f"{tid} is not an item"
        parent, index = split
        return ItemPlan(self.plan.tasks[parent], self.state.expansions[parent][index], index)

    def begin(self, tid: str, context: Mapping[str, Any], *, ruled: bool = False) -> bool:
        """A ready `for_each` task: expand it (first time) or pick its items up again (resume).
        True when it is done at once (an empty list, or skipped): its downstream may go.
        `ruled`: its trigger rule already said it runs, skipped parents included."""
        state = self.state
        task = state.tasks[tid]
        if tid in self._groups or task.status not in (TaskStatus.PENDING, TaskStatus.RUNNING):
            return False  # already going, or failed/canceled: blocked until an operator acts
        plan = self.plan.tasks[tid]
        if tid not in state.expansions:
            if task.status != TaskStatus.PENDING:
                return False
            verdict = decide(self.host, state, tid, _Gate(plan), context, ruled=ruled)
            if verdict is not Verdict.RUN:
                self.ended.append(tid)
                return verdict is Verdict.SKIPPED
            try:
                items = evaluate_list(plan, context, item_limit(plan, self.host.max_fanout_items))
                expanded = {"count": len(items), "items": items}
                try:
                    self.host.emit(state, EventType.TASK_EXPANDED, tid, expanded)
                except TypeError as exc:  # refused before it changed anything
                    raise FanOutError(
                        f"for_each items are not JSON: {exc}", ErrorKind.OUTPUT
                    ) from None
            except FanOutError as exc:
                error = {"message": str(exc), "kind": str(exc.kind)}
                data = {"attempt": task.attempts, "error": error, "duration": 0.0}
                self.host.emit(state, EventType.TASK_FAILED, tid, data)
                self.ended.append(tid)
                return False
        count = len(state.expansions[tid])
        tasks = state.tasks
        queue = deque(
            i for i in range(count) if tasks[item_id(tid, i)].status == TaskStatus.PENDING
        )
        self._groups[tid] = _Group(
            queue, plan.spec.max_parallel or self.plan.workflow.max_concurrency
        )
        return self._maybe_conclude(tid, immediate=True)

    def take(self, context: Mapping[str, Any]) -> str | None:
        """The next item to start, within its task's `max_parallel`; None when none may.
        An item whose `when` is false is skipped here, without a worker."""
        for tid, group in list(self._groups.items()):
            while group.queue and group.running < group.limit:
                index = group.queue.popleft()
                item = item_id(tid, index)
                if self.state.tasks[item].status != TaskStatus.PENDING:
                    continue
                plan = self.plan_of(item)
                if plan.condition is not None:
                    verdict = decide(self.host, self.state, item, plan, plan.scope(context))
                    if verdict is not Verdict.RUN:
                        self._maybe_conclude(tid)
                        continue
                group.running += 1
                return item
        return None

    def finished(self, item: str) -> None:
        """An item's attempts are over (completed or failed for good)."""
        split = split_item_id(item)
        assert split is not None
        group = self._groups.get(split[0])
        if group is not None:
            group.running -= 1
            self._maybe_conclude(split[0])

    def _maybe_conclude(self, tid: str, *, immediate: bool = False) -> bool:
        """Record the task's end once none of its items is left to run."""
        group = self._groups[tid]
        if group.queue or group.running:
            return False
        del self._groups[tid]
        self.ended.append(tid)
        state = self.state
        count = len(state.expansions[tid])
        items = [state.tasks[item_id(tid, i)] for i in range(count)]
        failed = [item_id(tid, i) for i, t in enumerate(items) if t.status not in TASK_DONE]
        started = state.tasks[tid].started_at
        # no `attempt`: the task runs none itself, its items have theirs
        data: dict[str, Any] = {
            "items": count,
            "duration": round(max(0.0, self.host.clock() - (started or self.host.clock())), 6),
        }
        if failed:
            shown = ", ".join(failed[:5]) + (", ..." if len(failed) > 5 else "")
            message = f"{len(failed)} of {count} items failed: {shown}"
            data["error"] = {"message": message, "kind": "items"}
            self.host.emit(state, EventType.TASK_FAILED, tid, data)
            return False
        data["output"] = [t.output for t in items]
        self.host.emit(state, EventType.TASK_COMPLETED, tid, data)
        if not immediate:
            self.concluded.append(tid)
        return True

    def settle(self, sorter: Schedule) -> bool:
        """Tell the schedule which tasks completed; False if one was not handed out by this
        schedule (it was rebuilt meanwhile): the runner rebuilds it from the states."""
        fine = True
        for tid in self.concluded:
            try:
                sorter.done(tid)
            except ValueError:
                fine = False
        self.concluded.clear()
        return fine


class _Gate(TaskPlan):
    """A `for_each` task as `decide` sees it before expanding: its `when` belongs to its
    items (it may read `item`), so only the skip of an upstream task counts here."""

    __slots__ = ()

    def __init__(self, plan: TaskPlan) -> None:
        super().__init__(plan.task_id, plan.spec, plan.action, plan.timeout, plan.policy)

    @property
    def condition(self) -> None:
        return None

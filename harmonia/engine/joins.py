"""Trigger rules at run time: when a task whose rule is not all_success gets decided.

The scheduler's `TopologicalSorter` offers a task once every parent is done, which is exactly
all_success. A task with another rule must be decided earlier (one_failed runs as soon as one
parent fails) or after parents the sorter never lets go (a failed one), so it enters the
sorter without dependencies and waits here, re-judged each time one of its parents settles.
Its own children keep their edges to it. Nothing here is journaled but the decisions a run
makes anyway (`task_skipped`, `task_started`); "blocked" is derived from recorded statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING, Any

from harmonia.engine.outcome import Verdict, decide
from harmonia.engine.triggers import Outcome, Parents, Readiness, outcome_of, readiness
from harmonia.engine.triggers import skip_reason as rule_skip_reason
from harmonia.events import EventType
from harmonia.model import TriggerRule
from harmonia.state import ExecutionState, TaskStatus

if TYPE_CHECKING:
    from harmonia.engine.host import EventRecorder
    from harmonia.engine.plan import ExecutionPlan

__all__ = ["JoinGate"]

_FAILURES = frozenset({TaskStatus.FAILED, TaskStatus.CANCELED})
"""Recorded statuses a rule reads as failed (blocked tasks are the third kind)."""


class JoinGate:
    """The trigger rules of one execution's run; None of it exists for a workflow where
    every task is all_success (`for_plan`), so the common case costs nothing."""

    def __init__(self, plan: ExecutionPlan, state: ExecutionState) -> None:
        self._plan = plan
        self._state = state
        self.ruled = frozenset(
            tid for tid, task in plan.tasks.items() if task.rule is not TriggerRule.ALL_SUCCESS
        )
        self.blocked: set[str] = set()
        """Pending tasks that can never run in this run because a parent failed."""
        self._waiting: set[str] = set()
        self._woken: dict[str, None] = {}

    @classmethod
    def for_plan(cls, plan: ExecutionPlan, state: ExecutionState) -> JoinGate | None:
        if all(task.rule is TriggerRule.ALL_SUCCESS for task in plan.tasks.values()):
            return None
        return cls(plan, state)

    # ---- the schedule --------------------------------------------------------------------
    def rebuilt(self, graph: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """The sorter's graph for a fresh schedule: ruled tasks without dependencies (they
        wait here instead); and what is blocked, re-derived from the recorded statuses (a
        resume or a retry may have reset the failures that blocked it)."""
        self._waiting.clear()
        self._woken.clear()
        self.blocked.clear()
        tasks = self._state.tasks
        if any(task.status in _FAILURES for task in tasks.values()):  # else nothing is blocked
            for tid in TopologicalSorter(self._plan.graph()).static_order():
                if tasks[tid].status == TaskStatus.PENDING and self._judge(tid) is Readiness.BLOCK:
                    self.blocked.add(tid)
        return {tid: (() if tid in self.ruled else deps) for tid, deps in graph.items()}

    def decide(
        self,
        host: EventRecorder,
        tid: str,
        context: Mapping[str, Any],
    ) -> Verdict | None:
        """A pending task the sorter offers or a parent woke: RUN, SKIPPED or FAILED (as
        `outcome.decide`, events emitted), or None while it waits or is blocked."""
        state, plan = self._state, self._plan.tasks[tid]
        if tid not in self.ruled:
            verdict = decide(host, state, tid, plan, context)
            if verdict is not Verdict.RUN:
                self.settled(tid)
            return verdict
        admitted = self.admit(host, tid)
        if admitted is not Verdict.RUN:
            return admitted
        verdict = decide(host, state, tid, plan, context, ruled=True)
        if verdict is not Verdict.RUN:
            self.settled(tid)
        return verdict

    def admit(self, host: EventRecorder, tid: str) -> Verdict | None:
        """The rule alone, for a ruled task: RUN, SKIPPED (event emitted), or None while it
        waits or is blocked. A `for_each` task stops here: its `when` belongs to its items."""
        judged = self._judge(tid)
        if judged is Readiness.WAIT:
            self._waiting.add(tid)
            return None
        self._waiting.discard(tid)
        if judged is Readiness.BLOCK:
            self.blocked.add(tid)
            self.settled(tid)
            return None
        if judged is Readiness.SKIP:
            reason = rule_skip_reason(self._plan.tasks[tid].rule, self._outcomes(tid))
            host.emit(self._state, EventType.TASK_SKIPPED, tid, {"reason": reason})
            self.settled(tid)
            return Verdict.SKIPPED
        return Verdict.RUN

    def woken(self) -> list[str]:
        """Waiting tasks a parent's end may have decided (each once), to `decide` again."""
        woken = [tid for tid in self._woken if tid in self._waiting]
        self._woken.clear()
        return woken

    def settled(self, tid: str) -> None:
        """`tid` ended (completed, failed, skipped) or was found blocked: wake the ruled
        tasks below it that wait, and mark blocked the all_success ones a failure makes
        unreachable (they stay pending; the ruled tasks below them need to know)."""
        tasks = self._state.tasks
        dependents = self._plan.dependents
        stack = [tid]
        while stack:
            current = stack.pop()
            failed = current in self.blocked or tasks[current].status in _FAILURES
            for child in dependents[current]:
                if child in self._waiting:
                    self._woken[child] = None
                elif (
                    failed
                    and child not in self.ruled
                    and child not in self.blocked
                    and tasks[child].status == TaskStatus.PENDING
                ):
                    self.blocked.add(child)
                    stack.append(child)

    # ---- judging ---------------------------------------------------------------------------
    def _outcomes(self, tid: str) -> dict[str, Outcome]:
        tasks, blocked = self._state.tasks, self.blocked
        return {
            parent: outcome_of(tasks[parent].status, parent in blocked)
            for parent in self._plan.tasks[tid].depends_on
        }

    def _judge(self, tid: str) -> Readiness:
        """`readiness` of the task now; the counting is `outcome_of` inlined, since a run
        judges each ruled task once per parent that ends."""
        tasks, blocked = self._state.tasks, self.blocked
        succeeded = failed = skipped = unfinished = 0
        plan = self._plan.tasks[tid]
        for parent in plan.depends_on:
            status = tasks[parent].status
            if status == TaskStatus.COMPLETED:
                succeeded += 1
            elif status == TaskStatus.SKIPPED:
                skipped += 1
            elif status in _FAILURES or (status == TaskStatus.PENDING and parent in blocked):
                failed += 1
            else:
                unfinished += 1
        return readiness(plan.rule, Parents(succeeded, failed, skipped, unfinished))

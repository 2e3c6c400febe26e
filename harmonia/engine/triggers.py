"""The trigger rule table: from a task's rule and its parents' outcomes, run, skip, block or wait.

A pure function of counts, so the scheduler (`harmonia.engine.joins`), the README's table and
the tests' reference evaluator can be checked against one another, and so that a replayed
journal (the same recorded statuses) always gets the same answer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from harmonia.model import TriggerRule
from harmonia.state import TaskStatus

__all__ = ["Outcome", "Parents", "Readiness", "outcome_of", "readiness", "skip_reason"]


class Readiness(enum.Enum):
    RUN = "run"
    """The rule is met: the task runs (its `when:`, if any, is evaluated next)."""
    SKIP = "skip"
    """The rule can no longer be met, and no failure is the cause: the task is `skipped`."""
    BLOCK = "block"
    """The rule can no longer be met because a parent failed (Airflow's `upstream_failed`):
    the task stays `pending`, like everything below a failure, until resume or retry."""
    WAIT = "wait"
    """Not decided yet: some parent that matters is still to finish."""


class Outcome(enum.Enum):
    """A parent as a rule sees it."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """Failed for good, canceled, or blocked (a failure above it keeps it from ever running)."""
    SKIPPED = "skipped"
    UNFINISHED = "unfinished"
    """Pending (and not blocked), running or retrying: a retrying parent is not final."""


def outcome_of(status: str, blocked: bool = False) -> Outcome:
    """A parent's outcome from its recorded status (and whether it is blocked, if pending)."""
    if status == TaskStatus.COMPLETED:
        return Outcome.SUCCEEDED
    if status == TaskStatus.SKIPPED:
        return Outcome.SKIPPED
    if status in (TaskStatus.FAILED, TaskStatus.CANCELED):
        return Outcome.FAILED
    if status == TaskStatus.PENDING and blocked:
        return Outcome.FAILED
    return Outcome.UNFINISHED


@dataclass(frozen=True, slots=True)
class Parents:
    """How many parents ended each way."""

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    unfinished: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Parents:
        counts = dict.fromkeys(Outcome, 0)
        for outcome in outcomes:
            counts[outcome] += 1
        return cls(
            counts[Outcome.SUCCEEDED],
            counts[Outcome.FAILED],
            counts[Outcome.SKIPPED],
            counts[Outcome.UNFINISHED],
        )

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.skipped + self.unfinished


def readiness(rule: TriggerRule, parents: Parents) -> Readiness:
    """The rule table (README, "Join rules"). A task without parents always runs.

    Each rule has an early answer, given as soon as outcomes that cannot be undone within a run
    decide it, and a final one once no parent is unfinished (WAIT until then). So every answer
    but WAIT stays true whatever the unfinished parents do later, and the final status of every
    task depends only on its parents' final statuses, never on timing."""
    s, f, k, u = parents.succeeded, parents.failed, parents.skipped, parents.unfinished
    if s + f + k + u == 0:
        return Readiness.RUN
    early: Readiness | None
    if rule is TriggerRule.ALL_SUCCESS:
        early, final = (Readiness.BLOCK if f else None), (Readiness.SKIP if k else Readiness.RUN)
    elif rule is TriggerRule.ALL_DONE:
        early, final = None, Readiness.RUN
    elif rule is TriggerRule.ALL_FAILED:
        early, final = (Readiness.SKIP if s or k else None), Readiness.RUN
    elif rule is TriggerRule.ONE_SUCCESS:
        early, final = (Readiness.RUN if s else None), (Readiness.BLOCK if f else Readiness.SKIP)
    elif rule is TriggerRule.ONE_FAILED:
        early, final = (Readiness.RUN if f else None), Readiness.SKIP
    elif rule is TriggerRule.NONE_FAILED:
        early, final = (Readiness.BLOCK if f else None), Readiness.RUN
    elif rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        early, final = (Readiness.BLOCK if f else None), (Readiness.RUN if s else Readiness.SKIP)
    elif rule is TriggerRule.NONE_SKIPPED:
        early, final = (Readiness.SKIP if k else None), Readiness.RUN
    else:
        raise ValueError(f"unknown trigger rule {rule!r}")
    if early is not None:
        return early
    return Readiness.WAIT if u else final


def skip_reason(rule: TriggerRule, outcomes: dict[str, Outcome]) -> str:
    """Why a rule skipped its task, naming a parent where one is the cause (the task's note
    in `task_skipped`, shown by the dashboard)."""
    first = {outcome: tid for tid, outcome in reversed(list(outcomes.items()))}
    if rule is TriggerRule.ALL_SUCCESS:
        return f"upstream task '{first[Outcome.SKIPPED]}' was skipped"
    if rule is TriggerRule.ALL_FAILED:
        if Outcome.SUCCEEDED in first:
            return f"trigger rule all_failed: upstream task '{first[Outcome.SUCCEEDED]}' completed"
        return f"trigger rule all_failed: upstream task '{first[Outcome.SKIPPED]}' was skipped"
    if rule is TriggerRule.NONE_SKIPPED:
        return f"trigger rule none_skipped: upstream task '{first[Outcome.SKIPPED]}' was skipped"
    if rule is TriggerRule.ONE_FAILED:
        return "trigger rule one_failed: no upstream task failed"
    return f"trigger rule {rule}: every upstream task was skipped"

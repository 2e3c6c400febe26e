"""What an execution is made of: statuses, each task's state, the execution's state, and
their public (API, `--json`) forms. How events change them is `harmonia.state.fold`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harmonia.events import iso_time
from harmonia.protocol import split_item_id


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    RETRYING = "retrying"
    WAITING = "waiting"
    """At an approval gate (`core.approve`): nothing runs; a person's decision ends it."""
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELED = "canceled"


class ExecutionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    DAMAGED = "damaged"
    """Its files could not be read whole (see `ExecutionState.damage`): never run again
    automatically."""


TASK_DONE = frozenset({TaskStatus.COMPLETED, TaskStatus.SKIPPED})
"""Statuses that let downstream tasks go on."""

TASK_ACTIVE = frozenset({TaskStatus.RUNNING, TaskStatus.RETRYING})
"""Statuses of a task that a live process is working on (or was, before a crash)."""

PLAIN_STATUS: dict[str, str] = {str(s): str(s) for s in TaskStatus}
"""Each status as a plain `str` (see `_close_attempt`)."""

EXECUTION_FINISHED = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELED}
)


@dataclass(slots=True)
class TaskState:
    """What is known of one task. `budget_base` is the number of attempts that do not count
    against the retry policy any more (a resume or an operator retry grants fresh attempts; an
    attempt interrupted by a crash is not the task's fault)."""

    status: str = TaskStatus.PENDING
    attempts: int = 0
    budget_base: int = 0
    output: Any = None
    error: dict[str, Any] | None = None
    started_at: float | None = None
    finished_at: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    child_execution_id: str | None = None
    """The execution a `workflow.run` task started for its current attempt (sub-workflows)."""
    operator: dict[str, Any] | None = None
    """Set when an operator, not the task's action, made its result (`harmonia.engine.fixes`):
    `{"action": "complete"|"skip", "by": ..., "at": <unix time>}`; shown so people can tell."""
    input_override: dict[str, Any] | None = None
    """An operator retry's input override, merged over the rendered input of its attempts."""

    def to_record(self, *, copy: bool = True) -> dict[str, Any]:
        """Snapshot form (numeric timestamps), read back by `from_record`. `copy=False`
        shares the history entries: only for a record serialised at once, on the loop."""
        record = {
            "status": str(self.status),
            "attempts": self.attempts,
            "budget_base": self.budget_base,
            "output": self.output,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "history": [dict(h) for h in self.history] if copy else self.history,
        }
        if self.child_execution_id is not None:  # only sub-workflow tasks: snapshots stay small
            record["child_execution_id"] = self.child_execution_id
        if self.operator is not None:
            record["operator"] = self.operator
        if self.input_override is not None:
            record["input_override"] = self.input_override
        return record

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> TaskState:
        return cls(
            status=raw.get("status", TaskStatus.PENDING),
            attempts=raw.get("attempts", 0),
            budget_base=raw.get("budget_base", 0),
            output=raw.get("output"),
            error=raw.get("error"),
            started_at=raw.get("started_at"),
            finished_at=raw.get("finished_at"),
            history=list(raw.get("history") or []),
            child_execution_id=raw.get("child_execution_id"),
            operator=raw.get("operator"),
            input_override=raw.get("input_override"),
        )

    def to_public(self, depends_on: list[str] | None = None) -> dict[str, Any]:
        """The shape users see in `--json` output and the API; `depends_on` comes from the
        workflow document (a task's state does not repeat its definition)."""
        return self.public_with([] if depends_on is None else list(depends_on))

    def public_with(self, depends_on: list[str]) -> dict[str, Any]:
        """`to_public` keeping `depends_on` itself (a list made for this document): the
        `--json` document makes one per task, so each step here counts."""
        started, finished = self.started_at, self.finished_at
        started_text, finished_text = iso_time(started), iso_time(finished)
        # the last attempt's times are usually the task's own: formatted once
        history = [
            {
                **h,
                "started_at": started_text
                if (at := h.get("started_at")) == started
                else iso_time(at),
                "finished_at": finished_text
                if (end := h.get("finished_at")) == finished
                else iso_time(end),
            }
            for h in self.history
        ]
        return {
            "status": str(self.status),
            "depends_on": depends_on,
            "attempts": self.attempts,
            "output": self.output,
            "error": self.error,
            "started_at": started_text,
            "finished_at": finished_text,
            "duration": None
            if started is None or finished is None
            else round(finished - started, 6),
            "history": history,
            "child_execution_id": self.child_execution_id,
            "operator": None if self.operator is None else _operator_public(self.operator),
            "input_override": self.input_override,
        }


def _operator_public(operator: dict[str, Any] | None) -> dict[str, Any] | None:
    if operator is None:
        return None
    return {**operator, "at": iso_time(operator.get("at"))}


@dataclass(slots=True)
class ExecutionState:
    """One execution: its definition (as a document), its input and every task's state."""

    id: str
    workflow: dict[str, Any]
    input: dict[str, Any]
    status: str = ExecutionStatus.PENDING
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    last_seq: int = 0
    error: str | None = None
    restored_from: str | None = None
    trigger: dict[str, Any] | None = None
    """What started it when not an operator: `{"kind": "schedule", "schedule_id",
    "planned_at"}` for a scheduled run (recorded on `workflow_started` too)."""
    tasks: dict[str, TaskState] = field(default_factory=dict)
    parent: dict[str, Any] | None = None
    """Set on a child execution (sub-workflow): `{"execution_id", "task_id", "depth"}`."""
    origin: str | None = None
    """The folder of the workflow file it was started from (`harmonia run FILE`): where a
    `workflow.run` task's relative path is looked up; None for documents without a file."""
    output: Any = None
    """The workflow's declared `output:`, rendered when it completed (None before, or none)."""
    damage: dict[str, Any] | None = None
    """Set, with status `damaged`, when the execution's files could not be read whole:
    `{"status": <the status its readable part reaches>, "files": [<DamagedFile.to_dict()>]}`;
    the rest of the state is as far as the readable part goes."""
    expansions: dict[str, list[Any]] = field(default_factory=dict)
    """Each expanded `for_each` task's evaluated list (`task_expanded`): its items are the
    tasks `ID[0]`.. of `tasks`, and nothing evaluates the list again while it is kept."""
    counted: dict[str, int] | None = field(default=None, repr=False, compare=False)
    """How many tasks are in each status, kept up to date by `apply` once `counts()` has
    been asked for (None: not counted yet, or a bulk change to recount)."""

    @property
    def workflow_name(self) -> str:
        return str(self.workflow.get("name", ""))

    @classmethod
    def new(
        cls,
        execution_id: str,
        workflow: dict[str, Any],
        input: dict[str, Any],
        created_at: float,
        *,
        restored_from: str | None = None,
        tasks: dict[str, TaskState] | None = None,
        expansions: dict[str, list[Any]] | None = None,
        parent: dict[str, Any] | None = None,
        origin: str | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> ExecutionState:
        task_ids = list(workflow.get("tasks", {}))
        return cls(
            id=execution_id,
            workflow=workflow,
            input=input,
            created_at=created_at,
            restored_from=restored_from,
            trigger=trigger,
            tasks=tasks if tasks is not None else {t: TaskState() for t in task_ids},
            expansions=expansions or {},
            parent=parent,
            origin=origin,
        )

    def meta_record(self) -> dict[str, Any]:
        """Everything but the tasks, for the snapshot's execution row."""
        return {
            "id": self.id,
            "workflow": self.workflow,
            "input": self.input,
            "status": str(self.status),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "last_seq": self.last_seq,
            "error": self.error,
            "restored_from": self.restored_from,
            "expansions": self.expansions,
            "parent": self.parent,
            "origin": self.origin,
            "output": self.output,
            "trigger": self.trigger,
        }

    @classmethod
    def from_records(cls, meta: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> ExecutionState:
        return cls(
            id=meta["id"],
            workflow=meta["workflow"],
            input=meta.get("input") or {},
            status=meta.get("status", ExecutionStatus.PENDING),
            created_at=meta.get("created_at", 0.0),
            started_at=meta.get("started_at"),
            finished_at=meta.get("finished_at"),
            last_seq=meta.get("last_seq", 0),
            error=meta.get("error"),
            restored_from=meta.get("restored_from"),
            trigger=meta.get("trigger"),
            tasks={tid: TaskState.from_record(rec) for tid, rec in tasks.items()},
            expansions=dict(meta.get("expansions") or {}),
            parent=meta.get("parent"),
            origin=meta.get("origin"),
            output=meta.get("output"),
        )

    def counts(self) -> dict[str, int]:
        """How many tasks are in each status (every status present, zero or not).

        Counted once, then kept by `apply` as events change statuses: listing executions
        asks this of every live one, and a 10,000-task execution took ~5 ms to count on the
        engine's own thread each time."""
        counted = self.counted
        if counted is None:
            counted = {str(s): 0 for s in TaskStatus}
            for t in self.tasks.values():
                counted[t.status] += 1  # a `TaskStatus` finds its plain-`str` key
            self.counted = counted
        return dict(counted)

    def summary(self) -> dict[str, Any]:
        """The catalog row: enough to list executions without opening their databases."""
        counts = self.counts()
        return {
            "id": self.id,
            "workflow": self.workflow_name,
            "status": str(self.status),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "last_seq": self.last_seq,
            "task_count": len(self.tasks),
            "done_count": counts["completed"] + counts["skipped"],
            "failed_count": counts["failed"],
            "waiting_count": counts["waiting"],
            "restored_from": self.restored_from,
            "trigger": self.trigger,
            "damage": self.damage,
        }

    def to_public(self) -> dict[str, Any]:
        """The document of `harmonia run --json`, `harmonia show --json` and the API.

        Each task carries its `depends_on`, read from the workflow document the execution
        keeps (snapshot and recovery included), so a client can draw the graph of an
        execution whose workflow was never stored as a definition (inline documents,
        `harmonia run FILE`)."""
        return {**self.public_head(), "tasks": dict(self.public_tasks())}

    def public_head(self) -> dict[str, Any]:
        """`to_public()` without its last key, `tasks`: with `public_tasks`, what a writer
        needs to stream the document task by task instead of holding it whole."""
        return {
            "id": self.id,
            "workflow": self.workflow_name,
            "workflow_version": self.workflow.get("version"),
            "status": str(self.status),
            "input": self.input,
            "created_at": iso_time(self.created_at),
            "started_at": iso_time(self.started_at),
            "finished_at": iso_time(self.finished_at),
            "duration": _duration(self.started_at, self.finished_at),
            "error": self.error,
            "restored_from": self.restored_from,
            "trigger": self.trigger,
            "last_seq": self.last_seq,
            "damage": self.damage,
            "parent": self.parent,
            "output": self.output,
            "counts": self.counts(),
        }

    def public_tasks(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each task of `to_public()["tasks"]`, made when asked for."""
        definitions = self.workflow.get("tasks") or {}
        public_task = self.public_task
        for tid, task in self.tasks.items():
            yield tid, public_task(tid, task, definitions)

    def public_task(self, tid: str, task: TaskState, definitions: Any) -> dict[str, Any]:
        """A task's public form (`definitions`: the workflow document's tasks); a `for_each`
        item names its task and index, and an expanded task says how many items it has
        (clients group items under their task)."""
        depends_on = _depends_on(definitions.get(tid))
        doc = task.public_with([] if depends_on is None else depends_on)
        if tid in self.expansions:
            doc["item_count"] = len(self.expansions[tid])
        elif (split := split_item_id(tid)) is not None:
            doc["depends_on"] = []
            doc["parent"], doc["index"] = split
        return doc


def _depends_on(definition: Any) -> list[str] | None:
    if not isinstance(definition, dict):
        return None
    deps = definition.get("depends_on")
    return list(map(str, deps)) if isinstance(deps, list | tuple) else None


def _duration(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(end - start, 6)

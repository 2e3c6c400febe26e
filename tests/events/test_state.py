"""`apply`: the execution state is the fold of its events, the same live and on recovery."""

from __future__ import annotations

from typing import Any

import pytest

from harmonia.events import Event
from harmonia.state import ExecutionState, TaskState, apply

WORKFLOW: dict[str, Any] = {
    "name": "fold",
    "version": "3.0.0",
    "tasks": {
        "a": {"component": "core", "action": "echo"},
        "b": {"component": "core", "action": "echo", "depends_on": ["a"]},
        "c": {"component": "core", "action": "echo", "depends_on": ["b"]},
    },
}


class Fold:
    """Apply events with consecutive seqs and timestamps 100, 101, ..."""

    def __init__(self) -> None:
        self.state = ExecutionState.new("exec-1", WORKFLOW, {"x": 1}, 99.0)

    def __call__(self, type: str, task_id: str | None = None, **data: Any) -> Event:
        seq = self.state.last_seq + 1
        event = Event(seq, type, self.state.id, task_id, 100.0 + seq, data)
        apply(self.state, event)
        return event


def test_a_new_state_has_every_task_pending() -> None:
    state = Fold().state
    assert state.status == "pending"
    assert list(state.tasks) == ["a", "b", "c"]
    assert all(t == TaskState() for t in state.tasks.values())
    assert state.counts() == {
        "pending": 3,
        "running": 0,
        "retrying": 0,
        "waiting": 0,
        "completed": 0,
        "failed": 0,
        "skipped": 0,
        "canceled": 0,
    }


def test_a_gate_waits_with_its_deadline_counted_from_the_event_and_a_cancel_ends_it() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1, input={"message": "go?"})
    waited = fold("task_waiting", "a", attempt=1, message="go?", timeout=60.0, on_timeout="reject")
    task = fold.state.tasks["a"]
    assert task.status == "waiting"
    assert fold.state.counts()["waiting"] == 1
    gate = task.history[-1]["waiting"]
    assert gate["since"] == waited.timestamp
    assert gate["deadline"] == waited.timestamp + 60.0
    assert gate["message"] == "go?"
    fold("workflow_canceled", reason="stop")
    assert task.status == "canceled"
    assert task.history[-1]["status"] == "canceled"
    assert fold.state.counts()["waiting"] == 0


def test_attempts_retries_and_completion() -> None:
    fold = Fold()
    fold("workflow_started")
    assert fold.state.status == "running"
    assert fold.state.started_at == 101.0
    fold("task_started", "a", attempt=1)
    a = fold.state.tasks["a"]
    assert (a.status, a.attempts, a.started_at) == ("running", 1, 102.0)
    error = {"message": "boom", "kind": "error"}
    fold("retry_attempted", "a", attempt=1, delay=0.5, error=error)
    assert a.status == "retrying"
    assert a.error == error
    fold("task_started", "a", attempt=2)
    assert a.error is None and a.status == "running"
    fold("task_completed", "a", attempt=2, output={"n": 1}, duration=0.1)
    assert a.status == "completed"
    assert a.output == {"n": 1}
    assert a.finished_at == 105.0
    assert a.history == [
        {
            "attempt": 1,
            "started_at": 102.0,
            "finished_at": 103.0,
            "status": "failed",
            "error": error,
        },
        {"attempt": 2, "started_at": 104.0, "finished_at": 105.0, "status": "completed"},
    ]
    public = a.to_public()
    assert public["duration"] == pytest.approx(1.0)  # of the attempt that completed
    assert public["started_at"] == "1970-01-01T00:01:44.000Z"
    assert public["history"][0]["finished_at"] == "1970-01-01T00:01:43.000Z"


def test_failure_skip_and_the_end_of_an_execution() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("task_failed", "a", attempt=1, error={"message": "no", "kind": "timeout"}, duration=1)
    fold("task_skipped", "c", reason="condition is false")
    a, c = fold.state.tasks["a"], fold.state.tasks["c"]
    assert a.status == "failed" and a.error == {"message": "no", "kind": "timeout"}
    assert a.history[-1]["status"] == "failed"
    assert c.status == "skipped"
    assert c.started_at == c.finished_at == 104.0
    fold("workflow_failed", error="1 task(s) failed: a", failed=["a"], blocked=["b"])
    assert fold.state.status == "failed"
    assert fold.state.error == "1 task(s) failed: a"
    assert fold.state.finished_at == 105.0
    summary = fold.state.summary()
    assert summary["failed_count"] == 1
    assert summary["done_count"] == 1
    assert summary["status"] == "failed"


def test_cancel_closes_running_attempts_and_cancels_pending_tasks() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("task_completed", "a", attempt=1, output=1)
    fold("task_started", "b", attempt=1)
    fold("workflow_canceled", reason="stop")
    a, b, c = (fold.state.tasks[t] for t in "abc")
    assert fold.state.status == "canceled"
    assert a.status == "completed"
    assert b.status == "canceled"
    assert b.history[-1] == {
        "attempt": 1,
        "started_at": 104.0,
        "finished_at": 105.0,
        "status": "canceled",
    }
    assert b.finished_at == 105.0
    assert c.status == "canceled"
    assert c.history == []


def test_resume_resets_failed_tasks_with_a_fresh_budget_and_requeues_interrupted_ones() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("retry_attempted", "a", attempt=1, delay=0, error={"message": "x", "kind": "error"})
    fold("task_started", "a", attempt=2)
    fold("task_failed", "a", attempt=2, error={"message": "x", "kind": "error"})
    fold("task_started", "c", attempt=3)  # say c was running when the process died
    fold("workflow_failed", error="failed")
    fold("workflow_resumed", reason="resume", reset=["a"], interrupted=["c"])
    state = fold.state
    a, c = state.tasks["a"], state.tasks["c"]
    assert state.status == "running"
    assert state.error is None and state.finished_at is None
    assert (a.status, a.attempts, a.budget_base, a.output, a.error) == ("pending", 2, 2, None, None)
    assert len(a.history) == 2  # the history of earlier attempts is kept
    assert (c.status, c.attempts, c.budget_base) == ("pending", 3, 1)
    assert c.history[-1]["status"] == "interrupted"
    fold("task_started", "a", attempt=3)
    assert a.attempts == 3 and a.attempts - a.budget_base == 1


def test_pause_and_checkpoint_events() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("workflow_paused", reason="operator")
    assert fold.state.status == "paused"
    before = fold.state.to_public()
    fold("checkpoint_created", checkpoint_id="ckpt-1", name="x", kind="manual")
    after = fold.state.to_public()
    assert after.pop("last_seq") == before.pop("last_seq") + 1
    assert after == before
    fold("workflow_resumed", reason="resume", reset=[], interrupted=[])
    assert fold.state.status == "running"


def test_events_at_or_below_last_seq_are_ignored() -> None:
    fold = Fold()
    started = fold("workflow_started")
    task = fold("task_started", "a", attempt=1)
    done = fold("task_completed", "a", attempt=1, output="x")
    snapshot = fold.state.to_public()
    for event in (started, task, done):
        apply(fold.state, event)
    assert fold.state.to_public() == snapshot
    assert len(fold.state.tasks["a"].history) == 1


def test_started_at_is_kept_across_a_second_workflow_started() -> None:
    """A restored execution starts with tasks from a checkpoint; its own start time is set once."""
    fold = Fold()
    fold("workflow_started")
    fold("workflow_started")
    assert fold.state.started_at == 101.0


def test_records_round_trip() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("task_completed", "a", attempt=1, output={"deep": [1, {"x": None}]})
    fold("task_started", "b", attempt=1)
    fold("retry_attempted", "b", attempt=1, delay=1, error={"message": "m", "kind": "error"})
    state = fold.state
    tasks = {tid: t.to_record() for tid, t in state.tasks.items()}
    again = ExecutionState.from_records(state.meta_record(), tasks)
    assert again == state
    assert again.to_public() == state.to_public()
    assert TaskState.from_record({}) == TaskState()


def test_public_document_shape() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("workflow_completed", duration=1.0)
    doc = fold.state.to_public()
    assert doc["workflow"] == "fold"
    assert doc["workflow_version"] == "3.0.0"
    assert doc["input"] == {"x": 1}
    assert doc["created_at"] == "1970-01-01T00:01:39.000Z"
    assert doc["duration"] == pytest.approx(1.0)
    assert doc["status"] == "completed"
    assert set(doc["tasks"]) == {"a", "b", "c"}
    assert set(doc["tasks"]["a"]) == {
        "status",
        "depends_on",
        "attempts",
        "output",
        "error",
        "started_at",
        "finished_at",
        "duration",
        "history",
        "child_execution_id",
        "operator",
        "input_override",
    }
    assert doc["parent"] is None and doc["output"] is None


def test_child_links_and_outputs_fold_and_round_trip() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("child_execution_started", "a", attempt=1, child_execution_id="child-1")
    fold("task_completed", "a", attempt=1, output={"total": 3})
    fold("workflow_completed", duration=1.0, output={"total": 3})
    state = fold.state
    assert state.tasks["a"].child_execution_id == "child-1"
    assert state.tasks["a"].history[0]["child_execution_id"] == "child-1"
    assert state.output == {"total": 3}
    tasks = {tid: t.to_record() for tid, t in state.tasks.items()}
    again = ExecutionState.from_records(state.meta_record(), tasks)
    assert again.to_public() == state.to_public()
    assert again.to_public()["output"] == {"total": 3}
    fold("workflow_resumed", reason="retry", reset=["a"], interrupted=[])
    assert fold.state.tasks["a"].child_execution_id is None  # run again: a new child


def test_an_interrupted_backoff_is_not_a_lost_attempt() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("retry_attempted", "a", attempt=1, delay=5, error={"message": "x", "kind": "error"})
    fold("workflow_resumed", reason="recovered", reset=[], interrupted=["a"])
    a = fold.state.tasks["a"]
    assert (a.status, a.attempts, a.budget_base) == ("pending", 1, 0)
    assert [h["status"] for h in a.history] == ["failed"]


def test_public_tasks_carry_their_dependencies_from_the_workflow_document() -> None:
    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    doc = fold.state.to_public()
    assert {tid: t["depends_on"] for tid, t in doc["tasks"].items()} == {
        "a": [],
        "b": ["a"],
        "c": ["b"],
    }
    # snapshot records and back (the recovery path) keep them: they live in the document
    tasks = {tid: t.to_record() for tid, t in fold.state.tasks.items()}
    again = ExecutionState.from_records(fold.state.meta_record(), tasks)
    assert again.to_public()["tasks"]["c"]["depends_on"] == ["b"]


def test_closed_attempts_hold_plain_strings_the_collector_need_not_track() -> None:
    import gc

    fold = Fold()
    fold("workflow_started")
    fold("task_started", "a", attempt=1)
    fold("task_completed", "a", attempt=1, output=None)
    entry = fold.state.tasks["a"].history[0]
    assert type(entry["status"]) is str
    assert not gc.is_tracked(entry)


def test_counts_kept_by_apply_match_a_recount_after_every_event() -> None:
    """`counts()` is counted once, then kept up to date event by event (listing executions
    asks it of every live one); after each event of a run with retries, a failure, a skip, a
    cancel and a resume it must equal a count made from scratch."""

    def recount(state: ExecutionState) -> dict[str, int]:
        return ExecutionState(state.id, state.workflow, state.input, tasks=state.tasks).counts()

    fold = Fold()
    fold.state.counts()  # from here on `apply` keeps the counts
    error = {"message": "boom", "kind": "error"}
    steps: list[tuple[str, str | None, dict[str, Any]]] = [
        ("workflow_started", None, {}),
        ("task_started", "a", {"attempt": 1}),
        ("retry_attempted", "a", {"attempt": 1, "error": error, "delay": 0.1}),
        ("task_started", "a", {"attempt": 2}),
        ("task_completed", "a", {"attempt": 2, "output": 1, "duration": 0.1}),
        ("task_started", "b", {"attempt": 1}),
        ("task_failed", "b", {"attempt": 1, "error": error, "duration": 0.1}),
        ("workflow_failed", None, {"error": "b failed"}),
        ("workflow_resumed", None, {"reset": ["b"], "interrupted": []}),
        ("task_started", "b", {"attempt": 2}),
        ("task_skipped", "c", {"reason": "test"}),
        ("workflow_canceled", None, {"reason": "operator"}),
        ("workflow_resumed", None, {"reset": ["b"], "interrupted": []}),
        ("task_started", "b", {"attempt": 3}),
        ("task_completed", "b", {"attempt": 3, "output": 2, "duration": 0.1}),
        ("workflow_completed", None, {}),
    ]
    for type, task_id, data in steps:
        fold(type, task_id, **data)
        assert fold.state.counts() == recount(fold.state), type
    assert fold.state.counts()["completed"] == 2 and fold.state.counts()["skipped"] == 1

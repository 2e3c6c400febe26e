"""Events folded into an execution's view: statuses, attempts, inputs, what each batch touched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from harmonia_tui.fold import ExecutionView
from helpers.tui_events import T0, ev, fresh

from harmonia.client import Event, Execution


def viewed(status: str, **fields: Any) -> ExecutionView:
    """The view of execution x1 of workflow wf built from its document, as the daemon sends it
    (`fields` beside its status)."""
    return ExecutionView.from_execution(
        Execution.model_validate({"id": "x1", "workflow": "wf", "status": status, **fields})
    )


def test_a_run_with_a_retry_and_a_failure_folds_into_the_right_view() -> None:
    view = fresh("a", "b", "c")
    events = [
        ev(1, "workflow_started", t=0),
        ev(2, "task_started", "a", 0, attempt=1),
        ev(
            3,
            "retry_attempted",
            "a",
            1,
            attempt=1,
            delay=0.5,
            error={"kind": "timeout", "message": "slow"},
        ),
        ev(4, "task_started", "a", 1.5, attempt=2),
        ev(5, "task_completed", "a", 2, attempt=2, output={"n": 1}),
        ev(6, "task_started", "b", 2, attempt=1),
        ev(7, "task_failed", "b", 3, attempt=1, error={"kind": "exit_code", "message": "boom"}),
        ev(8, "workflow_failed", None, 3, error="task b failed"),
    ]
    change = view.apply_all(events)
    assert change.tasks == {"a", "b"} and change.execution and not change.structure
    a, b, c = view.tasks["a"], view.tasks["b"], view.tasks["c"]
    assert (a.status, a.attempts, a.output) == ("completed", 2, {"n": 1})
    assert [h.status for h in a.history] == ["failed", "completed"]
    assert a.history[0].error == {"kind": "timeout", "message": "slow"}
    assert a.duration(T0) == 0.5  # the last attempt: started 1.5, finished 2
    assert (b.status, b.error) == ("failed", {"kind": "exit_code", "message": "boom"})
    assert c.status == "pending"
    assert (view.status, view.error, view.done, view.failed) == ("failed", "task b failed", 1, 1)
    assert view.duration(T0 + timedelta(hours=1)) == 3.0  # finished: not the clock's time


def test_events_already_in_the_document_are_ignored_and_each_applies_once() -> None:
    view = fresh("a")
    assert view.apply(ev(1, "task_started", "a", attempt=1))
    assert not view.apply(ev(1, "task_started", "a", attempt=1))  # a repeat
    other = Event(seq=2, type="task_failed", execution_id="zz", task_id="a", timestamp=T0, data={})
    assert not view.apply(other)  # another execution's event
    assert view.tasks["a"].attempts == 1 and view.events_applied == 1


def test_resume_resets_failed_tasks_and_interrupts_running_ones() -> None:
    view = fresh("a", "b")
    view.apply_all(
        [
            ev(1, "workflow_started"),
            ev(2, "task_started", "a", attempt=1),
            ev(3, "task_started", "b", attempt=1),
            ev(4, "task_failed", "b", 1, attempt=1, error={"message": "x"}),
            ev(5, "workflow_paused"),
        ]
    )
    assert view.status == "paused"
    change = view.apply(ev(6, "workflow_resumed", None, 2, reset=["b"], interrupted=["a"]))
    assert change.tasks == {"a", "b"}
    assert view.status == "running" and view.finished_at is None
    assert (
        view.tasks["a"].status == "pending" and view.tasks["a"].history[-1].status == "interrupted"
    )
    assert view.tasks["b"].status == "pending" and view.tasks["b"].error is None


def test_cancel_marks_active_and_pending_tasks_canceled() -> None:
    view = fresh("a", "b", "c")
    view.apply_all(
        [
            ev(1, "task_started", "a", attempt=1),
            ev(2, "task_completed", "a", 1, attempt=1),
            ev(3, "task_started", "b", 1, attempt=1),
            ev(4, "workflow_canceled", None, 2, reason="operator"),
        ]
    )
    assert [view.tasks[t].status for t in "abc"] == ["completed", "canceled", "canceled"]
    assert view.tasks["b"].history[-1].status == "canceled"


def test_a_task_the_view_did_not_know_is_a_structure_change() -> None:
    view = fresh("a")
    change = view.apply(ev(1, "task_started", "new", attempt=1))
    assert change.structure and "new" in view.tasks


def test_a_skipped_task_keeps_its_reason() -> None:
    view = fresh("a")
    view.apply(ev(1, "task_skipped", "a", reason="condition is false: x"))
    assert view.tasks["a"].status == "skipped" and view.tasks["a"].note == "condition is false: x"


def test_a_task_skipped_after_a_retry_reset_it_took_no_time() -> None:
    """As the engine's fold: the skip kept the start of the run before the reset, and the
    task looked as long as the wait between them."""
    view = fresh("a")
    view.apply_all(
        [
            ev(1, "task_started", "a", 0, attempt=1),
            ev(2, "task_completed", "a", 1, attempt=1),
            ev(3, "workflow_resumed", None, 30, reset=["a"]),
            ev(4, "task_skipped", "a", 31, reason="trigger rule one_failed"),
        ]
    )
    assert view.tasks["a"].duration(T0 + timedelta(seconds=40)) == 0


def test_the_document_and_the_event_fold_agree() -> None:
    """The view built from a document equals the view folded from the same history."""
    from_doc = viewed(
        "completed",
        started_at="2026-01-02T03:04:05.000Z",
        finished_at="2026-01-02T03:04:07.000Z",
        last_seq=4,
        tasks={
            "a": {
                "status": "completed",
                "attempts": 1,
                "output": 3,
                "started_at": "2026-01-02T03:04:05.000Z",
                "finished_at": "2026-01-02T03:04:06.000Z",
                "history": [
                    {
                        "attempt": 1,
                        "started_at": "2026-01-02T03:04:05.000Z",
                        "finished_at": "2026-01-02T03:04:06.000Z",
                        "status": "completed",
                    }
                ],
            }
        },
    )
    history = [
        ev(1, "workflow_started", None, 0),
        ev(2, "task_started", "a", 0, attempt=1, input={"n": 3}),
        ev(3, "task_completed", "a", 1, attempt=1, output=3),
        ev(4, "workflow_completed", None, 2),
    ]
    folded = fresh("a")
    folded.apply_all(history)
    # the document leaves out each attempt's input; the journal's events bring it in
    assert from_doc.needs_inputs() and from_doc.tasks["a"].history[0].input_recorded is None
    assert from_doc.apply_all(history).tasks == {"a"}
    assert not from_doc.needs_inputs() and from_doc.events_applied == 0
    assert folded.tasks == from_doc.tasks
    assert (folded.status, folded.started_at, folded.finished_at, folded.last_seq) == (
        from_doc.status,
        from_doc.started_at,
        from_doc.finished_at,
        from_doc.last_seq,
    )


def test_each_attempt_keeps_the_input_its_task_started_event_carries() -> None:
    view = fresh("a")
    view.apply_all(
        [
            ev(1, "task_started", "a", 0, attempt=1, input={"url": "https://x/1", "key": "***"}),
            ev(2, "retry_attempted", "a", 1, attempt=1, delay=0.1, error={"message": "503"}),
            ev(3, "task_started", "a", 2, attempt=2, input={"url": "https://x/2", "key": "***"}),
        ]
    )
    first, second = view.tasks["a"].history
    assert (first.input, first.input_recorded) == ({"url": "https://x/1", "key": "***"}, True)
    assert second.input == {"url": "https://x/2", "key": "***"} and second.input_recorded
    # an event from before inputs were recorded: known to have none (the pane approximates)
    view.apply(ev(4, "task_started", "b", 3, attempt=1))
    assert view.tasks["b"].history[0].input_recorded is False
    # a replayed event never overwrites what is known
    assert not view.apply(ev(1, "task_started", "a", 0, attempt=1, input="other"))
    assert first.input == {"url": "https://x/1", "key": "***"}


def test_inputs_missing_from_the_journal_end_up_not_recorded() -> None:
    view = viewed(
        "failed",
        last_seq=9,
        tasks={"a": {"status": "failed", "attempts": 1, "history": [{"attempt": 1}]}},
    )
    assert view.needs_inputs()
    assert view.inputs_read().tasks == {"a"}
    assert view.tasks["a"].history[0].input_recorded is False and not view.needs_inputs()

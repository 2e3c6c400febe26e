"""The TUI's view logic without Textual: events folded into view state, coalescing, glyphs,
times, the layered layout, resolved inputs and the start form's checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from harmonia_tui.inputs import check_value, declared_inputs, problems_by_field, read_form
from harmonia_tui.layout import Dag, layered
from harmonia_tui.viewstate import (
    Coalescer,
    ExecutionRow,
    ExecutionView,
    Glyphs,
    describe_event,
    format_ago,
    format_duration,
    format_offset,
    progress_bar,
    resolve_references,
)

from harmonia.client import Event, Execution

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def ev(seq: int, kind: str, task: str | None = None, t: float = 0.0, **data: Any) -> Event:
    return Event(
        seq=seq,
        type=kind,
        execution_id="x1",
        task_id=task,
        timestamp=T0 + timedelta(seconds=t),
        data=data,
    )


def fresh(*tasks: str) -> ExecutionView:
    doc = Execution.model_validate(
        {
            "id": "x1",
            "workflow": "wf",
            "status": "pending",
            "tasks": {t: {"status": "pending"} for t in tasks},
            "last_seq": 0,
        }
    )
    return ExecutionView.from_execution(doc)


# ---- folding events --------------------------------------------------------------------------


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


def test_the_document_and_the_event_fold_agree() -> None:
    """The view built from a document equals the view folded from the same history."""
    doc = Execution.model_validate(
        {
            "id": "x1",
            "workflow": "wf",
            "status": "completed",
            "started_at": "2026-01-02T03:04:05.000Z",
            "finished_at": "2026-01-02T03:04:07.000Z",
            "last_seq": 4,
            "tasks": {
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
        }
    )
    from_doc = ExecutionView.from_execution(doc)
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
    doc = Execution.model_validate(
        {
            "id": "x1",
            "workflow": "wf",
            "status": "failed",
            "last_seq": 9,
            "tasks": {"a": {"status": "failed", "attempts": 1, "history": [{"attempt": 1}]}},
        }
    )
    view = ExecutionView.from_execution(doc)
    assert view.needs_inputs()
    assert view.inputs_read().tasks == {"a"}
    assert view.tasks["a"].history[0].input_recorded is False and not view.needs_inputs()


def test_the_graph_comes_from_the_documents_depends_on_when_it_has_them() -> None:
    from harmonia_tui.connection import document_shape

    def doc(tasks: dict[str, Any]) -> Execution:
        return Execution.model_validate({"id": "x1", "status": "running", "tasks": tasks})

    shape = document_shape(
        doc(
            {
                "a": {"status": "completed", "depends_on": []},
                "b": {"status": "running", "depends_on": ["a"]},
                "c": {"status": "pending", "depends_on": ["a", "b"]},
            }
        )
    )
    assert shape is not None and shape.known and shape.source == "the execution"
    assert shape.dag.parents == {"a": (), "b": ("a",), "c": ("a", "b")}
    assert layered(shape.dag).layers == (("a",), ("b",), ("c",))
    # every task a root: still edges known (none), not "dependencies unknown"
    roots = document_shape(doc({"a": {"status": "pending", "depends_on": []}}))
    assert roots is not None and roots.known and roots.dag.parents == {"a": ()}
    # a daemon from before the field: fall back to the stored workflow
    assert document_shape(doc({"a": {"status": "pending"}})) is None


def _pane(view: ExecutionView, task: str, specs: dict[str, Any] | None = None) -> str:
    import io

    from harmonia_tui.connection import WorkflowShape
    from harmonia_tui.widgets.task_detail import render_task
    from rich.console import Console

    shape = WorkflowShape(Dag.from_depends_on({t: [] for t in view.tasks}), specs or {})
    console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
    console.print(render_task(view.tasks[task], view, shape, Glyphs(), T0))
    return console.export_text()


def test_the_detail_pane_shows_the_input_each_attempt_was_rendered_with() -> None:
    view = fresh("a", "old", "later")
    view.input = {"n": 3}
    view.apply_all(
        [
            ev(1, "task_started", "a", 0, attempt=1, input={"n": 3, "token": "${env.TOKEN}"}),
            ev(2, "retry_attempted", "a", 1, attempt=1, delay=0.1, error={"message": "503"}),
            ev(3, "task_started", "a", 2, attempt=2, input={"n": 3, "token": "***"}),
            ev(4, "task_started", "old", 2, attempt=1),  # recorded before inputs were
        ]
    )
    specs = {t: {"component": "core", "action": "echo", "input": {"n": "${input.n}"}} for t in "a"}
    specs["old"] = specs["later"] = specs["a"]
    text = _pane(view, "a", specs)
    assert "as rendered for attempt #2" in text and '"token": "***"' in text
    assert "approximation" not in text and "resolved from recorded results" not in text
    assert 'input: {"n": 3, "token": "${env.TOKEN}"}' in text  # attempt 1, as it was
    old = _pane(view, "old", specs)
    assert "recorded before inputs were kept: an approximation" in old and '"n": 3' in old
    assert "not started yet" in _pane(view, "later", specs)
    assert "not started yet" in _pane(view, "later")
    reading = ExecutionView.from_execution(
        Execution.model_validate(
            {
                "id": "x1",
                "status": "failed",
                "last_seq": 5,
                "tasks": {"a": {"status": "failed", "attempts": 1, "history": [{"attempt": 1}]}},
            }
        )
    )
    assert "reading the recorded input" in _pane(reading, "a", specs)


# ---- coalescing ------------------------------------------------------------------------------


def test_the_coalescer_asks_for_one_update_per_batch_and_loses_nothing() -> None:
    coalescer = Coalescer(interval=0.05)
    schedules = sum(coalescer.push(ev(i, "task_started", "a")) for i in range(1, 1001))
    assert schedules == 1 and coalescer.pending == 1000
    batch = coalescer.take()
    assert [e.seq for e in batch] == list(range(1, 1001))
    assert coalescer.push(ev(1001, "task_started", "a"))  # a new batch needs a new update
    assert (coalescer.batches, coalescer.events) == (1, 1000)


def test_the_coalescer_spaces_updates_by_its_interval() -> None:
    coalescer = Coalescer(interval=0.05)
    assert coalescer.delay(100.0) == 0.0  # nothing drawn yet: at once
    coalescer.push(ev(1, "task_started", "a"))
    coalescer.take(100.0)
    assert coalescer.delay(100.01) == pytest.approx(0.04)  # the rest of the interval
    assert coalescer.delay(100.2) == 0.0  # a slow update: the next one comes at once


# ---- how things look -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    ["pending", "running", "retrying", "completed", "failed", "skipped", "canceled", "paused"],
)
def test_every_status_has_a_glyph_an_ascii_glyph_and_a_colour(status: str) -> None:
    unicode, ascii = Glyphs(), Glyphs(ascii=True)
    assert unicode.status(status) and unicode.style(status)
    assert ascii.status(status).isascii() and len(ascii.status(status)) == 1
    # never colour alone: the glyphs differ between statuses
    others = {
        s
        for s in (
            "pending",
            "running",
            "retrying",
            "completed",
            "failed",
            "skipped",
            "canceled",
            "paused",
        )
        if s != status
    }
    assert unicode.status(status) not in {unicode.status(o) for o in others}
    assert ascii.status(status) not in {ascii.status(o) for o in others}


def test_ascii_glyphs_are_ascii() -> None:
    g = Glyphs(ascii=True)
    for text in (
        g.rule,
        g.parents_arrow,
        g.children_arrow,
        g.ellipsis,
        g.bar_full,
        g.bar_empty,
        g.bullet,
    ):
        assert text.isascii()
    assert progress_bar(3, 4, 8, g) == "######.."


def test_times_are_relative_to_the_clock() -> None:
    assert format_duration(0.4) == "0.40s"
    assert format_duration(12.34) == "12.3s"
    assert format_duration(184) == "3m04s"
    assert format_duration(7500) == "2h05m"
    assert format_duration(None) == ""
    assert format_ago(T0 - timedelta(seconds=42), T0) == "42s ago"
    assert format_ago(T0 - timedelta(minutes=5), T0) == "5m ago"
    assert format_ago(T0 - timedelta(days=2), T0) == "2d ago"
    assert format_ago(T0, T0) == "just now"
    assert format_offset(T0 + timedelta(seconds=1.25), T0) == "+1.25s"


def test_log_lines_name_the_task_the_error_kind_and_the_time() -> None:
    line = describe_event(
        ev(
            7,
            "task_failed",
            "load",
            3.0,
            attempt=2,
            duration=0.5,
            error={"kind": "exit_code", "message": "boom"},
        ),
        T0,
    )
    assert (line.seq, line.offset, line.status) == (7, "+3.00s", "failed")
    assert line.text == "load failed in 0.50s: [exit_code] boom"
    resumed = describe_event(ev(8, "workflow_resumed", None, reason="retry", reset=["a", "b"]), T0)
    assert resumed.text == "execution resumed (retry); again: a, b"


def test_execution_rows_filter_on_every_word_and_follow_status_events() -> None:
    row = ExecutionRow("20260102-x", "nightly-etl", "running", T0, T0, None, 9, 4, 1)
    assert row.matches("etl run") and row.matches("2026") and not row.matches("diamond")
    assert row.progress() == "4/9 (1 failed)"
    assert row.apply(ev(9, "workflow_paused")) and row.status == "paused"
    assert not row.apply(ev(10, "task_started", "a"))


# ---- the layout -------------------------------------------------------------------------------


def diamond() -> Dag:
    return Dag.from_depends_on(
        {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["d"]}, ["a", "b", "c", "d", "e"]
    )


def test_layers_are_topological_generations() -> None:
    layout = layered(diamond())
    assert layout.layers == (("a",), ("b", "c"), ("d",), ("e",))
    assert [r.task_id for r in layout.rows] == [None, "a", None, "b", "c", None, "d", None, "e"]
    assert layout.row_of["d"] == 6 and layout.tasks == ("a", "b", "c", "d", "e")


def test_barycentre_keeps_chains_lined_up() -> None:
    dag = Dag.from_depends_on(
        {"s": [], "f1": ["s"], "f2": ["s"], "c2": ["f2"], "c1": ["f1"]},
        ["s", "f1", "f2", "c2", "c1"],
    )
    assert layered(dag).layers[2] == ("c1", "c2")  # under f1, f2 rather than as declared


def test_moving_through_the_layout() -> None:
    layout = layered(diamond())
    assert layout.step("a", 1) == "b" and layout.step("e", 1) == "e" and layout.step("b", -5) == "a"
    assert layout.layer_step("c", 1) == "d" and layout.layer_step("d", -1) == "b"
    assert (
        layout.parent("d") == "b"
        and layout.parent("d", "b") == "c"
        and layout.parent("d", "c") == "b"
    )
    assert layout.child("a") == "b" and layout.parent("a") is None
    assert diamond().downstream("b") == ["d", "e"] and diamond().upstream("e") == [
        "a",
        "b",
        "c",
        "d",
    ]


def test_unknown_dependencies_show_every_task_in_one_group() -> None:
    layout = layered(Dag.unknown(["x", "y"]))
    assert layout.layers == (("x", "y"),) and not layout.dag.known


def test_five_hundred_tasks_lay_out_quickly_and_completely() -> None:
    import random
    import time

    rng = random.Random(3)
    deps = {
        f"t{i}": [f"t{j}" for j in rng.sample(range(max(0, i - 30), i), min(i, 3))]
        for i in range(500)
    }
    started = time.perf_counter()
    layout = layered(Dag.from_depends_on(deps, list(deps)))
    assert time.perf_counter() - started < 1.0  # generous: it takes milliseconds
    assert sorted(layout.tasks) == sorted(deps)
    for tid, parents in deps.items():
        assert all(layout.layer_of[p] < layout.layer_of[tid] for p in parents)


# ---- resolved inputs -------------------------------------------------------------------------


def test_references_resolve_from_known_results() -> None:
    context = {
        "input": {"n": 3, "who": "ann"},
        "tasks": {"a": {"output": {"rows": [1, 2], "msg": "hi"}, "status": "completed"}},
        "execution": {"id": "x1"},
    }
    template = {
        "count": "${input.n}",
        "first": "${tasks.a.output.rows[0]}",
        "text": "hello ${input.who}, ${tasks.a.output.msg} (${tasks.a.status})",
        "env": "${env.HOME}",
        "later": ["${tasks.b.output}"],
    }
    assert resolve_references(template, context) == {
        "count": 3,
        "first": 1,
        "text": "hello ann, hi (completed)",
        "env": "${env.HOME}",
        "later": ["${tasks.b.output}"],
    }


# ---- the start form ----------------------------------------------------------------------------


SPECS = {
    "input": {
        "rows": {"type": "integer", "default": 12, "minimum": 1},
        "region": {"type": "string", "enum": ["north", "south"]},
        "flags": {"type": "array", "default": [], "max_length": 2},
        "ratio": {"type": "number", "default": 0.5, "maximum": 1},
    }
}


def test_the_form_checks_inputs_as_the_daemon_does() -> None:
    fields = declared_inputs(SPECS)
    assert [f.name for f in fields] == ["rows", "region", "flags", "ratio"]
    assert [f.initial_text() for f in fields] == ["12", "", "[]", "0.5"]
    bad = read_form(fields, {"rows": "0", "region": "", "flags": "[1,2,3]", "ratio": "abc"})
    assert bad.problems == {
        "rows": ["0 is less than the minimum 1"],
        "region": ["missing required input"],
        "flags": ["has 3 items, more than max_length 2"],
        "ratio": ['expected number, got text "abc"'],
    }
    good = read_form(fields, {"rows": "3", "region": "south", "flags": "", "ratio": "1"})
    assert good.ok and good.values == {"rows": 3, "region": "south", "ratio": 1}
    assert check_value({"type": "string", "enum": ["a"]}, "b") == ["'b' is not one of: 'a'"]
    assert check_value({"type": "integer"}, True) == ["expected integer, got boolean true"]


def test_the_daemons_problems_land_on_their_fields() -> None:
    per_field, other = problems_by_field(
        [
            {"message": "missing required input", "field": "input.region"},
            {"message": "unknown input 'x'", "field": "input.x"},
            {"msg": "bad", "loc": ["body", "input"]},
        ]
    )
    assert per_field == {"region": ["missing required input"], "x": ["unknown input 'x'"]}
    assert other == ["body.input: bad"]


def test_the_view_logic_needs_no_textual() -> None:
    code = (
        "import sys; sys.modules['textual'] = None; sys.modules['rich'] = None\n"
        "import harmonia_tui.viewstate, harmonia_tui.layout, harmonia_tui.inputs\n"
        "assert not any(m.startswith(('textual.', 'rich.')) for m in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

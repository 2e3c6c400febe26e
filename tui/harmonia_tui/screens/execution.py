"""One execution: its task graph, the selected task in detail, and its event log, all live.

Events are queued as they arrive and applied in batches at most `1/coalesce_interval` times a
second: one batch restyles the graph rows of the tasks it touched, appends to the log, and
redraws the detail pane only when the selected task changed. What the keys do is in
`execution_actions`, the summary above the panes in `execution_header`.
"""

from __future__ import annotations

import time
from functools import partial

import anyio
import anyio.lowlevel
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from harmonia.client import Event
from harmonia.protocol import split_item_id
from harmonia_tui.coalescer import Coalescer
from harmonia_tui.connection import LinkState, WorkflowShape, document_shape
from harmonia_tui.fanout import shown_dag
from harmonia_tui.fold import Change, ExecutionView
from harmonia_tui.layout import Dag, GraphLayout, layered
from harmonia_tui.screens.approvals import (
    GATE_BINDINGS,
    RejectScreen,
    approve_question,
    decide,
    gate_asks,
    gate_unavailable,
)
from harmonia_tui.screens.execution_actions import (
    cancel_question,
    operate,
    unavailable,
)
from harmonia_tui.screens.execution_header import column_titles, summary_text
from harmonia_tui.screens.filtering import FilteredScreen
from harmonia_tui.screens.fix_actions import fix_unavailable
from harmonia_tui.screens.fix_keys import complete_key, retry_key, skip_key
from harmonia_tui.widgets.event_log import EventLog
from harmonia_tui.widgets.graph import TaskGraph
from harmonia_tui.widgets.task_detail import TaskDetail
from harmonia_tui.widgets.text_lines import TextLines

__all__ = ["ExecutionScreen"]

DETAIL_INTERVAL = 0.25
"""Seconds between redraws of the detail pane caused by events (a selection is immediate)."""
LOG_BACKLOG = 500
"""Events of the history shown in the log when the screen opens."""
YIELD_EVERY = 64
INPUT_PAGE = 2000
"""Events per request while reading the inputs of attempts from the journal."""


class ExecutionScreen(FilteredScreen):
    TITLE = "Execution"

    DEFAULT_CSS = """
    ExecutionScreen #summary {
        height: 3;
        padding: 0 1;
        background: $boost;
    }
    ExecutionScreen #panes {
        height: 1fr;
    }
    ExecutionScreen #left {
        width: 3fr;
        min-width: 40;
    }
    ExecutionScreen #right {
        width: 2fr;
        border-left: vkey $primary 50%;
    }
    ExecutionScreen #graph-columns {
        height: 1;
        color: $text-muted;
        background: $surface;
    }
    ExecutionScreen TaskGraph {
        height: 1fr;
    }
    ExecutionScreen TaskDetail {
        height: 3fr;
    }
    ExecutionScreen #log-title {
        height: 1;
        color: $text-muted;
        background: $boost;
        padding: 0 1;
    }
    ExecutionScreen EventLog {
        height: 2fr;
    }
    """

    BINDINGS = [
        Binding("r", "retry", "Retry", tooltip="Run the selected task and its downstream again"),
        Binding("R", "resume", "Resume", tooltip="Resume a failed, paused or canceled execution"),
        Binding("p", "pause", "Pause", tooltip="Start nothing new; running tasks finish"),
        Binding("c", "cancel", "Cancel", tooltip="Cancel the execution"),
        *GATE_BINDINGS,
        Binding("s", "start", "Start", tooltip="Start a stored workflow"),
        Binding(
            "enter",
            "open",
            "Open",
            tooltip="The selected task's detail, full screen; a sub-workflow's child execution",
        ),
        Binding("x", "items", "Items", show=False, tooltip="Show or hide a for_each task's items"),
        Binding("m", "complete", "Complete", show=False, tooltip="Mark the task completed by hand"),
        Binding("K", "skip", "Skip", show=False, tooltip="Mark the task skipped by hand"),
        Binding("slash", "filter", "Filter", tooltip="Filter the event log; jump to a task"),
        Binding("escape", "back", "Back", tooltip="Back to the executions"),
    ]

    def __init__(self, execution_id: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.view: ExecutionView | None = None
        self.shape: WorkflowShape | None = None
        self.layout_: GraphLayout | None = None
        self.load_error: str | None = None
        self.coalescer = Coalescer()
        self.updates = 0
        self.opened_at = time.perf_counter()
        self.loaded_at: float | None = None
        self.filter_text = ""
        self._detail_at = 0.0
        self._detail_timer: Timer | None = None
        self.expanded: set[str] = set()
        """The `for_each` tasks whose items the graph shows (`x`)."""

    def compose_body(self) -> ComposeResult:
        g = self.harmonia.glyphs
        self.summary = TextLines(
            Text(f"opening execution {self.execution_id}", style="dim"), id="summary"
        )
        yield self.summary
        yield Input(placeholder="filter the log; a task id selects that task", id="filter")
        self.graph = TaskGraph(g, self.harmonia.clock, id="graph")
        self.detail = TaskDetail(g, id="detail")
        self.log_view = EventLog(g, id="log")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield Static("", id="graph-columns")
                yield self.graph
            with Vertical(id="right"):
                yield self.detail
                yield Static("events", id="log-title")
                yield self.log_view

    def on_mount(self) -> None:
        super().on_mount()
        self.coalescer.interval = self.harmonia.coalesce_interval
        self.graph.focus()
        self.set_interval(1.0, self._tick)
        self.start_task(self._load, group="loading", exclusive=True)

    def link_changed(self, state: LinkState) -> None:
        if state.usable and self.view is None:
            self.start_task(self._load, group="loading", exclusive=True)

    # ---- loading ------------------------------------------------------------------------------
    async def _load(self) -> None:
        app = self.harmonia
        client = app.connection.client
        doc = await app.api(
            client.get_execution(self.execution_id), what=f"opening execution {self.execution_id}"
        )
        if doc is None:
            self.load_error = f"cannot open execution {self.execution_id}"
            self.summary.update(Text(self.load_error, style="red"))
            return
        view = ExecutionView.from_execution(doc)
        shape = document_shape(doc)
        if shape is None:  # a daemon from before `depends_on`: find the stored workflow
            shape = await self._stored_shape(doc.workflow, doc.workflow_version, list(doc.tasks))
        else:  # the edges are in hand; the specs (component, `when`) only add detail
            self.start_task(
                partial(self._add_specs, doc.workflow, doc.workflow_version, list(doc.tasks)),
                group="reading the workflow",
            )
        self.view, self.shape = view, shape
        self._lay_out()
        self.title = f"Execution · {view.workflow}"
        self._show_summary()
        self._show_detail()
        self.loaded_at = time.perf_counter()
        self.call_after_refresh(self.refresh_keys)  # the footer after the graph: first paint
        after = view.last_seq
        page = await app.api(
            client.events_page(
                self.execution_id, after=max(0, after - LOG_BACKLOG), limit=LOG_BACKLOG
            ),
            what="reading the event log",
        )
        if page is not None:
            for event in page.items:
                self._receive(event)
            after = max(after, page.next_after)
        self.start_task(partial(self._follow, after), group="following events", exclusive=True)
        if view.needs_inputs():
            self.start_task(
                partial(self._read_inputs, view.last_seq), group="reading inputs", exclusive=True
            )

    async def _stored_shape(
        self, workflow: str, version: str | None, task_ids: list[str]
    ) -> WorkflowShape:
        try:
            return await self.harmonia.connection.shape_of(workflow, version, task_ids)
        except Exception as exc:  # a listing error must not keep the execution from showing
            return WorkflowShape(Dag.unknown(task_ids), {}, f"dependencies unknown: {exc}")

    async def _add_specs(self, workflow: str, version: str | None, task_ids: list[str]) -> None:
        """Each task's spec from the stored workflow, for the detail pane; the graph keeps the
        execution's own edges whatever is found."""
        found = await self._stored_shape(workflow, version, task_ids)
        if not found.specs or self.shape is None or self.gone:
            return
        self.shape = WorkflowShape(self.shape.dag, found.specs, self.shape.source)
        self._show_detail()

    async def _read_inputs(self, until: int) -> None:
        """The input each attempt of the document was started with: the document leaves it
        out, its `task_started` event in the journal has it. One pass up to where the
        document ends (later events come with the live stream), a page at a time."""
        view, client = self.view, self.harmonia.connection.client
        if view is None:
            return
        after = 0
        while after < until and view.needs_inputs():
            page = await self.harmonia.api(
                client.events_page(self.execution_id, after=after, limit=INPUT_PAGE),
                what="reading the recorded inputs",
            )
            if page is None:
                return  # shown as an error; the pane keeps saying it is reading
            if not page.items:
                break
            self._inputs_found(view.apply_all(e for e in page.items if e.seq <= until))
            after = page.next_after
        self._inputs_found(view.inputs_read())

    def _inputs_found(self, change: Change) -> None:
        if not self.gone and self.graph.selected in change.tasks:
            self._request_detail()

    def _lay_out(self) -> None:
        """Lay the graph out again: only when the structure changed."""
        view, shape = self.view, self.shape
        assert view is not None and shape is not None
        dag = shape.dag
        missing = [t for t in view.tasks if t not in dag.parents and split_item_id(t) is None]
        if missing:
            dag = Dag.from_depends_on(dict(dag.parents), [*dag.order, *missing], known=dag.known)
            self.shape = WorkflowShape(dag, shape.specs, shape.source)
        self.layout_ = layered(shown_dag(dag, view, self.expanded))
        self.graph.show(view, self.layout_)
        self._show_columns()

    async def _follow(self, after: int) -> None:
        received = 0
        async for event in self.harmonia.connection.follow(self.execution_id, after=after):
            self._receive(event)
            received += 1
            if received % YIELD_EVERY == 0:
                # a stream with a backlog is read without ever waiting: let the screen draw
                await anyio.lowlevel.checkpoint()

    def _receive(self, event: Event) -> None:
        if self.coalescer.push(event):
            delay = self.coalescer.delay(time.monotonic())
            if delay > 0:
                self.set_timer(delay, self.flush)
            else:
                self.call_later(self.flush)

    def flush(self) -> None:
        """Apply the queued events: restyle what they touched, append them to the log."""
        events = self.coalescer.take(time.monotonic())
        view = self.view
        if not events or view is None or self.gone:
            return
        self.updates += 1
        change: Change = view.apply_all(events)
        if change.structure:
            self._lay_out()
        else:
            self.graph.restyle(change.tasks)
        self.log_view.add(events, view.origin)
        if change.execution:
            self._show_summary()
        if self.graph.selected in change.tasks:
            self._request_detail()
        if change.execution or self.graph.selected in change.tasks:
            self.refresh_keys()

    def _tick(self) -> None:
        """Once a second: the clocks move on ("started 2s ago" too, once it has ended)."""
        view = self.view
        if view is None or self.gone:
            return
        active = view.active_tasks()
        if active:
            self.graph.restyle(active)
            if self.graph.selected in active:
                self._request_detail()
        self._show_summary()

    # ---- drawing ------------------------------------------------------------------------------
    def _show_columns(self) -> None:
        known = self.shape is not None and self.shape.known
        self.query_one("#graph-columns", Static).update(column_titles(self.layout_, known))

    def _show_summary(self) -> None:
        if self.view is not None:
            now = self.harmonia.clock()
            self.summary.update(summary_text(self.view, self.shape, self.harmonia.glyphs, now))

    def _request_detail(self) -> None:
        """Redraw the detail pane for a change of its task, at most a few times a second (a
        person reads it; the graph and the log show every change at once)."""
        if self._detail_timer is not None:
            return
        wait = self._detail_at + DETAIL_INTERVAL - time.monotonic()
        if wait <= 0:
            self._show_detail()
        else:
            self._detail_timer = self.set_timer(wait, self._detail_due)

    def _detail_due(self) -> None:
        self._detail_timer = None
        if not self.gone:
            self._show_detail()

    def _show_detail(self) -> None:
        self._detail_at = time.monotonic()
        view = self.view
        task = view.tasks.get(self.graph.selected or "") if view else None
        self.detail.show(task, view, self.shape, self.harmonia.clock())

    @on(TaskGraph.Selected)
    def _selected(self, event: TaskGraph.Selected) -> None:
        self._show_detail()
        self.refresh_keys()

    # ---- filter -------------------------------------------------------------------------------
    def filter_applied(self) -> None:
        """The log shows matching lines; a task whose id matches is selected."""
        self.log_view.set_filter(self.filter_text)
        if self.filter_text and self.layout_ is not None:
            needle = self.filter_text.lower()
            exact = [t for t in self.layout_.tasks if t.lower() == needle]
            match = exact or [t for t in self.layout_.tasks if needle in t.lower()]
            if match:
                self.graph.select(match[0])

    def filter_target(self) -> Widget:
        return self.graph

    # ---- actions ------------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        # asked for before the body is composed too: no graph yet, and then no view either
        selected = self.graph.selected if self.view is not None else None
        if action == "items" and self.view is not None and self._fan_out_task() is None:
            return "select a for_each task whose list was evaluated (it shows its counts)"
        if action in ("approve", "reject") and (why := gate_unavailable(self.view, selected)):
            return why
        if action in ("complete", "skip") and self.view is not None:
            return fix_unavailable(action, self.view, selected)
        return unavailable(action, self.view, selected, self.load_error)

    def action_items(self) -> None:
        """Show the selected `for_each` task's items under it, or hide them (also from one
        of its items, which then hands the selection back to its task)."""
        task = self._fan_out_task()
        if task is None:
            return
        if task in self.expanded:
            self.expanded.discard(task)
            self.graph.select(task)
        else:
            self.expanded.add(task)
        self._lay_out()

    def _fan_out_task(self) -> str | None:
        """The `for_each` task selected (or whose item is selected), once it has items."""
        selected = self.graph.selected if self.view is not None else None
        split = split_item_id(selected or "")
        task = split[0] if split is not None else selected
        return task if self.view is not None and task in self.view.items else None

    def action_open(self) -> None:
        view, task_id = self.view, self.graph.selected
        task = view.tasks.get(task_id) if view is not None and task_id is not None else None
        if task is not None and task.child_execution_id is not None:
            self.harmonia.open_execution(task.child_execution_id)  # a sub-workflow: go down
            return
        self.maximize(self.detail)
        self.notify("esc returns to the graph", timeout=2)

    def action_start(self) -> None:
        self.harmonia.action_workflows(select=self.view.workflow if self.view else None)

    def action_retry(self) -> None:
        retry_key(self)

    def action_complete(self) -> None:
        complete_key(self)

    def action_skip(self) -> None:
        skip_key(self)

    def action_approve(self) -> None:
        self._gate(approve=True)

    def action_reject(self) -> None:
        self._gate(approve=False)

    def _gate(self, *, approve: bool) -> None:
        """A confirm (approve) or a reason prompt (reject), then the decision, as `tui`."""
        view, task_id = self.view, self.graph.selected
        if view is None or task_id is None:
            return

        def answered(reason: str | bool | None) -> None:
            if reason is None or reason is False:
                return
            why = reason if isinstance(reason, str) and reason else None
            work = partial(
                decide, self.harmonia, self.execution_id, task_id, approve=approve, reason=why
            )
            self.start_task(work, group="the action")

        if approve:
            self.app.push_screen(approve_question(view, task_id), answered)
        else:
            self.app.push_screen(RejectScreen(task_id, gate_asks(view, task_id)), answered)

    def action_resume(self) -> None:
        self._operate("resume")

    def action_pause(self) -> None:
        self._operate("pause")

    def action_cancel(self) -> None:
        view = self.view
        if view is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._operate("cancel")

        self.app.push_screen(cancel_question(view), answered)

    def _operate(self, action: str) -> None:
        was = self.view.status if self.view is not None else None
        self.start_task(
            partial(operate, self.harmonia, self.execution_id, action, was), group="the action"
        )

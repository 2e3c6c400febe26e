"""The executions screen: every execution, newest first, live. An execution with tasks
waiting for a person (approval gates) is marked, counted in the title, and `a` opens the next
one at its first waiting task.

Statuses follow the all-executions event stream as events arrive; counts and new executions
come from the daemon's summaries, fetched again at most twice a second while events flow
(conditionally: an unchanged page is a 304, handed back as the same page, and not redrawn).
While another screen is on top, the stream is closed; coming back fetches the list afresh.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from harmonia.client import Event
from harmonia_tui.connection import LinkState
from harmonia_tui.executor import executor_text
from harmonia_tui.format import (
    format_ago,
    format_duration,
    progress_bar,
    truncate,
    unique_prefixes,
)
from harmonia_tui.rows import ExecutionRow
from harmonia_tui.screens.confirm import ConfirmScreen
from harmonia_tui.screens.filtering import TableScreen, column_key, filter_key
from harmonia_tui.statuses import RESUMABLE
from harmonia_tui.widgets.list_table import ListTable

__all__ = ["ExecutionsScreen"]

LIST_LIMIT = 500
SCROLLBAR = 2
MIN_WORKFLOW_WIDTH = 8
BAR_WIDTH = 8
COLUMNS = ("status", "workflow", "progress", "started", "duration", "id")


class ExecutionsScreen(TableScreen):
    TITLE = "Executions"
    COLUMNS = COLUMNS
    NOUN = "executions"
    TABLE = ListTable
    FILTER_BY = "workflow, status or id"
    FILTER_KEYS = "enter keeps it, esc clears it"
    EMPTY = (
        "No executions yet. Press s to start a stored workflow, or run "
        "`harmonia submit FILE` / `harmonia tui --run FILE`."
    )

    BINDINGS = [
        # priority: the table's own enter (hidden) would otherwise hide this one in the footer
        Binding("enter", "open", "Open", tooltip="Open the highlighted execution", priority=True),
        filter_key(FILTER_BY),
        Binding(
            "a",
            "next_waiting",
            "Waiting",
            tooltip="Open the next execution waiting for a person, at its first waiting task",
        ),
        Binding("r", "retry", "Retry"),
        Binding("R", "resume", "Resume", tooltip="Resume a failed, paused or canceled execution"),
        Binding("p", "pause", "Pause", tooltip="Pause the highlighted execution"),
        Binding("c", "cancel", "Cancel", tooltip="Cancel the highlighted execution"),
        Binding("s", "start", "Start", tooltip="Start a stored workflow"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, ExecutionRow] = {}
        self.order: list[str] = []
        self.shown: list[str] = []
        self.total = 0
        self.filter_text = ""
        self.loaded = False
        self._signatures: dict[str, tuple[str, ...]] = {}
        self._dirty = False
        self._ticks = 0
        self._short_ids: dict[str, str] = {}
        self._workflow_width: int | None = None
        self._bar_width = BAR_WIDTH
        self._fitted_to: tuple[list[str], int] = ([], 0)
        self.selected: str | None = None
        self._placed: str | None = None
        """The execution the highlight is on: it stays on it when rows come and go."""
        self.stream_connects = 0
        """How often the event stream was (re)opened (tests wait on it)."""
        self.executor = ""
        """Where the daemon runs tasks, when not in its own process (`executor_text`)."""
        self._page: object = None
        """The page the rows were last made from: the client hands back the same one while
        the daemon says nothing changed (304)."""
        self._rows_moved = False
        """Rows changed since (by an event or an action): the next page is applied anyway."""
        self.unchanged_pages = 0
        """How many fetches found the page the rows were made from (tests wait on it)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()
        self.set_interval(0.5, self._tick)

    def on_screen_resume(self) -> None:
        self.reload()
        self._start_following()

    def on_resize(self) -> None:  # (HarmoniaScreen's runs too: Textual calls both)
        if self.loaded:
            self.render_rows()

    def on_screen_suspend(self) -> None:
        self.workers.cancel_group(self, "following events")

    def link_changed(self, state: LinkState) -> None:
        if state.usable:
            self.reload()

    # ---- data -------------------------------------------------------------------------------
    def reload(self) -> None:
        self.start_task(self._load, group="loading", exclusive=True)

    async def _load(self) -> None:
        client = self.harmonia.connection.client
        page = await self.harmonia.api(
            client.list_executions(limit=LIST_LIMIT), what="listing executions"
        )
        if page is None:
            return
        if page is self._page and not self._rows_moved:
            self.unchanged_pages += 1
        else:
            self._page, self._rows_moved = page, False
            self.rows = {s.id: ExecutionRow.from_summary(s) for s in page.items}
            self.order = [s.id for s in page.items]
            self.total = page.total or len(page.items)
            self.loaded = True
            self.render_rows()
        self.executor = await executor_text(client)
        self.sub_title = self._counts()

    def _start_following(self) -> None:
        self.start_task(self._follow, group="following events", exclusive=True)

    async def _follow(self) -> None:
        # The all-executions stream replays, after a reconnection, only the execution named in
        # Last-Event-ID: whatever else happened while it was down (an execution started, one
        # that ended) is read from the list, fetched again once the stream is back. Fetched
        # after, not before: what happens between the two comes with the stream.
        def connected() -> None:
            self.stream_connects += 1
            self.reload()

        async for event in self.harmonia.connection.follow(None, on_connect=connected):
            self._receive(event)

    def _receive(self, event: Event) -> None:
        row = self.rows.get(event.execution_id)
        if row is not None and row.apply(event):
            self._rows_moved = True
            self._update_row(row.id)
            self.refresh_keys()
        self._dirty = True

    def _tick(self) -> None:
        """Twice a second: fetch again if events came; once a second: move the clocks."""
        if not self.is_current:
            return
        self._ticks += 1
        if self._dirty and self.loaded:
            self._dirty = False
            self.reload()
        elif self._ticks % 2 == 0:
            self.render_rows()

    # ---- the table ----------------------------------------------------------------------------
    def _cells(self, row: ExecutionRow) -> list[Text | str]:
        g = self.harmonia.glyphs
        now = self.harmonia.clock()
        status = Text(f"{g.status(row.status)} {row.status}", style=g.style(row.status))
        workflow = row.workflow
        if self._workflow_width is not None:
            workflow = truncate(workflow, self._workflow_width, g.ellipsis)
        if row.interrupted:
            status.append(" (interrupted)", style="dim")
        if row.waiting_count:
            mark = f" {g.status('waiting')} {row.waiting_count} waiting"
            status.append(mark, style=g.style("waiting"))
        progress = Text(
            progress_bar(row.done_count, row.task_count, self._bar_width, g) + " "
            if self._bar_width
            else ""
        )
        progress.append(f"{row.done_count}/{row.task_count}")
        if row.failed_count:
            progress.append(f" {row.failed_count} failed", style="red")
        started = format_ago(row.started_at or row.created_at, now)
        short_id = self._short_ids.get(row.id, row.id)
        return [status, workflow, progress, started, format_duration(row.duration(now)), short_id]

    def _fit(self) -> None:
        """Ids as their shortest unique prefixes, and the room left for workflow names once
        every other column is whole: on a narrow terminal no id is cut (a cut one may name
        two executions) and no column is pushed off the screen by a long name."""
        self._short_ids = unique_prefixes(self.order)
        for bar in (BAR_WIDTH, 0):  # the bar goes first, before names shrink below legible
            self._bar_width = bar
            self._workflow_width = None
            widths = [len(label) for label in COLUMNS]
            for execution_id in self.order:
                for index, cell in enumerate(self._cells(self.rows[execution_id])):
                    widths[index] = max(widths[index], len(cell))
            workflow_column = COLUMNS.index("workflow")
            others = sum(w for i, w in enumerate(widths) if i != workflow_column)
            room = self.app.size.width - others - 2 * len(COLUMNS) - SCROLLBAR
            if room >= widths[workflow_column]:
                return
            self._workflow_width = max(MIN_WORKFLOW_WIDTH, room)
            if room >= MIN_WORKFLOW_WIDTH:
                return

    @staticmethod
    def _signature(cells: list[Text | str]) -> tuple[str, ...]:
        return tuple(c.plain if isinstance(c, Text) else c for c in cells)

    def render_rows(self) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        self._follow_a_move()  # one whose message is still queued: the redraw must keep it
        query = self.filter_text
        wanted = [i for i in self.order if not query or self.rows[i].matches(query)]
        self.query_one("#empty").set_class(self.loaded and not self.order, "-shown")
        if wanted != self.shown or self._fitted_to != (self.order, self.app.size.width):
            self._fitted_to = (list(self.order), self.app.size.width)
            self._fit()
        if wanted != self.shown:
            table.clear()
            self._signatures.clear()
            for execution_id in wanted:
                cells = self._cells(self.rows[execution_id])
                self._signatures[execution_id] = self._signature(cells)
                table.add_row(*cells, key=execution_id)
            self.shown = wanted
        else:
            for execution_id in wanted:
                self._update_row(execution_id)
        if self.selected in wanted:
            if self.highlighted_id() != self.selected:
                table.move_cursor(row=wanted.index(self.selected), animate=False)
        elif self.selected is None:
            self.selected = self.highlighted_id()
        self._placed = self.highlighted_id()
        self.sub_title = self._counts()
        self.refresh_keys()

    def _counts(self) -> str:
        if not self.loaded:
            return f"{self.harmonia.description} · the list is not loaded yet"
        shown, total = len(self.shown), self.total
        text = f"{total} execution" + ("s" if total != 1 else "")
        if self.filter_text:
            text = f"{shown} of {text} match “{self.filter_text}”"
        elif total > len(self.order):
            text += f" (newest {len(self.order)} shown)"
        waiting = sum(1 for r in self.rows.values() if r.waiting_count)
        if waiting:
            text += f" · {waiting} waiting for a person (a opens)"
        executor = f" · {self.executor}" if self.executor else ""
        return f"{self.harmonia.description} · {text}{executor}"

    def _update_row(self, execution_id: str) -> None:
        if execution_id not in self._signatures:
            return
        table: DataTable[Text | str] = self.query_one(DataTable)
        cells = self._cells(self.rows[execution_id])
        signature = self._signature(cells)
        old = self._signatures[execution_id]
        if signature == old:
            return
        for label, cell, before, after in zip(COLUMNS, cells, old, signature, strict=True):
            if before != after:
                table.update_cell(execution_id, column_key(label), cell, update_width=True)
        self._signatures[execution_id] = signature

    def highlighted(self) -> ExecutionRow | None:
        execution_id = self.highlighted_id()
        return self.rows.get(execution_id) if execution_id else None

    def select(self, execution_id: str) -> None:
        """Put the highlight on this execution (now, or once it is listed)."""
        self.selected = execution_id
        if execution_id in self.shown:
            self.query_one(DataTable).move_cursor(row=self.shown.index(execution_id))
            self._placed = execution_id

    @on(DataTable.RowHighlighted)
    def _highlight_moved(self) -> None:
        # The messages of the highlight moving as rows came and went arrive later, maybe once
        # another screen has gone: only a highlight away from where `render_rows` put it is a
        # move of the person's, which `selected` follows.
        self._follow_a_move()
        self.refresh_keys()

    def _follow_a_move(self) -> None:
        """`selected` follows the highlight when it is away from where `render_rows` or
        `select` put it: between those, only a person moves the table's cursor."""
        current = self.highlighted_id()
        if current is not None and current != self._placed:
            self.selected = self._placed = current

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # ---- filter -------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.clear_filter()  # the first screen: nothing to go back to

    # ---- actions ------------------------------------------------------------------------------
    def never_here(self, action: str) -> bool:
        """A task's retry never applies to a list; back only clears a filter (when it is not
        the first screen, `unavailable` lets it through and the footer shows it)."""
        return action in ("retry", "back")

    def unavailable(self, action: str) -> str | None:
        if action == "back":
            if self.filter_text or self.query_one("#filter").has_class("-active"):
                return None
            return "this is the first screen (q quits)"
        if action == "retry":
            return "retry runs a task and its downstream again: open the execution (enter), pick it"
        if action == "next_waiting" and not any(
            self.rows[i].waiting_count for i in self.shown if i in self.rows
        ):
            return "no execution listed here waits for a person"
        if action not in ("open", "pause", "resume", "cancel"):
            return None
        row = self.highlighted()
        if row is None:
            return (
                "no execution here yet: s starts a workflow"
                if not self.rows
                else "no execution is highlighted"
            )
        name = f"{row.workflow} ({row.status})"
        if action == "pause" and row.status != "running":
            return f"{name}: only a running execution can be paused"
        if action == "resume" and row.status not in RESUMABLE:
            return f"{name}: only a failed, paused or canceled execution can be resumed"
        if action == "cancel" and row.finished:
            return f"{name}: it has already ended"
        return None

    def action_open(self) -> None:
        if self.enter_in_filter():
            return
        row = self.highlighted()
        if row is not None:
            self.harmonia.open_execution(row.id)

    def action_start(self) -> None:
        self.harmonia.action_workflows()

    def action_next_waiting(self) -> None:
        """The next waiting execution below the highlight (from the top after the last one),
        opened: its graph selects its first waiting task, where `a` approves."""
        waiting = [i for i in self.shown if i in self.rows and self.rows[i].waiting_count]
        if not waiting:
            return
        current = self.highlighted_id()
        after = self.shown.index(current) if current in self.shown else -1
        below = [i for i in waiting if self.shown.index(i) > after]
        target = (below or waiting)[0] if current not in waiting else current
        self.select(target)
        self.harmonia.open_execution(target)

    def action_pause(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.start_task(partial(self._operate, "pause", row), group="the action")

    def action_resume(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.start_task(partial(self._operate, "resume", row), group="the action")

    def action_cancel(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        self.confirm_then(
            ConfirmScreen(
                f"Cancel execution {row.id}?",
                [
                    f"workflow {row.workflow}, {row.status}, {row.progress()} tasks done",
                    "Running tasks are cancelled; R resumes the execution later.",
                ],
                yes="Cancel execution",
                no="Keep it",
            ),
            partial(self._operate, "cancel", row),
            group="the action",
        )

    async def _operate(self, action: str, row: ExecutionRow) -> None:
        client = self.harmonia.connection.client
        calls = {"pause": client.pause, "resume": client.resume, "cancel": client.cancel}
        summary = await self.harmonia.api(calls[action](row.id), what=f"{action} {row.id}")
        if summary is None:
            return
        done = {"pause": "Paused", "resume": "Resumed", "cancel": "Canceled"}[action]
        self.notify(f"{done} {summary.workflow} ({summary.id}): now {summary.status}", markup=False)
        self.rows[row.id] = ExecutionRow.from_summary(summary)
        self._rows_moved = True
        self._update_row(row.id)
        self.reload()

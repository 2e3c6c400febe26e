"""The workflows screen: stored definitions and templates; enter or s starts one (asking for
its inputs, or a template's parameters)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from harmonia.client import ApiError, TemplateInfo, WorkflowInfo
from harmonia_tui.connection import LinkState
from harmonia_tui.format import format_ago, truncate
from harmonia_tui.screens.filtering import TableScreen, filter_key
from harmonia_tui.widgets.list_table import ListTable

__all__ = ["WorkflowsScreen"]

COLUMNS = ("name", "version", "tasks", "stored", "id", "description")
"""The description last: free text, the one column a narrow terminal may cut."""
MIN_NAME_WIDTH = 8


class WorkflowsScreen(TableScreen):
    TITLE = "Workflows"
    COLUMNS = COLUMNS
    NOUN = "workflows"
    TABLE = ListTable
    FILTER_BY = "name or description"
    EMPTY = (
        "No stored workflows. Store one with `harmonia submit FILE` or the API "
        "(POST /api/v1/workflows); `harmonia tui --run FILE` stores and starts one."
    )
    ELSEWHERE = ("retry", "resume", "pause", "cancel")

    BINDINGS = [
        Binding("enter", "start", "Start", tooltip="Start the highlighted workflow", priority=True),
        Binding("s", "start", "Start", tooltip="Start the highlighted workflow", show=False),
        filter_key(FILTER_BY),
        Binding("escape", "back", "Back"),
        # the execution keys, here only to say where they apply (never in the footer)
        Binding("r", "retry", "Retry", show=False),
        Binding("R", "resume", "Resume", show=False),
        Binding("p", "pause", "Pause", show=False),
        Binding("c", "cancel", "Cancel", show=False),
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
        self.items: list[WorkflowInfo] = []
        self.template_ids: set[str] = set()
        """Which rows are templates: enter opens a form of their parameters."""
        self.filter_text = ""
        self.loaded = False

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.start_task(self._load, group="loading", exclusive=True)

    def link_changed(self, state: LinkState) -> None:
        if state.usable and self.is_current:
            self.start_task(self._load, group="loading", exclusive=True)

    async def _load(self) -> None:
        client = self.harmonia.connection.client
        items: list[WorkflowInfo] = []
        offset = 0
        while True:
            page = await self.harmonia.api(
                client.list_workflows(limit=200, offset=offset), what="listing workflows"
            )
            if page is None:
                return
            items.extend(page.items)
            if not page.has_more or not page.items:
                break
            offset += len(page.items)
        templates = await self._templates()
        self.template_ids = {t.id for t in templates}
        items.extend(WorkflowInfo.model_validate(t.model_dump()) for t in templates)
        items.sort(key=lambda w: (w.name.lower(), w.version or ""))
        self.items = items
        self.loaded = True
        self.render_rows()

    async def _templates(self) -> list[TemplateInfo]:
        """The daemon's templates, listed with the workflows; one that serves none (an
        older daemon) just has none."""
        client = self.harmonia.connection.client
        found: list[TemplateInfo] = []
        try:
            page = await client.list_templates(limit=1000)
        except ApiError:
            return found
        found.extend(page.items)
        return found

    def render_rows(self) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        now = self.harmonia.clock()
        keep = self.highlighted_id()
        table.clear()
        shown = self.matching(self.items, lambda w: f"{w.name} {w.description or ''} {w.id}")
        rows = [
            [
                f"{info.name} (template)" if info.id in self.template_ids else info.name,
                info.version or "",
                str(info.task_count),
                format_ago(info.updated_at or info.created_at, now),
                info.id,
                info.description or "",
            ]
            for info in shown
        ]
        name_width = self._name_width(rows)
        for info, cells in zip(shown, rows, strict=True):
            name = truncate(cells[0], name_width, self.harmonia.glyphs.ellipsis)
            table.add_row(Text(name, style="bold"), *cells[1:], key=info.id)
        self.query_one("#empty").set_class(self.loaded and not self.items, "-shown")
        target = keep
        if self.select is not None:
            target = next((w.id for w in shown if w.name == self.select), keep)
            self.select = None
        ids = [w.id for w in shown]
        if target in ids:
            table.move_cursor(row=ids.index(target), animate=False)
        self.refresh_keys()

    def _name_width(self, rows: list[list[str]]) -> int:
        """Room for names once version, tasks, stored and id are whole (never cut an id)."""
        widths = [len(label) for label in COLUMNS]
        for cells in rows:
            widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
        others = sum(widths[1:5]) + 2 * 5 + 2
        return max(MIN_NAME_WIDTH, min(widths[0], self.app.size.width - others))

    def on_resize(self) -> None:
        if self.loaded:
            self.render_rows()

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_keys()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_start()

    # ---- actions --------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        if action == "start" and self.highlighted_id() is None:
            return "no stored workflow to start" if not self.items else "no workflow is highlighted"
        return super().unavailable(action)

    def action_start(self) -> None:
        if self.enter_in_filter():
            return
        workflow_id = self.highlighted_id()
        if workflow_id in self.template_ids:
            self.harmonia.start_template(workflow_id)
        elif workflow_id is not None:
            self.harmonia.start_workflow(workflow_id)

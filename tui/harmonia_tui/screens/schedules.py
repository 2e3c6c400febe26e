"""The schedules screen: every schedule of the daemon's stored workflows with when it fires,
its next planned time and its last run; `p` pauses or unpauses the highlighted one and `n`
starts a run of it now (its overlap policy aside), each with a toast.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from harmonia.client import Schedule
from harmonia_tui.screens.base import NOT_HERE_EXECUTION
from harmonia_tui.screens.filtering import ListingScreen

__all__ = ["SchedulesScreen", "next_text", "when_text"]

COLUMNS = (
    ("id", "id"),
    ("workflow", "workflow"),
    ("when", "when"),
    ("next planned", "next"),
    ("policies", "policies"),
    ("last run", "last"),
)


def when_text(schedule: Schedule) -> str:
    if schedule.cron is not None:
        return f"{schedule.cron} ({schedule.timezone})"
    return f"every {schedule.interval:g}s"


def local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def next_text(schedule: Schedule) -> Text:
    if schedule.disabled:  # its workflow was deleted: it will not run again
        return Text(f"disabled: {schedule.disabled}", style="red")
    if schedule.paused:
        return Text("paused", style="yellow")
    return Text(local(schedule.next_planned_at), style="bold")


class SchedulesScreen(ListingScreen[Schedule]):
    WHAT = "listing schedules"
    TITLE = "Schedules"

    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip="Filter by id, workflow or expression"),
        Binding("p", "toggle_pause", "Pause/unpause", tooltip="Pause or unpause the schedule"),
        Binding("n", "run_now", "Run now", tooltip="Start a run of the schedule now"),
        Binding("u", "refresh", "Refresh", tooltip="Ask the daemon again"),
        Binding("r", "retry", "Retry", show=False),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("escape", "back", "Back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter by id, workflow or expression; esc clears it", id="filter")
        yield Static("Asking the daemon for its schedules...", id="empty")
        table: DataTable[Text | str] = DataTable(id="schedules", cursor_type="row")
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table

    def listing(self) -> Awaitable[list[Schedule]]:
        return self.harmonia.connection.client.list_schedules()

    def render_rows(self) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        keep = self.highlighted_id()
        table.clear()
        query = self.filter_text.lower()
        shown = [
            s
            for s in self.items
            if not query or query in f"{s.id} {s.workflow_id} {when_text(s)}".lower()
        ]
        for s in shown:
            last = s.runs[-1] if s.runs else None
            table.add_row(
                Text(s.id, style="bold"),
                s.workflow_id,
                when_text(s),
                next_text(s),
                f"{s.missed}/{s.overlap}",
                (last.execution_id or last.state) if last is not None else "-",
                key=s.id,
            )
        self.rows_shown([s.id for s in shown], keep, "No schedules.", loaded=self.loaded)
        self.refresh_keys()

    def highlighted(self) -> Schedule | None:
        sid = self.highlighted_id()
        return next((s for s in self.items if s.id == sid), None)

    # ---- actions ----------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        if action in ("retry", "cancel"):
            return NOT_HERE_EXECUTION
        if action in ("toggle_pause", "run_now") and self.highlighted() is None:
            return "No schedule is highlighted."
        return None

    def action_retry(self) -> None:
        return None

    action_cancel = action_retry

    def action_toggle_pause(self) -> None:
        schedule = self.highlighted()
        if schedule is not None:
            self.start_task(lambda: self._toggle(schedule), group="schedule", exclusive=True)

    async def _toggle(self, schedule: Schedule) -> None:
        client = self.harmonia.connection.client
        call = (
            client.unpause_schedule(schedule.id)
            if schedule.paused
            else client.pause_schedule(schedule.id)
        )
        what = "unpausing" if schedule.paused else "pausing"
        changed = await self.harmonia.api(call, what=f"{what} the schedule")
        if changed is None:
            return
        word = "paused" if changed.paused else f"unpaused; next {local(changed.next_planned_at)}"
        self.notify(f"schedule {changed.id} {word}", title="Schedule", markup=False)
        await self._load()

    def action_run_now(self) -> None:
        schedule = self.highlighted()
        if schedule is not None:
            self.start_task(lambda: self._run_now(schedule), group="schedule", exclusive=True)

    async def _run_now(self, schedule: Schedule) -> None:
        client = self.harmonia.connection.client
        run = await self.harmonia.api(
            client.run_schedule_now(schedule.id), what="running the schedule now"
        )
        if run is None:
            return
        self.notify(
            f"schedule {schedule.id}: execution {run.execution_id} started",
            title="Started",
            markup=False,
        )
        await self._load()

    def action_filter(self) -> None:
        if not isinstance(self.focused, Input):
            super().action_filter()

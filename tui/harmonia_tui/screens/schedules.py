"""The schedules screen: every schedule of the daemon's stored workflows with when it fires,
its next planned time and its last run; `p` pauses or unpauses the highlighted one and `n`
starts a run of it now (its overlap policy aside), each with a toast; enter opens its last run.
"""

from __future__ import annotations

from collections.abc import Awaitable

from rich.text import Text
from textual.binding import Binding

from harmonia.client import Schedule
from harmonia_tui.format import local_time
from harmonia_tui.screens.filtering import LISTING_KEYS, ListingScreen, filter_key

__all__ = ["SchedulesScreen", "next_text", "when_text"]


def when_text(schedule: Schedule) -> str:
    if schedule.cron is not None:
        return f"{schedule.cron} ({schedule.timezone})"
    return f"every {schedule.interval:g}s"


def next_text(schedule: Schedule) -> Text:
    if schedule.disabled:  # its workflow was deleted: it will not run again
        return Text(f"disabled: {schedule.disabled}", style="red")
    if schedule.paused:
        return Text("paused", style="yellow")
    return Text(local_time(schedule.next_planned_at, offset=True), style="bold")


class SchedulesScreen(ListingScreen[Schedule]):
    TITLE = "Schedules"
    COLUMNS = ("id", "workflow", "when", "next planned", "policies", "last run")
    NOUN = "schedules"
    FILTER_BY = "id, workflow or expression"
    NONE = "No schedules."

    BINDINGS = [
        Binding("enter", "open_last", "Open last run", priority=True,
                tooltip="Open the execution the schedule started last"),
        filter_key(FILTER_BY),
        Binding("p", "toggle_pause", "Pause/unpause", tooltip="Pause or unpause the schedule"),
        Binding("n", "run_now", "Run now", tooltip="Start a run of the schedule now"),
        *LISTING_KEYS,
    ]  # fmt: skip

    def listing(self) -> Awaitable[list[Schedule]]:
        return self.harmonia.connection.client.list_schedules()

    def haystack(self, item: Schedule) -> str:
        return f"{item.id} {item.workflow_id} {when_text(item)}"

    def cells(self, item: Schedule) -> tuple[Text | str, ...]:
        last = item.runs[-1] if item.runs else None
        return (
            Text(item.id, style="bold"),
            item.workflow_id,
            when_text(item),
            next_text(item),
            f"{item.missed}/{item.overlap}",
            (last.execution_id or last.state) if last is not None else "-",
        )

    # ---- actions ----------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        schedule = self.highlighted()
        if action in ("toggle_pause", "run_now", "open_last") and schedule is None:
            return "No schedule is highlighted."
        if action == "open_last" and schedule is not None and self.last_run(schedule) is None:
            return f"{schedule.id} has started nothing yet"
        return super().unavailable(action)

    def last_run(self, item: Schedule) -> str | None:
        started = [run.execution_id for run in item.runs if run.execution_id]
        return started[-1] if started else None

    def action_toggle_pause(self) -> None:
        self.with_highlighted(self._toggle, group="schedule")

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
        word = (
            "paused"
            if changed.paused
            else f"unpaused; next {local_time(changed.next_planned_at, offset=True)}"
        )
        self.notify(f"schedule {changed.id} {word}", title="Schedule", markup=False)
        await self._load()

    def action_run_now(self) -> None:
        self.with_highlighted(self._run_now, group="schedule")

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

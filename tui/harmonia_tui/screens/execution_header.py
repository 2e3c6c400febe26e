"""The text above the execution screen's panes: the execution's summary (status, progress,
times, error) and the titles of the task graph's columns.

Plain functions of the execution as shown and of the clock, so that the screen redraws them
whenever a batch of events or a tick of the clock changes what they say.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from harmonia_tui.connection import WorkflowShape
from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import Glyphs, format_ago, format_duration, progress_bar
from harmonia_tui.layout import GraphLayout
from harmonia_tui.widgets.graph import ATTEMPTS_WIDTH, DURATION_WIDTH, STATUS_WIDTH, graph_columns

__all__ = ["column_titles", "summary_text"]

PROGRESS_WIDTH = 16


def summary_text(
    view: ExecutionView, shape: WorkflowShape | None, glyphs: Glyphs, now: datetime
) -> Text:
    g = glyphs
    total = len(view.tasks)
    text = Text(no_wrap=False)
    text.append(f"{g.status(view.status)} {view.status}", style=g.style(view.status))
    text.append("  ")
    text.append(view.workflow, style="bold")
    if view.workflow_version:
        text.append(f" {view.workflow_version}", style="dim")
    text.append(f"  {view.id}", style="dim")
    if view.parent is not None:
        text.append(f"  child of {view.parent[0]} ({view.parent[1]})", style="dim")
    text.append("\n")
    text.append(progress_bar(view.done, total, PROGRESS_WIDTH, g) + " ")
    text.append(f"{view.done}/{total} done")
    if view.failed:
        text.append(f"  {view.failed} failed", style="red")
    active = len(view.active_tasks())
    if active:
        text.append(f"  {active} running", style="yellow")
    started = format_ago(view.started_at or view.created_at, now)
    if started:
        text.append(f"  {g.bullet} started {started}")
    text.append(_times(view, g, now))
    if view.error:
        text.append(f"\n{view.error}", style="red")
    if shape is not None and not shape.known:
        text.append(f"\n{shape.source}", style="dim italic")
    return text


RUN_TIME_SLACK = 0.5
"""Seconds of difference between wall and run time below which one figure is shown."""


def _times(view: ExecutionView, g: Glyphs, now: datetime) -> str:
    """The wall time since the start; with the run time beside it where they differ (after a
    retry or a resume, the idle time in between is no time spent running)."""
    wall = view.duration(now)
    if wall is None:
        return ""
    run = view.run_time(now)
    if run is None or wall - run < max(RUN_TIME_SLACK, wall * 0.1):
        return f"  {g.bullet} {format_duration(wall)}"
    return f"  {g.bullet} ran {format_duration(run)} {g.bullet} wall {format_duration(wall)}"


def column_titles(layout: GraphLayout | None, edges_known: bool) -> Text:
    """Lined up with the graph's rows (`harmonia_tui.widgets.graph`)."""
    id_width, _ = graph_columns(layout)
    text = (
        "    "
        + "task".ljust(id_width)
        + "  "
        + "status".ljust(STATUS_WIDTH)
        + " "
        + "try".rjust(ATTEMPTS_WIDTH)
        + " "
        + "time".rjust(DURATION_WIDTH)
        + "  "
        + ("parents" if edges_known else "")
    )
    return Text(text, no_wrap=True)

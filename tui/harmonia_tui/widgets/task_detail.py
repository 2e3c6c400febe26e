"""The selected task in full: status, edges, the input as the engine rendered it, output,
error and its kind, and every attempt with its timing, error and input."""

from __future__ import annotations

import io
import json
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from harmonia.expressions import preview
from harmonia_tui.connection import WorkflowShape
from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import Glyphs, format_duration, format_offset
from harmonia_tui.taskview import AttemptView, TaskView
from harmonia_tui.widgets._lines import LineView, refresh_rows, set_virtual_height
from harmonia_tui.widgets.text_lines import changed_rows

__all__ = ["TaskDetail", "render_task"]

MAX_JSON_LINES = 40
PART_CACHE = 500
"""Texts whose lines the pane keeps (a few tasks' worth)."""
_json_highlighter = JSONHighlighter()


def _json_block(value: Any) -> Text:
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    lines = text.splitlines()
    if len(lines) > MAX_JSON_LINES:
        hidden = len(lines) - MAX_JSON_LINES
        lines = [*lines[:MAX_JSON_LINES], f"... {hidden} more lines"]
    return _json_highlighter(Text("\n".join(lines)))


def _error_line(error: Mapping[str, Any] | None, glyphs: Glyphs) -> Text:
    text = Text()
    if not error:
        return text
    kind = error.get("kind")
    if kind:
        text.append(f"[{kind}] ", style="bold red")
    text.append(str(error.get("message", "")).strip(), style="red")
    return text


def _section(title: str) -> Text:
    return Text(title, style="bold underline")


def render_task(
    task: TaskView | None,
    view: ExecutionView | None,
    shape: WorkflowShape | None,
    glyphs: Glyphs,
    now: datetime,
) -> RenderableType:
    if view is None:
        return Text("loading…" if not glyphs.ascii else "loading...", style="dim")
    if task is None:
        return Text("No task selected.", style="dim")
    g = glyphs
    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{g.status(task.status)} {task.status}", style=g.style(task.status))
    head.append("  ")
    head.append(task.id, style="bold")
    attempts = f"{task.attempts} attempt" + ("s" if task.attempts != 1 else "")
    duration = format_duration(task.duration(now))
    head.append(f"  {g.bullet} {attempts}" + (f" {g.bullet} {duration}" if duration else ""))
    parts.append(head)
    if task.note:
        parts.append(Text(task.note, style="italic"))
    spec: Mapping[str, Any] = (shape.specs.get(task.id) if shape else None) or {}
    if spec.get("component"):
        line = Text(f"{spec.get('component')}.{spec.get('action')}", style="cyan")
        if spec.get("description"):
            line.append(f"  {spec['description']}", style="dim")
        parts.append(line)
    if spec.get("when"):
        parts.append(Text(f"when: {spec['when']}", style="dim"))
    if spec.get("trigger_rule"):  # the task's own join rule (the default one goes unsaid)
        parts.append(Text(f"trigger rule: {spec['trigger_rule']}", style="dim"))
    if shape is not None and shape.known:
        parents = shape.dag.parents.get(task.id, ())
        children = shape.dag.children.get(task.id, ())
        edges = Text()
        edges.append(f"{g.parents_arrow} parents: ", style="dim")
        edges.append(", ".join(parents) or "none")
        edges.append(f"   {g.children_arrow} children: ", style="dim")
        edges.append(", ".join(children) or "none")
        parts.append(edges)
    if task.child_execution_id:
        link = Text("child execution: ", style="dim")
        link.append(task.child_execution_id, style="bold")
        link.append("  (enter opens it)", style="dim")
        parts.append(link)
    if task.error:
        parts.append(_section("error"))
        parts.append(_error_line(task.error, g))
        details = task.error.get("details")
        if details:
            parts.append(_json_block(details))
    parts.append(_section("input"))
    latest = task.history[-1] if task.history else None
    if latest is not None and latest.input_recorded:
        parts.append(Text(f"as rendered for attempt #{latest.attempt}", style="dim"))
        parts.append(_json_block(latest.input))
    else:
        parts.extend(_declared_input(latest, spec, view, g))
    parts.append(_section("output"))
    if task.status == "completed" or task.output is not None:
        parts.append(_json_block(task.output))
    else:
        parts.append(Text("none yet" if task.status != "skipped" else "none", style="dim"))
    parts.append(_section("attempts"))
    if not task.history:
        parts.append(Text("none", style="dim"))
    origin = view.origin
    for attempt in task.history:
        status = attempt.status or _in_progress(task)
        look = "failed" if status == "interrupted" else status
        line = Text()
        line.append(f"#{attempt.attempt}", style="bold")
        line.append(f"  started {format_offset(attempt.started_at, origin)}", style="dim")
        took = format_duration(attempt.duration)
        if took:
            line.append(f"  took {took}")
        line.append("  ")
        line.append(f"{g.status(look)} {status}", style=g.style(look))
        parts.append(line)
        if attempt.error:
            error = Text("   ")
            error.append_text(_error_line(attempt.error, g))
            parts.append(error)
        if attempt.input_recorded and attempt is not latest:
            parts.append(_attempt_input(attempt, latest))
    return Group(*parts)


def _in_progress(task: TaskView) -> str:
    """What an attempt without an outcome is doing: the task's own status while it runs or
    waits for a person, else it has not begun."""
    if task.status == "waiting":
        return "waiting"
    return "running" if task.active else "pending"


def _declared_input(
    latest: AttemptView | None, spec: Mapping[str, Any], view: ExecutionView, glyphs: Glyphs
) -> list[RenderableType]:
    """What the input section says when the engine's own rendering is not at hand: for an
    attempt recorded before events carried inputs, the old approximation, labelled so."""
    if latest is not None and latest.input_recorded is None:
        return [Text("reading the recorded input" + glyphs.ellipsis, style="dim")]
    if not spec:
        if latest is None:
            return [Text("not started yet", style="dim")]
        return [
            Text(
                "not recorded (the execution predates recorded inputs), and the workflow "
                "definition was not found",
                style="dim",
            )
        ]
    shell = ("command",) if (spec.get("component"), spec.get("action")) == ("shell", "run") else ()
    resolved = preview(spec.get("input") or {}, view.reference_context(), shell)
    if latest is None:
        label = "not started yet: as declared, references resolved from recorded results"
    else:
        label = (
            "recorded before inputs were kept: an approximation, "
            "as declared with references resolved from recorded results"
        )
    return [Text(label, style="dim italic"), _json_block(resolved)]


def _attempt_input(attempt: AttemptView, latest: AttemptView | None) -> Text:
    """An earlier attempt's input, on one line (the latest one's is the input section)."""
    line = Text("   input: ", style="dim", no_wrap=True, overflow="ellipsis")
    if latest is not None and latest.input_recorded and attempt.input == latest.input:
        line.append(f"as for #{latest.attempt}", style="dim")
    else:
        line.append(json.dumps(attempt.input, ensure_ascii=False, default=str))
    return line


def _text_key(part: RenderableType) -> Hashable | None:
    """What a Text looks like, as a dictionary key (None for anything else)."""
    if not isinstance(part, Text):
        return None
    return (
        part.plain,
        tuple(part.spans),
        str(part.style),
        part.justify,
        part.overflow,
        part.no_wrap,
        part.end,
    )


class TaskDetail(LineView, can_focus=True):
    """Drawn with the line API, like the graph: a new selection or a new attempt redraws this
    pane alone, without laying the screen out again."""

    DEFAULT_CSS = """
    TaskDetail {
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, glyphs: Glyphs, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.glyphs = glyphs
        self.task_id: str | None = None
        self.renderable: RenderableType = Text("loading…" if not glyphs.ascii else "loading...")
        self._strips: list[Strip] = []
        self._blank = Strip.blank(0)
        self._width = -1
        self._parts: dict[Hashable, list[Strip]] = {}
        self._parts_width = -1
        self._rich_style: Style | None = None

    def show(
        self,
        task: TaskView | None,
        view: ExecutionView | None,
        shape: WorkflowShape | None,
        now: datetime,
    ) -> None:
        same_task = task is not None and task.id == self.task_id
        if not same_task:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.task_id = task.id if task else None
        self.renderable = render_task(task, view, shape, self.glyphs, now)
        old, width = self._strips, self._width
        self._width = -1  # render again, at the next paint or now if the size is known
        self._render_strips()
        if same_task and width > 0 and width == self._width:
            # the same task, one more attempt or a new status: repaint what changed only
            top = self.scroll_offset.y
            bottom = top + self.scrollable_content_region.height
            rows = [r for r in changed_rows(old, self._strips) if top <= r < bottom]
            refresh_rows(self, rows)
        else:
            self.refresh()

    def _render_strips(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._width:
            return
        if width != self._parts_width:
            self._parts.clear()
            self._parts_width = width
        self._width = width
        parts = self.renderable.renderables if isinstance(self.renderable, Group) else None
        strips: list[Strip] = []
        for part in parts if parts is not None else [self.renderable]:
            strips.extend(self._part_strips(part, width))
        self._strips = strips
        self._blank = Strip.blank(width, self._style)
        set_virtual_height(self, len(self._strips))

    def _part_strips(self, part: RenderableType, width: int) -> list[Strip]:
        """The lines of one part of the pane. Most parts are the same from one redraw to
        the next (the attempts so far, the input), and Rich takes long to lay text out, so
        the lines of each text are kept by its content."""
        key = _text_key(part)
        strips = self._parts.get(key) if key is not None else None
        if strips is None:
            console = self.app.console
            options = console.options.update_width(width)
            lines = console.render_lines(part, options, style=self._style, pad=True)
            strips = [Strip(line, width) for line in lines]
            if key is not None:
                if len(self._parts) > PART_CACHE:
                    self._parts.clear()
                self._parts[key] = strips
        return strips

    @property
    def _style(self) -> Style:
        if self._rich_style is None:
            self._rich_style = self.rich_style  # walks the DOM: once per style change
        return self._rich_style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._width = -1
        self._rich_style = None
        self._parts.clear()

    def on_resize(self) -> None:
        self._width = -1
        self._render_strips()

    def render_line(self, y: int) -> Strip:
        if self._width != self.pass_width:
            # a resize, or the scrollbar came or went: lines laid out for the old width had
            # their last column cut off
            self._render_strips()
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._strips):
            return self._strips[index]
        return self._blank

    @property
    def shown_text(self) -> str:
        """What the pane shows, as plain text (tests)."""
        console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
        console.print(self.renderable)
        return console.export_text()

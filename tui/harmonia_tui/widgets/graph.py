"""The task graph: the layered layout drawn one line per row, with Textual's line API.

Only visible lines are rendered, each row's line is cached, and a status change drops the
cache of the rows it touches and repaints those lines alone; the layout is replaced only when
the structure changes. The selected task is kept in view as it moves.
"""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from harmonia_tui.fanout import counts_text
from harmonia_tui.fold import ExecutionView
from harmonia_tui.format import Clock, Glyphs, format_duration
from harmonia_tui.format import truncate as fit
from harmonia_tui.layout import GraphLayout, Row
from harmonia_tui.taskview import TaskView
from harmonia_tui.widgets._lines import (
    LineView,
    StyleCache,
    fitted_strip,
    refresh_rows,
    set_virtual_height,
)

__all__ = ["TaskGraph", "graph_columns"]

STATUS_WIDTH = 9
ATTEMPTS_WIDTH = 3
DURATION_WIDTH = 7
MAX_ID_WIDTH = 32


def graph_columns(layout: GraphLayout | None) -> tuple[int, int]:
    """Width of the task id column and where the parents gutter starts."""
    id_width = max(4, min(MAX_ID_WIDTH, layout.id_width if layout else 4))
    gutter = 2 + 2 + id_width + 2 + STATUS_WIDTH + 1 + ATTEMPTS_WIDTH + 1 + DURATION_WIDTH + 2
    return id_width, gutter


class TaskGraph(LineView, can_focus=True):
    """Tasks by generation; arrows/hjkl move, `[` and `]` jump to parents and children."""

    COMPONENT_CLASSES = {"task-graph--cursor", "task-graph--header", "task-graph--muted"}

    DEFAULT_CSS = """
    TaskGraph {
        background: $surface;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    TaskGraph > .task-graph--cursor {
        background: $primary 35%;
        text-style: bold;
    }
    TaskGraph:focus > .task-graph--cursor {
        background: $primary 70%;
        text-style: bold;
    }
    TaskGraph > .task-graph--header {
        color: $text-muted;
        text-style: bold;
    }
    TaskGraph > .task-graph--muted {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous task", show=False),
        Binding("down,j", "move(1)", "Next task", show=False),
        Binding("left,h", "layer(-1)", "Previous generation", show=False),
        Binding("right,l", "layer(1)", "Next generation", show=False),
        Binding(
            "left_square_bracket,u", "parent", "Jump to a parent (again: the next)", show=False
        ),
        Binding("right_square_bracket,d", "child", "Jump to a child (again: the next)", show=False),
        Binding("pageup", "move(-20)", "Page up", show=False),
        Binding("pagedown", "move(20)", "Page down", show=False),
        Binding("home,g", "edge(0)", "First task", show=False),
        Binding("end,G", "edge(1)", "Last task", show=False),
    ]

    class Selected(Message):
        """The selection moved to another task."""

        def __init__(self, graph: TaskGraph, task_id: str | None) -> None:
            super().__init__()
            self.graph = graph
            self.task_id = task_id

    def __init__(
        self,
        glyphs: Glyphs,
        clock: Clock,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.glyphs = glyphs
        self.clock = clock
        self.view: ExecutionView | None = None
        self.layout_: GraphLayout | None = None
        self.selected: str | None = None
        self._cache: dict[int, Strip] = {}
        self._cache_width = 0
        self._style = StyleCache(self, self._named_style)
        self._jump_from: tuple[str, str] | None = None
        """(task we jumped from, task we landed on): pressing again cycles siblings."""
        self.paints = 0
        self.lines_rendered = 0
        self.first_paint_at: float | None = None
        """`time.perf_counter()` when the first line of a laid-out graph was drawn."""

    # ---- data -------------------------------------------------------------------------------
    def show(self, view: ExecutionView, layout: GraphLayout) -> None:
        """A new structure: replace the layout (the only time it is computed)."""
        self.view = view
        self.layout_ = layout
        self._cache.clear()
        if self.selected not in layout.row_of:
            self.selected = self._initial_selection(view, layout)
            self.post_message(self.Selected(self, self.selected))
        self._update_virtual_size()
        self.refresh()
        if self.selected is not None:
            self.call_after_refresh(self._keep_selected_in_view)

    @staticmethod
    def _initial_selection(view: ExecutionView, layout: GraphLayout) -> str | None:
        """The first task waiting for approval, else the first failed task, else the first
        active one, else the first task."""
        for wanted in ("waiting", "failed", "running", "retrying"):
            for tid in layout.tasks:
                task = view.tasks.get(tid)
                if task is not None and task.status == wanted:
                    return tid
        return layout.first_task()

    def restyle(
        self, task_ids: frozenset[str] | set[str] | list[str], *, compare: bool = True
    ) -> None:
        """Repaint the rows of these tasks whose line actually changed (every one of them
        without `compare`: a change of selection or focus, whose look may not be final yet).

        Rows off screen just drop their cached line (drawn when scrolled to). A visible row
        is drawn again at once and compared with what is on screen: under a flood most
        touched rows look the same as before (a task still running, its attempt shown), and
        repainting a line costs Textual far more than drawing it here.
        """
        layout = self.layout_
        if layout is None:
            return
        width = self.scrollable_content_region.width
        if width != self._cache_width:
            self._cache.clear()  # a new width: every line is drawn again anyway
            self.refresh()
            return
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        changed: list[int] = []
        for tid in task_ids:
            row = layout.row_of.get(tid)
            if row is None:
                continue
            old = self._cache.pop(row, None)
            if not top <= row < bottom:
                continue
            if compare and old is not None:
                new = self._cache[row] = self._render_row(layout.rows[row], width)
                self.lines_rendered += 1
                if new == old:
                    continue
            changed.append(row)
        refresh_rows(self, changed)

    def _update_virtual_size(self) -> None:
        set_virtual_height(self, len(self.layout_.rows) if self.layout_ else 0)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._style.clear()
        self._update_virtual_size()
        # less room (a banner, an error line, a smaller terminal) must not leave the selected
        # task out of view until the next key; nor must the first size, known only now
        if self.selected is not None:
            self.call_after_refresh(self._keep_selected_in_view)

    def on_focus(self) -> None:
        self._refresh_selected()

    def on_blur(self) -> None:
        self._refresh_selected()

    def _refresh_selected(self) -> None:
        if self.selected is not None:
            self.restyle([self.selected], compare=False)

    # ---- selection --------------------------------------------------------------------------
    def select(self, task_id: str | None, *, keep_jump: bool = False) -> None:
        if not keep_jump:
            self._jump_from = None
        if task_id == self.selected or (
            task_id is not None and (self.layout_ is None or task_id not in self.layout_.row_of)
        ):
            return
        previous, self.selected = self.selected, task_id
        self.restyle([t for t in (previous, task_id) if t is not None], compare=False)
        self._scroll_to_selected()
        self.post_message(self.Selected(self, task_id))

    def _keep_selected_in_view(self, tries: int = 5) -> None:
        """Scroll to the selected task once the size and the lines to scroll over are known:
        right after a layout either may still be settling, so check and try again."""
        self._scroll_to_selected()
        if tries > 1 and not self.selected_in_view():
            self.call_after_refresh(self._keep_selected_in_view, tries - 1)

    def selected_in_view(self) -> bool:
        layout = self.layout_
        if layout is None or self.selected is None:
            return True
        row = layout.row_of[self.selected]
        top = self.scroll_offset.y
        return top <= row < top + self.scrollable_content_region.height

    def _scroll_to_selected(self) -> None:
        layout = self.layout_
        if layout is None or self.selected is None:
            return
        row = layout.row_of[self.selected]
        top = row - 1 if row > 0 and layout.rows[row - 1].task_id is None else row
        self.scroll_to_region(Region(0, top, 1, row - top + 1), animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        if self.layout_ is None or self.selected is None:
            return
        self.select(self.layout_.step(self.selected, delta))

    def action_layer(self, delta: int) -> None:
        if self.layout_ is None or self.selected is None:
            return
        self.select(self.layout_.layer_step(self.selected, delta))

    def action_edge(self, end: int) -> None:
        if self.layout_ is None:
            return
        self.select(self.layout_.last_task() if end else self.layout_.first_task())

    def action_parent(self) -> None:
        self._jump(child=False)

    def action_child(self) -> None:
        self._jump(child=True)

    def _jump(self, *, child: bool) -> None:
        layout, current = self.layout_, self.selected
        if layout is None or current is None:
            return
        origin, previous = current, None
        if self._jump_from is not None and self._jump_from[1] == current:
            # pressed again: the next parent (child) of the task we jumped from
            origin, previous = self._jump_from[0], current
            options = layout.dag.children if child else layout.dag.parents
            if current not in options.get(origin, ()):
                origin, previous = current, None
        target = layout.child(origin, previous) if child else layout.parent(origin, previous)
        if target is None:
            what = "children" if child else "parents"
            self.notify(f"{current} has no {what}", severity="warning", timeout=3)
            return
        self.select(target, keep_jump=True)
        self._jump_from = (origin, target)

    def on_click(self, event: events.Click) -> None:
        layout = self.layout_
        if layout is None:
            return
        row = event.y + self.scroll_offset.y
        if 0 <= row < len(layout.rows) and layout.rows[row].task_id is not None:
            self.select(layout.rows[row].task_id)

    # ---- drawing ----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.pass_width
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        row_index = y + self.scroll_offset.y
        layout = self.layout_
        if layout is None or not 0 <= row_index < len(layout.rows):
            return Strip.blank(width, self._style(""))
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()
        strip = self._cache.get(row_index)
        if strip is None:
            strip = self._render_row(layout.rows[row_index], width)
            self._cache[row_index] = strip
            self.lines_rendered += 1
        self.paints += 1
        return strip

    def _named_style(self, name: str) -> Style:
        """The graph's component classes from its CSS; any other name as Rich parses it."""
        if name.startswith("task-graph--"):
            return self.get_component_rich_style(name)
        return Style.parse(name)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style.clear()
        self._cache.clear()

    def _render_row(self, row: Row, width: int) -> Strip:
        """One row as segments, built directly: this runs for every visible row that
        changed, twenty times a second under load."""
        layout, view = self.layout_, self.view
        assert layout is not None and view is not None
        pad_style = self._style("")
        if row.task_id is None:
            header = self._style("task-graph--header")
            segments = [Segment(self._header_label(row.layer, layout, width), header)]
        else:
            segments = self._task_segments(row, view.tasks.get(row.task_id), layout, width)
            if row.task_id == self.selected:
                cursor = self.get_component_rich_style("task-graph--cursor")
                segments = [Segment(s.text, (s.style or pad_style) + cursor) for s in segments]
                pad_style = self._style("task-graph--cursor")
        return fitted_strip(segments, width, pad_style)

    def _header_label(self, layer: int, layout: GraphLayout, width: int) -> str:
        g = self.glyphs
        count = len(layout.layers[layer])
        if layout.dag.known:
            label = f"{g.pick('┌', '+')}{g.rule} generation {layer} {g.bullet} {count} task"
        else:
            label = f"{g.pick('┌', '+')}{g.rule} {count} task"
        label += "s " if count != 1 else " "
        if not layout.dag.known:
            label += "(dependencies unknown) "
        return label + g.rule * max(0, width - len(label))

    def _task_segments(
        self, row: Row, task: TaskView | None, layout: GraphLayout, width: int
    ) -> list[Segment]:
        g = self.glyphs
        id_width, gutter_at = graph_columns(layout)
        status = task.status if task else "pending"
        style = self._style(g.style(status))
        muted = self._style("task-graph--muted")
        base = self._style("")
        task_id = row.task_id or ""
        attempts = task.attempts if task else 0
        duration = format_duration(task.duration(self.clock())) if task else ""
        branch = g.pick("└", "`") if row.last else g.pick("├", "|")
        segments = [
            Segment(branch + " ", muted),
            Segment(g.status(status), style),
            Segment(" " + fit(task_id, id_width, g.ellipsis).ljust(id_width) + "  ", base),
            Segment(status.ljust(STATUS_WIDTH), style),
            Segment(" " + (str(attempts) if attempts else "").rjust(ATTEMPTS_WIDTH) + " ", muted),
            Segment(duration.rjust(DURATION_WIDTH), base),
        ]
        room = width - gutter_at
        if task is not None and task.operator and room > 12:  # made by hand, not computed
            segments.append(Segment("  by hand", style))
            room -= 9
        counts = counts_text(self.view, task_id) if self.view is not None else ""
        if counts and room > 4:  # a for_each task: how its items stand, then its parents
            segments.append(Segment("  " + fit(counts, room - 2, g.ellipsis), style))
            room -= len(counts) + 2
        parents = layout.dag.parents.get(task_id, ())
        if parents and room > 4:
            segments.append(Segment("  " + self._gutter(parents, room - 2), muted))
        return segments

    def _gutter(self, parents: tuple[str, ...], room: int) -> str:
        g = self.glyphs
        text = f"{g.parents_arrow} " + ", ".join(parents)
        if len(text) <= room:
            return text
        shown: list[str] = []
        for index, parent in enumerate(parents):
            rest = len(parents) - index - 1
            candidate = f"{g.parents_arrow} " + ", ".join([*shown, parent])
            tail = f" +{rest}" if rest else ""
            if len(candidate + tail) > room:
                break
            shown.append(parent)
        more = len(parents) - len(shown)
        head = f"{g.parents_arrow} " + ", ".join(shown) if shown else f"{g.parents_arrow}"
        return fit(f"{head} +{more}" if more else head, room, g.ellipsis)

    # ---- reading the screen (tests, benchmarks) ----------------------------------------------
    def row_text(self, task_id: str) -> str:
        """The plain text of a task's row as it is drawn now."""
        layout = self.layout_
        assert layout is not None
        strip = self._render_row(layout.rows[layout.row_of[task_id]], max(40, self._cache_width))
        return strip.text

    def cursor_style(self) -> Style:
        return self.get_component_rich_style("task-graph--cursor")

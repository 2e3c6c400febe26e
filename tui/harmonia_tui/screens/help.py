"""`?`: every key binding of the screen it was opened from, and whether it applies now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from harmonia_tui.screens.base import HarmoniaScreen

if TYPE_CHECKING:
    from harmonia_tui.app import HarmoniaApp

__all__ = ["HelpScreen", "binding_rows"]

PALETTE: tuple[str, str, str | None] = (
    "^p",
    "Command palette: search every action, open executions, start workflows",
    None,
)
NAVIGATION_NOTE = (
    "Arrows and hjkl move everywhere; in the graph, left/right (h/l) change generation and "
    "[ / ] (u/d) jump to a parent / child (press again for the next one)."
)


def binding_rows(screen: Screen[object]) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """Sections of (keys, description, why not now) for the bindings reachable on `screen`:
    its own first, then the focused widget's (moving around), then the app's."""
    app = screen.app
    nodes: list[tuple[str, DOMNode]] = [
        (f"On this screen ({screen.title or type(screen).__name__})", screen)
    ]
    focused = screen.focused
    if focused is not None and focused._bindings.key_to_bindings:
        nodes.append((f"Moving ({type(focused).__name__})", focused))
    nodes.append(("Everywhere", app))
    sections: list[tuple[str, list[tuple[str, str, str | None]]]] = []
    for title, node in nodes:
        own = {b.action for b in _class_bindings(node)}
        actions: dict[str, tuple[list[str], str, str | None]] = {}
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.action not in own or not binding.description:
                    continue  # Textual's generic bindings (focus, copy) are not ours to list
                if binding.action == "command_palette":
                    continue  # its own row (PALETTE) says more than the footer's word
                keys, description, _ = actions.setdefault(
                    binding.action, ([], binding.description, None)
                )
                display = app.get_key_display(binding)
                if display not in keys:
                    keys.append(display)
                reason = None
                if node is screen and isinstance(screen, HarmoniaScreen):
                    reason = screen.unavailable(binding.action)
                actions[binding.action] = (keys, description, reason)
        rows = [(" / ".join(keys), text, reason) for keys, text, reason in actions.values()]
        if node is app:
            rows.append(PALETTE)
        if rows:
            sections.append((title, rows))
    return sections


def _class_bindings(node: DOMNode) -> list[Binding]:
    """The bindings a class declares itself, without Textual's inherited defaults."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("harmonia_tui") or cls is DataTable:
            found.extend(Binding.make_bindings(cls.__dict__.get("BINDINGS", [])))
    return found


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > #help {
        width: 90%;
        max-width: 110;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under
        self.sections = binding_rows(under)

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static("Keys (esc closes)", id="help-title")
            with VerticalScroll():
                yield Static(self._table(), id="help-table")

    def _table(self) -> Group:
        ascii = getattr(self.app, "glyphs", None) is not None and (
            self.app.glyphs.ascii  # type: ignore[attr-defined]
        )
        parts: list[RenderableType] = []
        for title, rows in self.sections:
            parts.append(Text(title, style="bold underline"))
            table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
            table.add_column("key", style="bold", no_wrap=True)
            table.add_column("does", ratio=3)
            table.add_column("now", ratio=2)
            for keys, description, reason in rows:
                if reason is None:
                    now = Text("+ yes" if ascii else "✓ yes", style="green")
                else:
                    now = Text(("- " if ascii else "· ") + f"not now: {reason}", style="dim")
                table.add_row(keys, description, now)
            parts.extend([table, Text("")])
        parts.append(Text(NAVIGATION_NOTE, style="dim"))
        return Group(*parts)

    @property
    def text(self) -> str:
        """Every line of the help, as plain text (tests)."""
        lines: list[str] = []
        for title, rows in self.sections:
            lines.append(title)
            for keys, description, reason in rows:
                lines.append(f"{keys}  {description}  {reason or 'yes'}")
        return "\n".join(lines)

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def harmonia(self) -> HarmoniaApp:
        from typing import cast

        return cast("HarmoniaApp", self.app)

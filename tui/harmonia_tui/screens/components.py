"""The components screen: what workflows may call (built-in, plugins, remote Tekton components),
with each one's kind, endpoint, health and actions; the highlighted one's actions and their
parameters below. Remote components are asked by the daemon when the list loads (`u` asks
again), so a component that went down shows as unreachable here before a task finds out.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from harmonia.client import ComponentInfo
from harmonia_tui.screens.base import NOT_HERE_EXECUTION
from harmonia_tui.screens.filtering import ListingScreen

__all__ = ["ComponentsScreen"]

COLUMNS = (
    ("name", "name"),
    ("kind", "kind"),
    ("health", "health"),
    ("endpoint", "endpoint"),
    ("actions", "actions"),
)
GOOD_HEALTH = frozenset({"ok", "healthy"})


class ComponentsScreen(ListingScreen[ComponentInfo]):
    WHAT = "listing components"
    TITLE = "Components"

    DEFAULT_CSS = """
    ComponentsScreen #components {
        height: 2fr;
    }
    ComponentsScreen #component-detail {
        height: 1fr;
        padding: 0 1;
        border-top: solid $primary 50%;
        overflow-y: auto;
    }
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip="Filter by name, kind or endpoint"),
        Binding("u", "refresh", "Refresh", tooltip="Ask every remote component again"),
        Binding("r", "retry", "Retry"),
        Binding("c", "cancel", "Cancel"),
        Binding("escape", "back", "Back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter by name, kind or endpoint; esc clears it", id="filter")
        yield Static("Asking the daemon which components workflows may call...", id="empty")
        table: DataTable[Text | str] = DataTable(id="components", cursor_type="row")
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="component-detail")

    def listing(self) -> Awaitable[list[ComponentInfo]]:
        return self.harmonia.connection.client.list_components()

    def render_rows(self) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        keep = self.highlighted_id()
        table.clear()
        query = self.filter_text.lower()
        shown = [
            c
            for c in self.items
            if not query or query in f"{c.name} {c.kind or ''} {c.endpoint or ''}".lower()
        ]
        for info in shown:
            healthy = (info.health or "") in GOOD_HEALTH
            table.add_row(
                Text(info.name, style="bold"),
                info.kind or "",
                Text(info.health or "?", style="green" if healthy else "red"),
                info.endpoint or "",
                str(len(info.actions)) if info.actions else (info.error or "none")[:60],
                key=info.name,
            )
        self.rows_shown([c.name for c in shown], keep, "No components.", loaded=self.loaded)
        self.show_detail()
        self.refresh_keys()

    def highlighted(self) -> ComponentInfo | None:
        name = self.highlighted_id()
        return next((c for c in self.items if c.name == name), None)

    def show_detail(self) -> None:
        self.query_one("#component-detail", Static).update(detail_text(self.highlighted()))

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_detail()
        self.refresh_keys()

    # ---- actions ----------------------------------------------------------------------------
    def unavailable(self, action: str) -> str | None:
        if action in ("retry", "cancel"):
            return NOT_HERE_EXECUTION
        return None

    def action_retry(self) -> None:
        return None

    action_cancel = action_retry

    def action_filter(self) -> None:
        if not isinstance(self.focused, Input):
            super().action_filter()


def detail_text(component: ComponentInfo | None) -> str:
    """The component's description, where it is, why it is unusable, and each action with its
    parameters (a remote tool's as its component lists them), as console markup."""
    if component is None:
        return ""
    lines = [f"[b]{escape(component.name)}[/b]  {escape(component.description or '')}"]
    if component.endpoint:
        lines.append(f"endpoint {escape(component.endpoint)}  ({component.kind})")
    if component.error:
        lines.append(f"[red]{escape(component.error)}[/red]")
    for action in component.actions:
        lines.append(f"[b]{escape(action.name)}[/b]  {escape(action.description or '')}")
        params = action.parameters if action.parameters is not None else _from_schema(action)
        for name, spec in params.items():
            kind = spec.get("type", "any") if isinstance(spec, dict) else "any"
            need = "required" if isinstance(spec, dict) and spec.get("required") else "optional"
            lines.append(f"    {escape(name)}: {escape(str(kind))} ({need})")
    return "\n".join(lines)


def _from_schema(action: Any) -> dict[str, Any]:
    schema = action.input_schema or {}
    required = set(schema.get("required") or [])
    return {
        name: {"type": spec.get("type", "any"), "required": name in required}
        for name, spec in (schema.get("properties") or {}).items()
        if isinstance(spec, dict)
    }

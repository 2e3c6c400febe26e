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
from textual.widgets import DataTable, Static

from harmonia.client import ComponentInfo
from harmonia_tui.screens.filtering import ListingScreen, filter_key

__all__ = ["ComponentsScreen"]

GOOD_HEALTH = frozenset({"ok", "healthy"})


class ComponentsScreen(ListingScreen[ComponentInfo]):
    TITLE = "Components"
    COLUMNS = ("name", "kind", "health", "endpoint", "actions")
    NOUN = "components"
    FILTER_BY = "name, kind or endpoint"
    EMPTY = "Asking the daemon which components workflows may call..."
    KEY = "name"
    NONE = "No components."

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
        filter_key(FILTER_BY),
        Binding("u", "refresh", "Refresh", tooltip="Ask every remote component again"),
        Binding("r", "retry", "Retry"),
        Binding("c", "cancel", "Cancel"),
        Binding("escape", "back", "Back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static("", id="component-detail")

    def listing(self) -> Awaitable[list[ComponentInfo]]:
        return self.harmonia.connection.client.list_components()

    def haystack(self, item: ComponentInfo) -> str:
        return f"{item.name} {item.kind or ''} {item.endpoint or ''}"

    def cells(self, item: ComponentInfo) -> tuple[Text | str, ...]:
        healthy = (item.health or "") in GOOD_HEALTH
        return (
            Text(item.name, style="bold"),
            item.kind or "",
            Text(item.health or "?", style="green" if healthy else "red"),
            item.endpoint or "",
            str(len(item.actions)) if item.actions else (item.error or "none")[:60],
        )

    def render_rows(self) -> None:
        super().render_rows()
        self.show_detail()

    def show_detail(self) -> None:
        self.query_one("#component-detail", Static).update(detail_text(self.highlighted()))

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_detail()
        self.refresh_keys()


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

"""The banner every screen shows while the daemon cannot be reached, or refuses the token."""

from __future__ import annotations

from textual.widgets import Static

from harmonia_tui.connection import LinkState

__all__ = ["ConnectionBanner"]


class ConnectionBanner(Static):
    DEFAULT_CSS = """
    ConnectionBanner {
        display: none;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
        height: auto;
    }
    ConnectionBanner.-lost {
        display: block;
    }
    """

    def __init__(self, url: str, glyphs_ascii: bool = False) -> None:
        super().__init__("", id="connection-banner", markup=False)
        self.url = url
        self.mark = "!" if glyphs_ascii else "⚠"

    def show_state(self, state: LinkState) -> None:
        if state.usable:
            self.remove_class("-lost")
            self.update("")
            return
        self.add_class("-lost")
        if state.connected:
            self.update(f"{self.mark} {self.url}: {state.refused}")
            return
        reason = f" ({state.reason})" if state.reason else ""
        self.update(
            f"{self.mark} connection to {self.url} lost{reason}: reconnecting; "
            "missed events will be caught up"
        )

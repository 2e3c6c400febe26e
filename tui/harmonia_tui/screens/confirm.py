"""A yes/no question before an action that cannot be taken back (cancel) or that runs tasks
again (retry), listing exactly what it will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from harmonia_tui.screens.dialog import FramedScreen

__all__ = ["ConfirmScreen"]


class ConfirmScreen(FramedScreen[bool]):
    """`y` (or the first button) confirms; `n`, `esc` (or the second button) does not."""

    DEFAULT_CSS = """
    ConfirmScreen > #dialog {
        max-height: 90%;
        border: thick $warning;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self, question: str, lines: list[str], *, yes: str = "Yes", no: str = "No"
    ) -> None:
        super().__init__()
        self.question = question
        self.lines = lines
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question", markup=False)
            with VerticalScroll(id="details"):
                yield Static("\n".join(self.lines), markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no", variant="default")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

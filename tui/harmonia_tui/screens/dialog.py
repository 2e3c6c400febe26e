"""The modal dialogs: one centred frame, and buttons of which one confirms while any other
backs out, as esc does.

Forms and editors differ in what confirming does (check the fields, parse the JSON, take the
reason); backing out is the same everywhere: the dialog answers None and nothing is sent. Each
dialog's CSS says only how it differs from the frame (its width, its border's colour).
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button

__all__ = ["Dialog", "FramedScreen"]

Answer = TypeVar("Answer")
Result = TypeVar("Result")


class FramedScreen(ModalScreen[Result]):
    """A modal screen whose `#dialog` is a bordered box in the middle: a bold `#question`,
    `#details` below it, `#buttons` at the bottom right."""

    DEFAULT_CSS = """
    FramedScreen {
        align: center middle;
    }
    FramedScreen > #dialog {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    FramedScreen #question {
        text-style: bold;
        margin-bottom: 1;
    }
    FramedScreen #details {
        height: auto;
        max-height: 20;
    }
    FramedScreen #problem {
        color: $error;
        height: auto;
    }
    FramedScreen #buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    FramedScreen Button {
        margin-left: 2;
    }
    """


class Dialog(FramedScreen[Answer | None]):
    """The button with id `YES` runs `confirmed`; another, or `back_out`, answers None."""

    YES = "yes"

    def confirmed(self) -> None:
        """The confirming button was pressed: check what was entered, then dismiss."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.YES:
            self.confirmed()
        else:
            self.dismiss(None)

    def action_back_out(self) -> None:
        self.dismiss(None)
